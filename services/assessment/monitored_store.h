// A ProfileStore that reports whether its database can be used: mgi_database_up{database} is 0
// after a call failed with INTERNAL, UNAVAILABLE or DATA_LOSS (cannot open, I/O error, disk full,
// read-only, locked, corrupt), and 1 again after a call succeeded (or failed for the caller's
// reasons, such as NOT_FOUND). The MgiDatabaseUnavailable alert watches it. With a Readiness,
// a call that fails with UNAVAILABLE (a database server that cannot be reached) also makes the
// service NOT_SERVING (condition "database") until a call succeeds again; DatabaseProbe keeps
// calling Ping() so that this happens without traffic too.
#pragma once

#include <atomic>
#include <string>

#include "services/common/metrics.h"
#include "services/common/readiness.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment {

class MonitoredProfileStore final : public ProfileStore {
 public:
  // `store` and `metrics` outlive this. `database` labels the gauge.
  // `readiness` (optional) outlives this too.
  MonitoredProfileStore(ProfileStore* store, MetricsRegistry* metrics, const std::string& database,
                        Readiness* readiness = nullptr);

  absl::StatusOr<Profile> Get(const std::string& name) override;
  absl::StatusOr<ProfileVersion> GetVersion(const std::string& name) override;
  std::optional<absl::StatusOr<ProfileVersion>> TryGetVersion(const std::string& name) override;
  absl::StatusOr<ProfilePage> List(const ProfileQuery& query, int64_t offset,
                                   int64_t limit) override;
  absl::Status Commit(const std::vector<ProfileWrite>& writes) override;
  absl::StatusOr<std::optional<std::string>> FindRequest(const std::string& request_id) override;
  absl::StatusOr<RevisionPage> ListRevisions(const std::string& name, int64_t offset,
                                             int64_t limit) override;
  absl::StatusOr<Revision> GetRevision(const std::string& name, int64_t revision) override;
  absl::Status Ping() override;
  absl::StatusOr<ChangePage> ReadChanges(int64_t after, int64_t limit,
                                         bool with_profiles) override;
  std::unique_ptr<ChangeSubscription> SubscribeChanges(std::function<void()> on_commit) override {
    return store_->SubscribeChanges(std::move(on_commit));
  }
  absl::StatusOr<FindingCounts> CountFindings(const FindingQuery& query) override;
  absl::StatusOr<std::vector<FindingRow>> SearchFindings(const FindingQuery& query, int64_t offset,
                                                         int64_t limit) override;

 private:
  template <typename T>
  T Observe(T result);
  ProfileStore* store_;
  Gauge* up_;
  Readiness* readiness_;
  std::atomic<bool> reachable_{true};
};

}  // namespace mgi::assessment
