#include "services/assessment/store_factory.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/assessment/pg_pool.h"
#include "services/assessment/postgres_profile_store.h"
#include "services/assessment/sqlite_profile_store.h"

namespace mgi::assessment {

absl::Status CheckDatabaseUrl(const std::string& url) {
  if (absl::StartsWith(url, "sqlite:")) {
    if (url.size() == 7)
      return absl::InvalidArgumentError("sqlite: needs a path, e.g. sqlite:assessment.db");
    return absl::OkStatus();
  }
  return CheckPostgresUrl(url);
}

std::string DatabaseKind(const std::string& url) {
  return absl::StartsWith(url, "sqlite:") ? "sqlite" : "postgresql";
}

void RegisterDatabaseFlags(Config& config, DatabaseOptions* options) {
  config.String(
      "database-url", &options->url,
      "The profile database: sqlite:PATH (embedded, one replica; default sqlite:<--db>) "
      "or postgresql://USER@HOST:PORT/DB?sslmode=verify-full (shared by replicas; no "
      "password in it)",
      [](const std::string& v) { return v.empty() ? absl::OkStatus() : CheckDatabaseUrl(v); });
  config.String("database-password-file", &options->password_file,
                "PostgreSQL: a file holding the password (else PGPASSWORD or a passfile)");
  config.Int(
      "database-pool-size", &options->pool_size,
      "PostgreSQL: connections per replica (at most this many calls use the database at once)", 1,
      256);
  config.String(
      "copy-from", &options->copy_from,
      "Copy every profile with its whole history from this database URL (e.g. "
      "sqlite:/data/assessment.db) into --database-url, then exit",
      [](const std::string& v) { return v.empty() ? absl::OkStatus() : CheckDatabaseUrl(v); });
}

absl::StatusOr<std::unique_ptr<ProfileStore>> OpenProfileStore(const std::string& url,
                                                               const DatabaseOptions& options) {
  if (auto s = CheckDatabaseUrl(url); !s.ok()) return s;
  if (absl::StartsWith(url, "sqlite:")) {
    auto store = SqliteProfileStore::Open(url.substr(7));
    if (!store.ok()) return store.status();
    return std::unique_ptr<ProfileStore>(std::move(*store));
  }
  PgOptions pg;
  pg.url = url;
  pg.pool_size = static_cast<int>(options.pool_size);
  if (!options.password_file.empty()) {
    std::ifstream in(options.password_file);
    if (!in) {
      return absl::FailedPreconditionError(
          absl::StrCat("--database-password-file: cannot read ", options.password_file));
    }
    std::stringstream buf;
    buf << in.rdbuf();
    pg.password = std::string(absl::StripTrailingAsciiWhitespace(buf.str()));
  }
  auto store = PostgresProfileStore::Open(std::move(pg));
  if (!store.ok()) return store.status();
  return std::unique_ptr<ProfileStore>(std::move(*store));
}

absl::StatusOr<CopyReport> CopyProfiles(ProfileStore& from, ProfileStore& to) {
  CopyReport report;
  constexpr int64_t kPage = 100;
  for (int64_t offset = 0;;) {
    auto page = from.List({}, offset, kPage);
    if (!page.ok()) return page.status();
    for (const Profile& current : page->profiles) {
      auto there = to.GetVersion(current.name());
      if (there.ok()) {
        if (there->revision == current.revision() && there->etag == current.etag()) {
          ++report.skipped;
          continue;
        }
        return absl::AlreadyExistsError(
            absl::StrCat(current.name(), " is in the target already with other content (revision ",
                         there->revision, ", source revision ", current.revision(),
                         "); nothing more was copied"));
      }
      if (!absl::IsNotFound(there.status())) return there.status();
      // The whole history, oldest first, each revision with its snapshot.
      std::vector<int64_t> numbers;
      for (int64_t r = 0;;) {
        auto revs = from.ListRevisions(current.name(), r, 500);
        if (!revs.ok()) return revs.status();
        for (const auto& rev : revs->revisions) numbers.push_back(rev.revision());
        r += static_cast<int64_t>(revs->revisions.size());
        if (revs->revisions.empty() || r >= revs->total) break;
      }
      std::sort(numbers.begin(), numbers.end());
      std::vector<ProfileWrite> writes;
      std::string etag;
      for (int64_t n : numbers) {
        auto rev = from.GetRevision(current.name(), n);
        if (!rev.ok()) return rev.status();
        ProfileWrite w;
        w.kind = writes.empty() ? ProfileWrite::Kind::kCreate : ProfileWrite::Kind::kReplace;
        w.expected_etag = etag;
        w.profile = rev->snapshot();
        w.revision = *rev;
        w.revision.clear_snapshot();
        etag = w.profile.etag();
        writes.push_back(std::move(w));
      }
      // The current profile is the last revision's snapshot; a history that ends elsewhere (or
      // none at all) ends with the profile itself.
      if (writes.empty() || writes.back().profile.revision() != current.revision() ||
          writes.back().profile.etag() != current.etag()) {
        return absl::DataLossError(
            absl::StrCat(current.name(),
                         ": its last revision is not the stored profile; nothing more was copied"));
      }
      if (auto s = to.Commit(writes); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("copying ", current.name(), ": ", s.message()));
      }
      ++report.profiles;
      report.revisions += static_cast<int64_t>(writes.size());
    }
    offset += static_cast<int64_t>(page->profiles.size());
    if (page->profiles.empty() || offset >= page->total) break;
  }
  return report;
}

absl::StatusOr<CopyReport> CopyProfiles(const std::string& from_url, ProfileStore& to,
                                        const DatabaseOptions& options) {
  if (absl::StartsWith(from_url, "sqlite:") && !std::filesystem::exists(from_url.substr(7))) {
    return absl::NotFoundError(absl::StrCat("--copy-from: no database file ", from_url.substr(7)));
  }
  auto from = OpenProfileStore(from_url, options);
  if (!from.ok()) return from.status();
  return CopyProfiles(**from, to);
}

}  // namespace mgi::assessment
