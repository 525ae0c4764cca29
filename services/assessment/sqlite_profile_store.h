// ProfileStore on one embedded SQLite file: WAL journal, synchronous=FULL, versioned schema
// migrations (PRAGMA user_version) applied at open, prepared statements only.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "services/assessment/profile_store.h"

struct sqlite3;

namespace mgi::assessment {

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
  absl::StatusOr<ProfilePage> List(const ProfileQuery& query, int64_t offset,
                                   int64_t limit) override;
  absl::Status Commit(const std::vector<ProfileWrite>& writes) override;
  absl::StatusOr<std::optional<std::string>> FindRequest(const std::string& request_id) override;
  absl::StatusOr<RevisionPage> ListRevisions(const std::string& name, int64_t offset,
                                             int64_t limit) override;
  absl::StatusOr<Revision> GetRevision(const std::string& name, int64_t revision) override;

  // The schema version of the open database.
  absl::StatusOr<int> SchemaVersion();

 private:
  explicit SqliteProfileStore(std::unique_ptr<sqlite3, SqliteCloser> db) : db_(std::move(db)) {}
  absl::Status Migrate();
  absl::Status ApplyWrite(const ProfileWrite& write);
  std::mutex mu_;  // one connection, used by one thread at a time
  std::unique_ptr<sqlite3, SqliteCloser> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mgi::assessment
