// ProfileStore on one embedded SQLite file: WAL journal, synchronous=FULL, versioned schema
// migrations (PRAGMA user_version) applied at open, prepared statements only.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "services/assessment/profile_store.h"

struct sqlite3;

namespace mgi::assessment {
class StatementCache;  // sqlite_statements.h

// Closes a connection (owned by unique_ptr).
struct SqliteCloser {
  void operator()(sqlite3* db) const;
};

// Creates the database file at `path` owner-only (0600) if absent, and tightens it and any -wal,
// -shm or -journal file beside it to 0600, whatever the umask. ":memory:" and URIs are left alone.
absl::Status RestrictDatabaseFiles(const std::string& path);

// The schema migrations, in order: migration i takes user_version i to i + 1.
const std::vector<std::string>& SchemaMigrations();

class SqliteProfileStore final : public ProfileStore {
 public:
  // Opens (creating when absent) the database at `path` and migrates it to the current schema.
  static absl::StatusOr<std::unique_ptr<SqliteProfileStore>> Open(const std::string& path);
  ~SqliteProfileStore() override;

  absl::StatusOr<Profile> Get(const std::string& name) override;
  absl::StatusOr<ProfileVersion> GetVersion(const std::string& name) override;
  // Unless another call holds the connection (a write committing, a search).
  std::optional<absl::StatusOr<ProfileVersion>> TryGetVersion(const std::string& name) override;
  absl::StatusOr<ProfilePage> List(const ProfileQuery& query, int64_t offset,
                                   int64_t limit) override;
  absl::Status Commit(const std::vector<ProfileWrite>& writes) override;
  absl::StatusOr<std::optional<std::string>> FindRequest(const std::string& request_id) override;
  absl::StatusOr<RevisionPage> ListRevisions(const std::string& name, int64_t offset,
                                             int64_t limit) override;
  absl::StatusOr<Revision> GetRevision(const std::string& name, int64_t revision) override;
  absl::StatusOr<ChangePage> ReadChanges(int64_t after, int64_t limit,
                                         bool with_profiles) override;

  // How long the change log keeps a change (default 7 days; 0 or less: forever). Every commit
  // prunes the older ones; a resume token before them is then OUT_OF_RANGE. Set before use.
  void set_change_retention(std::chrono::microseconds retention) override {
    change_retention_ = retention;
  }
  // On the FTS5 index of sqlite_finding_index.h (defined in sqlite_finding_index.cc).
  absl::StatusOr<FindingCounts> CountFindings(const FindingQuery& query) override;
  absl::StatusOr<std::vector<FindingRow>> SearchFindings(const FindingQuery& query, int64_t offset,
                                                         int64_t limit) override;

  // The schema version of the open database.
  absl::StatusOr<int> SchemaVersion();

 private:
  explicit SqliteProfileStore(std::unique_ptr<sqlite3, SqliteCloser> db);
  absl::Status Migrate();
  absl::Status ApplyWrite(const ProfileWrite& write);
  absl::StatusOr<ProfileVersion> ReadVersionLocked(const std::string& name);  // mu_ held
  absl::Status RecordChange(const ProfileChange& change);
  absl::Status PruneChanges();
  std::chrono::microseconds change_retention_ = std::chrono::hours(24 * 7);
  std::mutex mu_;  // one connection, used by one thread at a time
  std::unique_ptr<sqlite3, SqliteCloser> db_ ABSL_GUARDED_BY(mu_);
  // The connection's prepared statements; destroyed before db_ closes.
  std::unique_ptr<StatementCache> statements_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mgi::assessment
