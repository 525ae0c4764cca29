// The change feed behind WatchProfiles: the store's change log (a global sequence in commit order,
// ProfileStore::ReadChanges) turned into the events one caller may see, and the wake-ups of the
// watchers. Nothing is kept only in memory: a watcher's position is a sequence number (its resume
// token), so a restart of the service, or a reconnect to another replica, loses nothing within the
// store's retention window.
//
// Waking: a commit made through this process wakes the watchers at once (NotifyingProfileStore);
// a commit made by another process (another replica on the same database) wakes them when the
// store signals it (ProfileStore::SubscribeChanges; PostgreSQL: LISTEN/NOTIFY), and in any case
// is seen by polling the store's head every `poll_interval` (one cheap query per process,
// whatever the number of watchers), the fallback while the signal is down.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/metrics.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "services/assessment/caller.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment {

// What one watch delivers: validated from the request and the caller.
struct WatchPlan {
  ProfileQuery query;            // the filter (its `state` is matched against the state after)
  bool drafts = false;           // the caller may read drafts (and revisions: the actor)
  bool include_profile = false;
  int64_t cursor = 0;            // the last sequence delivered or skipped
};

// The opaque resume token of a sequence, and back (INVALID_ARGUMENT on `resume_token`).
std::string EncodeResumeToken(int64_t sequence);
absl::StatusOr<int64_t> DecodeResumeToken(const std::string& token);

// The event `change` is for a watcher with `plan`, or nullopt when the watcher does not see it:
// a change is delivered when the profile is in the watcher's view (what the caller may read,
// matching the filter) before or after it. A profile that leaves what the caller may read
// arrives as DELETED; one that enters it as what made it enter (a draft's publication:
// PUBLISHED).
std::optional<v1::ProfileEvent> EventFor(const ProfileChange& change, const WatchPlan& plan);

class ProfileFeed {
 public:
  struct Options {
    // How often the store's head is read to see commits made by other processes.
    std::chrono::milliseconds poll_interval{1000};
    // A watcher that sent nothing this long gets a HEARTBEAT.
    std::chrono::milliseconds heartbeat{15000};
    // Changes read per store query by one watcher.
    int batch = 100;
    // The latest changes kept in memory (without profiles), read once from the store when the
    // head moves and shared by every watcher near the head (0: every watcher reads the store).
    int recent = 4096;
  };

  // `store` outlives the feed. Starts the feed's thread (polling and heartbeat ticks).
  ProfileFeed(ProfileStore* store, Options options);
  ~ProfileFeed();  // Stop()
  ProfileFeed(const ProfileFeed&) = delete;
  ProfileFeed& operator=(const ProfileFeed&) = delete;

  const Options& options() const { return options_; }

  // The plan of a watch: INVALID_ARGUMENT for a bad filter or token, the caller's refusal when
  // the filter asks for drafts they may not read, OUT_OF_RANGE for a token past the retention
  // window, UNAVAILABLE once stopped. Without a token the watch starts at the present.
  absl::StatusOr<WatchPlan> Plan(const v1::WatchProfilesRequest& request, const Caller& caller);
  // The next events for `plan` (at most one batch of changes read), advancing its cursor past
  // every change read, delivered or not. Blocks on the store.
  absl::StatusOr<std::vector<v1::ProfileEvent>> Next(WatchPlan* plan);
  // A heartbeat at `cursor`.
  static v1::ProfileEvent Heartbeat(int64_t cursor);

  // Watchers. `on_tick(advanced)` runs on the feed's thread, with the feed's lock held (it must
  // not block nor call back into the feed): at once when the head advanced (`advanced` true), and
  // about every second otherwise (for heartbeats). `on_stop` runs once when the feed stops.
  // After Unsubscribe returns, neither runs again.
  uint64_t Subscribe(std::function<void(bool advanced)> on_tick, std::function<void()> on_stop);
  void Unsubscribe(uint64_t id);
  // The latest sequence the feed knows of.
  int64_t head() const { return head_.load(); }
  int watchers() const;
  // Keeps `gauge` (may be null) at the number of open watches. Set before use.
  void set_watchers_gauge(Gauge* gauge) { watchers_gauge_ = gauge; }

  // A commit was made through this process: wake the watchers now.
  void Notify();
  // Refuses new watches and ends the open ones (their on_stop). Idempotent.
  void Stop();

 private:
  void Run();
  // The feed's thread: reads the changes after the cached range up to `head` into `recent_`.
  void CacheUpTo(int64_t head);
  // Copies up to `limit` cached changes after `after` into `out`; false when `after` is outside
  // the cached range (the store must be read).
  bool FromCache(int64_t after, int64_t limit, std::vector<ProfileChange>* out) const;
  ProfileStore* store_;
  Options options_;
  std::atomic<int64_t> head_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
  bool stopping_ = false;
  uint64_t next_id_ = 1;
  struct Subscriber {
    std::function<void(bool)> on_tick;
    std::function<void()> on_stop;
  };
  std::map<uint64_t, Subscriber> subscribers_;
  // The store's signal of other processes' commits (null: polling only).
  std::unique_ptr<ProfileStore::ChangeSubscription> subscription_;
  Gauge* watchers_gauge_ = nullptr;
  // Every change of the log with a sequence in (recent_floor_, recent_head_], ascending.
  mutable std::mutex recent_mu_;
  std::vector<ProfileChange> recent_;
  int64_t recent_floor_ = 0;
  int64_t recent_head_ = 0;
  std::thread thread_;
};

// A ProfileStore that tells the feed about every successful commit (every other method is passed
// through unchanged: each of ProfileStore's, so that none answers with the base's default).
class NotifyingProfileStore final : public ProfileStore {
 public:
  NotifyingProfileStore(ProfileStore* store, ProfileFeed* feed) : store_(store), feed_(feed) {}
  absl::StatusOr<Profile> Get(const std::string& name) override { return store_->Get(name); }
  absl::StatusOr<ProfileVersion> GetVersion(const std::string& name) override {
    return store_->GetVersion(name);
  }
  std::optional<absl::StatusOr<ProfileVersion>> TryGetVersion(const std::string& name) override {
    return store_->TryGetVersion(name);
  }
  absl::StatusOr<ProfilePage> List(const ProfileQuery& query, int64_t offset,
                                   int64_t limit) override {
    return store_->List(query, offset, limit);
  }
  absl::Status Commit(const std::vector<ProfileWrite>& writes) override {
    absl::Status s = store_->Commit(writes);
    if (s.ok()) feed_->Notify();
    return s;
  }
  absl::StatusOr<std::optional<std::string>> FindRequest(const std::string& request_id) override {
    return store_->FindRequest(request_id);
  }
  absl::StatusOr<RevisionPage> ListRevisions(const std::string& name, int64_t offset,
                                             int64_t limit) override {
    return store_->ListRevisions(name, offset, limit);
  }
  absl::StatusOr<Revision> GetRevision(const std::string& name, int64_t revision) override {
    return store_->GetRevision(name, revision);
  }
  absl::StatusOr<ChangePage> ReadChanges(int64_t after, int64_t limit,
                                         bool with_profiles) override {
    return store_->ReadChanges(after, limit, with_profiles);
  }
  std::unique_ptr<ChangeSubscription> SubscribeChanges(std::function<void()> on_commit) override {
    return store_->SubscribeChanges(std::move(on_commit));
  }
  absl::Status Ping() override { return store_->Ping(); }
  void set_change_retention(std::chrono::microseconds retention) override {
    store_->set_change_retention(retention);
  }
  absl::StatusOr<FindingCounts> CountFindings(const FindingQuery& query) override {
    return store_->CountFindings(query);
  }
  absl::StatusOr<std::vector<FindingRow>> SearchFindings(const FindingQuery& query, int64_t offset,
                                                         int64_t limit) override {
    return store_->SearchFindings(query, offset, limit);
  }

 private:
  ProfileStore* store_;
  ProfileFeed* feed_;
};

}  // namespace mgi::assessment
