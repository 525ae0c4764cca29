// ProfileStore on a PostgreSQL server that several replicas share: a pool of connections with
// prepared statements, versioned schema migrations applied under an advisory lock (N replicas
// starting together migrate once), and the constraints of the data in the database itself
// (a revision's number is the profile's revision, and a profile's revision only ever grows by
// one, so the history has no gaps; revisions and request ids go with their profile).
// Semantics are those of SqliteProfileStore, proven by one conformance suite over both.
#pragma once

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

  // The schema version of the database.
  absl::StatusOr<int> SchemaVersion();

 private:
  explicit PostgresProfileStore(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}
  absl::Status Migrate();
  absl::Status ApplyWrite(PgConnection& conn, const ProfileWrite& write);
  std::unique_ptr<PgPool> pool_;
};

}  // namespace mgi::assessment
