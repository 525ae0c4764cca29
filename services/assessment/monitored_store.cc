#include "services/assessment/monitored_store.h"

namespace mgi::assessment {
namespace {

const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

bool Unavailable(const absl::Status& s) {
  return absl::IsInternal(s) || absl::IsUnavailable(s) || absl::IsDataLoss(s);
}

}  // namespace

MonitoredProfileStore::MonitoredProfileStore(ProfileStore* store, MetricsRegistry* metrics,
                                             const std::string& database, Readiness* readiness)
    : store_(store),
      up_(metrics->GetGauge("mgi_database_up",
                            "1 when the last database call could use the database, 0 when it "
                            "failed because the database is unavailable",
                            {{"database", database}})),
      readiness_(readiness) {
  up_->Set(1);
}

template <typename T>
T MonitoredProfileStore::Observe(T result) {
  const absl::Status& s = StatusOf(result);
  up_->Set(Unavailable(s) ? 0 : 1);
  if (readiness_ != nullptr) {
    bool reachable = !absl::IsUnavailable(s);
    if (reachable_.exchange(reachable) != reachable || !reachable) {
      readiness_->Set("database", reachable ? absl::OkStatus() : s);
    }
  }
  return result;
}

absl::StatusOr<Profile> MonitoredProfileStore::Get(const std::string& name) {
  return Observe(store_->Get(name));
}

absl::StatusOr<ProfileVersion> MonitoredProfileStore::GetVersion(const std::string& name) {
  return Observe(store_->GetVersion(name));
}

std::optional<absl::StatusOr<ProfileVersion>> MonitoredProfileStore::TryGetVersion(
    const std::string& name) {
  auto version = store_->TryGetVersion(name);
  if (version) return Observe(*std::move(version));
  return version;
}

absl::StatusOr<ProfilePage> MonitoredProfileStore::List(const ProfileQuery& query, int64_t offset,
                                                        int64_t limit) {
  return Observe(store_->List(query, offset, limit));
}

absl::Status MonitoredProfileStore::Commit(const std::vector<ProfileWrite>& writes) {
  return Observe(store_->Commit(writes));
}

absl::StatusOr<std::optional<std::string>> MonitoredProfileStore::FindRequest(
    const std::string& request_id) {
  return Observe(store_->FindRequest(request_id));
}

absl::StatusOr<RevisionPage> MonitoredProfileStore::ListRevisions(const std::string& name,
                                                                  int64_t offset, int64_t limit) {
  return Observe(store_->ListRevisions(name, offset, limit));
}

absl::StatusOr<Revision> MonitoredProfileStore::GetRevision(const std::string& name,
                                                            int64_t revision) {
  return Observe(store_->GetRevision(name, revision));
}

absl::StatusOr<ChangePage> MonitoredProfileStore::ReadChanges(int64_t after, int64_t limit,
                                                              bool with_profiles) {
  return Observe(store_->ReadChanges(after, limit, with_profiles));
}

}  // namespace mgi::assessment

namespace mgi::assessment {

// The probe's call: it can say the database is unreachable (gauge 0, NOT_SERVING) and that it
// is reachable again (serving), but only a real call sets the gauge back to 1, so a store whose
// calls fail for another reason (disk full, corruption) keeps mgi_database_up at 0.
absl::Status MonitoredProfileStore::Ping() {
  absl::Status s = store_->Ping();
  if (absl::IsUnavailable(s)) {
    up_->Set(0);
  }
  if (readiness_ != nullptr) {
    bool reachable = !absl::IsUnavailable(s);
    if (reachable_.exchange(reachable) != reachable || !reachable) {
      readiness_->Set("database", reachable ? absl::OkStatus() : s);
    }
  }
  return s;
}

absl::StatusOr<FindingCounts> MonitoredProfileStore::CountFindings(const FindingQuery& query) {
  return Observe(store_->CountFindings(query));
}

absl::StatusOr<std::vector<FindingRow>> MonitoredProfileStore::SearchFindings(
    const FindingQuery& query, int64_t offset, int64_t limit) {
  return Observe(store_->SearchFindings(query, offset, limit));
}

}  // namespace mgi::assessment
