// Which ProfileStore the service uses, from --database-url: "sqlite:PATH" (the embedded default;
// --db=PATH is its shorthand) or a libpq URI "postgresql://USER@HOST:PORT/DB?sslmode=..." (a
// server that several replicas share). Also the one-shot copy of every profile with its whole
// history from one store into another (--copy-from), the path from SQLite to PostgreSQL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/config.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment {

struct DatabaseOptions {
  std::string url;            // empty: "sqlite:" + the --db path
  std::string password_file;  // PostgreSQL: a file holding the password (else PGPASSWORD, passfile)
  int64_t pool_size = 8;      // PostgreSQL: connections per replica
  std::string copy_from;      // copy every profile from this URL into `url`, then exit
};

// Registers database-url, database-password-file, database-pool-size and copy-from; a URL that
// is neither sqlite:PATH nor a valid password-less postgresql:// URI is a start-up error naming
// the flag.
void RegisterDatabaseFlags(Config& config, DatabaseOptions* options);

// Checks a --database-url value (INVALID_ARGUMENT saying why).
absl::Status CheckDatabaseUrl(const std::string& url);

// "sqlite" or "postgresql": the kind of store a URL names (for logs and metrics).
std::string DatabaseKind(const std::string& url);

// Opens (and migrates) the store `url` names; the password file and pool size apply to
// PostgreSQL.
absl::StatusOr<std::unique_ptr<ProfileStore>> OpenProfileStore(const std::string& url,
                                                               const DatabaseOptions& options);

struct CopyReport {
  int64_t profiles = 0;   // copied
  int64_t revisions = 0;  // copied (every revision of every copied profile)
  int64_t skipped = 0;    // already in the target at the same revision and etag
};
// Copies every profile of `from`, with every revision in order (each revision's snapshot becomes
// the profile, then the next; the last is the current profile), into `to`, one transaction per
// profile. A profile already in `to` at the same revision and etag is skipped, so an interrupted
// copy can be run again; one that differs there is ALREADY_EXISTS and nothing more is copied.
// Request ids (idempotency keys of recent creates) are not copied.
absl::StatusOr<CopyReport> CopyProfiles(ProfileStore& from, ProfileStore& to);
// The same from the database `from_url` names (which must exist: NOT_FOUND for a missing SQLite
// file, rather than an empty new one).
absl::StatusOr<CopyReport> CopyProfiles(const std::string& from_url, ProfileStore& to,
                                        const DatabaseOptions& options);

}  // namespace mgi::assessment
