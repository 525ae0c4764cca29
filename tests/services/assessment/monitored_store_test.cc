// mgi_database_up follows the store's answers: 0 after an unavailability error, 1 after a success
// or the caller's error.
#include <gtest/gtest.h>

#include "services/assessment/monitored_store.h"

namespace mgi::assessment {
namespace {

// A store whose every call answers `next`.
class ScriptedStore final : public ProfileStore {
 public:
  absl::Status next = absl::OkStatus();
  absl::StatusOr<Profile> Get(const std::string&) override {
    if (!next.ok()) return next;
    return Profile();
  }
  absl::StatusOr<ProfilePage> List(const ProfileQuery&, int64_t, int64_t) override {
    if (!next.ok()) return next;
    return ProfilePage();
  }
  absl::Status Commit(const std::vector<ProfileWrite>&) override { return next; }
  absl::StatusOr<std::optional<std::string>> FindRequest(const std::string&) override {
    if (!next.ok()) return next;
    return std::optional<std::string>();
  }
  absl::StatusOr<RevisionPage> ListRevisions(const std::string&, int64_t, int64_t) override {
    if (!next.ok()) return next;
    return RevisionPage();
  }
  absl::StatusOr<Revision> GetRevision(const std::string&, int64_t) override {
    if (!next.ok()) return next;
    return Revision();
  }
};

TEST(MonitoredProfileStoreTest, DatabaseUpFollowsTheAnswers) {
  ScriptedStore store;
  MetricsRegistry metrics;
  MonitoredProfileStore monitored(&store, &metrics, "assessment");
  Gauge* up = metrics.GetGauge("mgi_database_up", "", {{"database", "assessment"}});
  EXPECT_EQ(up->Value(), 1);

  store.next = absl::InternalError("sqlite: disk I/O error");
  EXPECT_FALSE(monitored.Commit({}).ok());
  EXPECT_EQ(up->Value(), 0);
  store.next = absl::NotFoundError("profiles/x");  // the caller's: the database answered
  EXPECT_EQ(monitored.Get("profiles/x").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(up->Value(), 1);
  store.next = absl::UnavailableError("cannot open database");
  EXPECT_FALSE(monitored.List({}, 0, 10).ok());
  EXPECT_EQ(up->Value(), 0);
  store.next = absl::DataLossError("corrupt profile");
  EXPECT_FALSE(monitored.GetRevision("profiles/x", 1).ok());
  EXPECT_EQ(up->Value(), 0);
  store.next = absl::OkStatus();
  EXPECT_TRUE(monitored.FindRequest("r").ok());
  EXPECT_EQ(up->Value(), 1);
  EXPECT_NE(metrics.Render().find("mgi_database_up{database=\"assessment\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace mgi::assessment
