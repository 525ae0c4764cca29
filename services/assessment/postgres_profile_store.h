// ProfileStore on a PostgreSQL server that several replicas share: a pool of connections with
// prepared statements, versioned schema migrations applied under an advisory lock (N replicas
// starting together migrate once), and the constraints of the data in the database itself
// (a revision's number is the profile's revision, and a profile's revision only ever grows by
// one, so the history has no gaps; revisions and request ids go with their profile).
// The change log of WatchProfiles is in postgres_change_log.h (numbered in commit order) and
// pg_listener.h (other replicas' commits, LISTEN/NOTIFY).
// Semantics are those of SqliteProfileStore, proven by one conformance suite over both.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "services/assessment/pg_pool.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment {

// The PostgreSQL schema migrations, in order: migration i takes the schema from version i to
// i + 1. Versions mean the same as SqliteProfileStore's (SchemaMigrations()): a feature that adds
// SQLite migration N adds PostgreSQL migration N.
const std::vector<std::string>& PostgresSchemaMigrations();

class PostgresProfileStore final : public ProfileStore {
 public:
  // Connects (UNAVAILABLE when the server cannot be reached) and migrates to the current schema
  // (FAILED_PRECONDITION when the database is newer than this binary).
  static absl::StatusOr<std::unique_ptr<PostgresProfileStore>> Open(PgOptions options);
  ~PostgresProfileStore() override;

  absl::StatusOr<Profile> Get(const std::string& name) override;
  absl::StatusOr<ProfileVersion> GetVersion(const std::string& name) override;
  absl::StatusOr<ProfilePage> List(const ProfileQuery& query, int64_t offset,
                                   int64_t limit) override;
  absl::Status Commit(const std::vector<ProfileWrite>& writes) override;
  absl::StatusOr<std::optional<std::string>> FindRequest(const std::string& request_id) override;
  absl::StatusOr<RevisionPage> ListRevisions(const std::string& name, int64_t offset,
                                             int64_t limit) override;
  absl::StatusOr<Revision> GetRevision(const std::string& name, int64_t revision) override;
  absl::Status Ping() override;
  // On the tsvector index of postgres_finding_index.h.
  absl::StatusOr<FindingCounts> CountFindings(const FindingQuery& query) override;
  absl::StatusOr<std::vector<FindingRow>> SearchFindings(const FindingQuery& query,
                                                         int64_t offset, int64_t limit) override;
  // The change log (postgres_change_log.h: numbered in commit order by a counter row).
  absl::StatusOr<ChangePage> ReadChanges(int64_t after, int64_t limit,
                                         bool with_profiles) override;
  // How long the change log keeps a change (default 7 days; 0 or less: forever). Every commit
  // prunes the older ones; a resume token before them is then OUT_OF_RANGE. Set before use.
  void set_change_retention(std::chrono::microseconds retention) override {
    change_retention_ = retention;
  }
  // LISTEN/NOTIFY on a connection of its own (pg_listener.h): other replicas' commits.
  std::unique_ptr<ChangeSubscription> SubscribeChanges(std::function<void()> on_commit) override;

  // The schema version of the database.
  absl::StatusOr<int> SchemaVersion();

 private:
  PostgresProfileStore(std::unique_ptr<PgPool> pool, PgOptions listener_options)
      : pool_(std::move(pool)), listener_options_(std::move(listener_options)) {}
  absl::Status Migrate();
  // Applies `write` and appends the change it makes to `changes`.
  absl::Status ApplyWrite(PgConnection& conn, const ProfileWrite& write,
                          std::vector<ProfileChange>* changes);
  std::unique_ptr<PgPool> pool_;
  PgOptions listener_options_;  // the pool's, for a listener's own connection
  std::chrono::microseconds change_retention_ = std::chrono::hours(24 * 7);
};

}  // namespace mgi::assessment
