// The storage seam of the assessment service: profiles (with indexed columns), their revisions
// (each with a whole snapshot) and the request ids that make creates idempotent. The SQLite
// implementation is in sqlite_profile_store.h, the PostgreSQL one (several replicas sharing one
// server) in postgres_profile_store.h; store_factory.h picks one from --database-url.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mgi/assessment/v1/resources.pb.h"
#include "services/assessment/finding_index.h"

namespace mgi::assessment {

using mgi::assessment::v1::Profile;
using mgi::assessment::v1::Revision;

// Equality filters on the indexed columns; unset members match everything.
struct ProfileQuery {
  std::optional<std::string> country;  // "countries/GTM"
  std::optional<int> level;            // mgi.catalog.v1.Level
  std::optional<int> state;            // ProfileState
  std::optional<int> edition;
  std::optional<int> assessment_year;  // 0: profiles without one
  // kDefault: country, local unit, edition, name. kAssessmentYear(Desc): the assessment year
  // first (profiles without one last), then the default order.
  enum class Order { kDefault, kAssessmentYear, kAssessmentYearDesc };
  Order order = Order::kDefault;
};

// One change inside a transaction.
struct ProfileWrite {
  enum class Kind { kCreate, kReplace, kDelete };
  Kind kind = Kind::kCreate;
  // kCreate/kReplace: the whole new profile (its etag and revision already set).
  // kDelete: only `name` is read.
  Profile profile;
  // kReplace/kDelete: the etag the stored profile must still have (ABORTED otherwise).
  std::string expected_etag;
  // kCreate/kReplace: the revision record of the change (its snapshot is `profile`).
  Revision revision;
  // kCreate: an idempotency key to remember with the new profile (empty: none).
  std::string request_id;
};

// What identifies the stored version of a profile, read without the profile itself: the key of
// the profile cache (etag changes on every write) and whether the profile is worth caching.
struct ProfileVersion {
  std::string etag;
  int64_t revision = 0;
  int state = 0;  // ProfileState
};

struct ProfilePage {
  std::vector<Profile> profiles;
  int64_t total = 0;
};

// One accepted change in the change log that WatchProfiles reads: every Commit appends one per
// write, numbered by a global sequence.
struct ProfileChange {
  int64_t sequence = 0;
  ProfileWrite::Kind kind = ProfileWrite::Kind::kCreate;
  std::string name;
  // After the change; for a delete, as the profile was before it.
  int64_t revision = 0;
  std::string etag;
  int state = 0;           // ProfileState
  int previous_state = 0;  // before the change; 0 for a create
  std::string actor;
  int64_t time_us = 0;     // commit time (the revision's create time; the clock for a delete)
  // The indexed columns a watcher's filter reads (ProfileQuery), as for `state`.
  std::string country;
  int level = 0;
  int edition = 0;
  int assessment_year = 0;
  // The profile after the change, when asked for and still stored (never for a delete, nor once
  // the profile was deleted: its revisions went with it).
  std::optional<Profile> profile;
};

// The change `write` logs, before the store fills in what only it knows: `previous_state` (a
// replace or delete), and for a delete the stored profile's etag, state, revision and indexed
// columns. `time_us` is the revision's create time (now for a delete, or when unset).
ProfileChange ChangeOf(const ProfileWrite& write);
// Whether `after` is a position the change log with this `floor` (pruned through) and `head`
// can resume from: OUT_OF_RANGE saying what to do when it is not (profile_change.cc).
absl::Status CheckChangeWindow(int64_t after, int64_t floor, int64_t head);
// Drops `change.profile` when it is not the profile the change made (a snapshot found for a
// delete, or for a profile deleted and created again since, whose revision numbers restarted).
void KeepOwnSnapshot(ProfileChange& change);

struct ChangePage {
  std::vector<ProfileChange> changes;  // ascending sequence
  int64_t head = 0;                    // the latest sequence committed, whether in `changes` or not
};

struct RevisionPage {
  std::vector<Revision> revisions;  // newest first, without snapshots
  int64_t total = 0;
};

class ProfileStore {
 public:
  virtual ~ProfileStore() = default;
  // NOT_FOUND naming the profile when absent.
  virtual absl::StatusOr<Profile> Get(const std::string& name) = 0;
  // The current version of `name` (NOT_FOUND naming it when absent). Stores that can read it
  // more cheaply than the whole profile override this.
  virtual absl::StatusOr<ProfileVersion> GetVersion(const std::string& name) {
    auto p = Get(name);
    if (!p.ok()) return p.status();
    return ProfileVersion{p->etag(), p->revision(), static_cast<int>(p->state())};
  }
  // GetVersion when the store can answer without waiting (no lock held by another caller, no
  // network round trip), for callers on threads that must not block; nullopt otherwise, and the
  // caller takes GetVersion's path where it may wait.
  virtual std::optional<absl::StatusOr<ProfileVersion>> TryGetVersion(const std::string&) {
    return std::nullopt;
  }
  // Ordered as query.order says; the local unit's key is its English name, else its name in the
  // profile's first language, else its first name.
  virtual absl::StatusOr<ProfilePage> List(const ProfileQuery& query, int64_t offset,
                                           int64_t limit) = 0;
  // Applies every write or none (one transaction). Create of an existing name or request id is
  // ALREADY_EXISTS; Replace/Delete of a missing profile is NOT_FOUND; an etag that no longer
  // matches is ABORTED. The etag check happens inside the transaction.
  virtual absl::Status Commit(const std::vector<ProfileWrite>& writes) = 0;
  // The profile name a request id created, or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> FindRequest(const std::string& request_id) = 0;
  virtual absl::StatusOr<RevisionPage> ListRevisions(const std::string& name, int64_t offset,
                                                     int64_t limit) = 0;
  // The revision with its snapshot; NOT_FOUND naming it when absent.
  virtual absl::StatusOr<Revision> GetRevision(const std::string& name, int64_t revision) = 0;
  // Whether the database can be used now (UNAVAILABLE when a server cannot be reached): the
  // readiness probe. An embedded store that opened is always usable.
  virtual absl::Status Ping() { return absl::OkStatus(); }
  // How long the change log keeps a change (stores without a change log ignore it).
  virtual void set_change_retention(std::chrono::microseconds retention) { (void)retention; }

  // The change log (WatchProfiles). The changes with a sequence greater than `after`, ascending,
  // at most `limit` (0: none, only `head`), with their profiles when `with_profiles`. A negative
  // `after` reads only `head` (never OUT_OF_RANGE).
  //
  // Contract for every implementation:
  // - Sequences grow in commit order and a change becomes readable with its transaction's commit,
  //   never later than a change with a greater sequence: a reader that has seen sequence N never
  //   later finds a new change below N. (SQLite: one writer at a time. PostgreSQL: a counter
  //   row updated in the writing transaction, postgres_change_log.h; a plain sequence/bigserial
  //   would commit out of order.)
  // - Gaps are allowed (a reader only compares).
  // - Changes older than the store's retention window may be pruned. OUT_OF_RANGE when changes
  //   after `after` were pruned (`after` is older than the window), or `after` is beyond `head`
  //   (a token from another database): the watcher must list again.
  // Stores without a change log answer UNIMPLEMENTED.
  virtual absl::StatusOr<ChangePage> ReadChanges(int64_t after, int64_t limit, bool with_profiles) {
    (void)after, (void)limit, (void)with_profiles;
    return absl::UnimplementedError("this profile store keeps no change log");
  }

  // Wake-ups for commits made by other processes on the same database (replicas sharing one
  // server): `on_commit` runs on a thread of the store's soon after each such commit, and also
  // whenever commits may have been missed (its connection to the server was restored), until the
  // returned subscription is destroyed. It must not block. nullptr when the store has no such
  // signal (SQLite: one process), in which case the feed relies on reading the head
  // periodically. Only a hint to read the log: the log itself stays the truth.
  class ChangeSubscription {
   public:
    virtual ~ChangeSubscription() = default;
  };
  virtual std::unique_ptr<ChangeSubscription> SubscribeChanges(std::function<void()> on_commit) {
    (void)on_commit;
    return nullptr;
  }

  // Key-finding search (see finding_index.h), on an index the store updates in the same
  // transaction as Commit's writes. The counts per country of what `query` finds (the search
  // orders countries by their names, which the store does not know); a store may estimate
  // beyond a limit (FindingCounts::estimated).
  virtual absl::StatusOr<FindingCounts> CountFindings(const FindingQuery& /*query*/) {
    return absl::UnimplementedError("this profile store has no finding search");
  }
  // The findings `query` finds: relevance level, then query.country_order (countries not in it
  // after, by resource name), then local unit, edition (newest first), profile name, domain
  // (profile order), group, position.
  virtual absl::StatusOr<std::vector<FindingRow>> SearchFindings(
      const FindingQuery& /*query*/, int64_t /*offset*/, int64_t /*limit*/) {
    return absl::UnimplementedError("this profile store has no finding search");
  }
};

}  // namespace mgi::assessment
