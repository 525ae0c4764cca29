#include "services/assessment/sqlite_profile_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/status.h"
#include "google/protobuf/util/time_util.h"
#include "services/assessment/local_key.h"
#include "services/assessment/published_edition.h"
#include "services/assessment/revision_action.h"
#include "services/assessment/sqlite_statements.h"
#include "services/assessment/sqlite_finding_index.h"

namespace mgi::assessment {

// How long a statement waits for another connection's lock on the database file.
constexpr int kBusyTimeoutMs = 5000;
namespace {

using google::protobuf::util::TimeUtil;

absl::Status SqlError(sqlite3* db, const std::string& what) {
  return absl::InternalError(absl::StrCat("sqlite: ", what, ": ", sqlite3_errmsg(db)));
}

// SQLite names the columns of a violated unique index, not the index: only the published-edition
// index (published_edition.h) has local_key among its columns.
bool PublishedEditionViolated(sqlite3* db, int rc) {
  return rc == SQLITE_CONSTRAINT &&
         absl::StrContains(sqlite3_errmsg(db), "profiles.local_key");
}

// A prepared statement, finalized on scope exit; or one borrowed from the connection's
// StatementCache (sqlite_statements.h), reset and given back on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  Stmt(StatementCache& cache, const char* sql) : db_(cache.db()), cache_(&cache) {
    stmt_ = cache.Acquire(sql, &rc_, &owned_);
  }
  ~Stmt() {
    if (cache_ != nullptr) {
      cache_->Release(stmt_, owned_);
    } else {
      sqlite3_finalize(stmt_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  absl::Status ok() const {
    return rc_ == SQLITE_OK ? absl::OkStatus() : SqlError(db_, "prepare");
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(static_cast<const char*>(p), n) : std::string();
  }

 private:
  sqlite3* db_;
  StatementCache* cache_ = nullptr;
  bool owned_ = false;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

}  // namespace

void SqliteCloser::operator()(sqlite3* db) const { sqlite3_close(db); }

absl::Status RestrictDatabaseFiles(const std::string& path) {
  if (path.empty() || path == ":memory:" || absl::StartsWith(path, "file:")) return absl::OkStatus();
  // Created (or tightened) owner-only before SQLite opens it, whatever the umask: drafts and the
  // revision history are not for other local users. SQLite gives the -wal and -shm files it
  // creates the mode of the database file; ones left by an earlier run are tightened too.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    std::string error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot create database ", path, " with mode 0600: ", error));
  }
  ::close(fd);
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::string side = path + suffix;
    if (::chmod(side.c_str(), 0600) != 0 && errno != ENOENT) {
      return absl::UnavailableError(
          absl::StrCat("cannot set mode 0600 on ", side, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SqliteProfileStore>> SqliteProfileStore::Open(
    const std::string& path) {
  if (auto s = RestrictDatabaseFiles(path); !s.ok()) return s;
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<sqlite3, SqliteCloser> owned(raw);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    return absl::UnavailableError(absl::StrCat("cannot open database ", path, ": ", msg));
  }
  sqlite3* db = raw;
  std::unique_ptr<SqliteProfileStore> store(new SqliteProfileStore(std::move(owned)));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // WAL: readers never block the writer. synchronous=FULL: every commit fsyncs the WAL, so an
  // acknowledged write survives a process crash and a power loss (NORMAL would survive a crash
  // but could lose the last commits on power loss; profile writes are rare, FULL costs little).
  // cache_size: up to 32 MiB of pages kept between statements (SQLite's default is 2 MiB), taken
  // only as pages are read, so a small database never uses it; a search over 10,000 profiles
  // reads its hits' rows 4x faster with them cached (docs/performance.md).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA cache_size=-32768"}) {
    if (auto s = Exec(db, pragma); !s.ok()) return s;
  }
  if (auto s = store->Migrate(); !s.ok()) return s;
  return store;
}

SqliteProfileStore::SqliteProfileStore(std::unique_ptr<sqlite3, SqliteCloser> db)
    : db_(std::move(db)), statements_(std::make_unique<StatementCache>(db_.get())) {}

SqliteProfileStore::~SqliteProfileStore() = default;

absl::StatusOr<int> SqliteProfileStore::SchemaVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_.get(), "PRAGMA user_version");
  if (auto s = st.ok(); !s.ok()) return s;
  if (st.Step() != SQLITE_ROW) return SqlError(db_.get(), "user_version");
  return static_cast<int>(st.Int(0));
}

absl::Status SqliteProfileStore::Migrate() {
  auto version = SchemaVersion();
  if (!version.ok()) return version.status();
  const auto& migrations = SchemaMigrations();
  if (*version > static_cast<int>(migrations.size())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", *version, " is newer than this binary's ", migrations.size()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t v = *version; v < migrations.size(); ++v) {
    if (auto s = Exec(db_.get(), "BEGIN IMMEDIATE"); !s.ok()) return s;
    absl::Status s = Exec(db_.get(), migrations[v]);
    if (s.ok() && migrations[v] == FindingIndexMigration()) s = RebuildFindingIndex(db_.get());
    if (s.ok()) s = Exec(db_.get(), absl::StrCat("PRAGMA user_version = ", v + 1));
    if (s.ok()) s = Exec(db_.get(), "COMMIT");
    if (!s.ok()) {
      Exec(db_.get(), "ROLLBACK").IgnoreError();
      return absl::InternalError(
          absl::StrCat("schema migration ", v, " -> ", v + 1, " failed: ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Profile> SqliteProfileStore::Get(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(*statements_, "SELECT data FROM profiles WHERE name = ?1");
  if (auto s = st.ok(); !s.ok()) return s;
  st.Bind(1, name);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return mgi::NotFound(name);
  if (rc != SQLITE_ROW) return SqlError(db_.get(), "get");
  Profile p;
  if (!p.ParseFromString(st.Text(0))) return absl::DataLossError("corrupt profile " + name);
  return p;
}

absl::StatusOr<ProfileVersion> SqliteProfileStore::GetVersion(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return ReadVersionLocked(name);
}

std::optional<absl::StatusOr<ProfileVersion>> SqliteProfileStore::TryGetVersion(
    const std::string& name) {
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return std::nullopt;
  // Nor wait for another process's lock on the file (the sqlite3 shell, a backup): busy is
  // "cannot tell without waiting", not an error of the store.
  sqlite3_busy_timeout(db_.get(), 0);
  auto version = ReadVersionLocked(name);
  sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
  int code = sqlite3_extended_errcode(db_.get()) & 0xff;
  if (!version.ok() && (code == SQLITE_BUSY || code == SQLITE_LOCKED)) return std::nullopt;
  return version;
}

absl::StatusOr<ProfileVersion> SqliteProfileStore::ReadVersionLocked(const std::string& name) {
  Stmt st(*statements_, "SELECT etag, revision, state FROM profiles WHERE name = ?1");
  if (auto s = st.ok(); !s.ok()) return s;
  st.Bind(1, name);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return mgi::NotFound(name);
  if (rc != SQLITE_ROW) return SqlError(db_.get(), "get version");
  return ProfileVersion{st.Text(0), st.Int(1), static_cast<int>(st.Int(2))};
}

absl::StatusOr<ProfilePage> SqliteProfileStore::List(const ProfileQuery& q, int64_t offset,
                                                     int64_t limit) {
  // Each optional filter is "(?N IS NULL OR col = ?N)", so one fixed statement serves all.
  static constexpr char kWhere[] =
      " WHERE (?1 IS NULL OR country = ?1) AND (?2 IS NULL OR level = ?2)"
      " AND (?3 IS NULL OR state = ?3) AND (?4 IS NULL OR edition = ?4)"
      " AND (?7 IS NULL OR assessment_year = ?7)";
  auto bind = [&](Stmt& st) {
    if (q.assessment_year) st.Bind(7, static_cast<int64_t>(*q.assessment_year));
    if (q.country) st.Bind(1, *q.country);
    if (q.level) st.Bind(2, static_cast<int64_t>(*q.level));
    if (q.state) st.Bind(3, static_cast<int64_t>(*q.state));
    if (q.edition) st.Bind(4, static_cast<int64_t>(*q.edition));
  };
  std::lock_guard<std::mutex> lock(mu_);
  ProfilePage page;
  {
    Stmt st(*statements_, absl::StrCat("SELECT COUNT(*) FROM profiles", kWhere).c_str());
    if (auto s = st.ok(); !s.ok()) return s;
    bind(st);
    if (st.Step() != SQLITE_ROW) return SqlError(db_.get(), "count");
    page.total = st.Int(0);
  }
  const char* order = " ORDER BY country, local_key, edition, name";
  if (q.order == ProfileQuery::Order::kAssessmentYear) {
    order = " ORDER BY assessment_year = 0, assessment_year, country, local_key, edition, name";
  } else if (q.order == ProfileQuery::Order::kAssessmentYearDesc) {
    order =
        " ORDER BY assessment_year = 0, assessment_year DESC, country, local_key, edition, name";
  }
  Stmt st(*statements_,
          absl::StrCat("SELECT data FROM profiles", kWhere, order, " LIMIT ?5 OFFSET ?6").c_str());
  if (auto s = st.ok(); !s.ok()) return s;
  bind(st);
  st.Bind(5, limit).Bind(6, offset);
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    Profile p;
    if (!p.ParseFromString(st.Text(0))) return absl::DataLossError("corrupt profile row");
    page.profiles.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return SqlError(db_.get(), "list");
  return page;
}

absl::Status SqliteProfileStore::ApplyWrite(const ProfileWrite& w) {
  const Profile& p = w.profile;
  // The change log's row: after the change, or for a delete as the profile was before it.
  ProfileChange change = ChangeOf(w);
  if (w.kind != ProfileWrite::Kind::kCreate) {
    Stmt st(*statements_,
            "SELECT etag, state, revision, country, level, edition, assessment_year FROM profiles"
            " WHERE name = ?1");
    if (auto s = st.ok(); !s.ok()) return s;
    st.Bind(1, p.name());
    int rc = st.Step();
    if (rc == SQLITE_DONE) return mgi::NotFound(p.name());
    if (rc != SQLITE_ROW) return SqlError(db_.get(), "read etag");
    if (st.Text(0) != w.expected_etag) {
      return absl::AbortedError(absl::StrCat(p.name(), " changed since etag ", w.expected_etag,
                                             " was read; read it again and retry"));
    }
    change.previous_state = static_cast<int>(st.Int(1));
    if (w.kind == ProfileWrite::Kind::kDelete) {
      change.etag = st.Text(0);
      change.state = change.previous_state;
      change.revision = st.Int(2);
      change.country = st.Text(3);
      change.level = static_cast<int>(st.Int(4));
      change.edition = static_cast<int>(st.Int(5));
      change.assessment_year = static_cast<int>(st.Int(6));
    }
  }
  if (auto s = RecordChange(change); !s.ok()) return s;
  if (w.kind == ProfileWrite::Kind::kDelete) {
    for (const char* sql :
         {"DELETE FROM profiles WHERE name = ?1", "DELETE FROM revisions WHERE name = ?1",
          "DELETE FROM request_ids WHERE name = ?1"}) {
      Stmt st(*statements_, sql);
      if (auto s = st.ok(); !s.ok()) return s;
      st.Bind(1, p.name());
      if (st.Step() != SQLITE_DONE) return SqlError(db_.get(), "delete");
    }
    return WriteFindingIndex(db_.get(), p.name(), nullptr);
  }
  std::string data;
  p.SerializeToString(&data);
  if (w.kind == ProfileWrite::Kind::kCreate) {
    Stmt st(*statements_,
            "INSERT INTO profiles (name, country, level, state, edition, local_key, revision, etag,"
            " data, assessment_year) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (auto s = st.ok(); !s.ok()) return s;
    st.Bind(1, p.name()).Bind(2, p.country()).Bind(3, int64_t{p.level()});
    st.Bind(4, int64_t{p.state()}).Bind(5, int64_t{p.edition()}).Bind(6, LocalUnitKey(p));
    st.Bind(7, p.revision()).Bind(8, p.etag()).BindBlob(9, data);
    st.Bind(10, int64_t{p.assessment_year()});
    int rc = st.Step();
    if (PublishedEditionViolated(db_.get(), rc)) return PublishedEditionTaken(p, "", "state");
    if (rc == SQLITE_CONSTRAINT) return absl::AlreadyExistsError(p.name() + " already exists");
    if (rc != SQLITE_DONE) return SqlError(db_.get(), "insert profile");
    if (!w.request_id.empty()) {
      Stmt rq(*statements_,
              "INSERT INTO request_ids (request_id, name, create_time_us) VALUES (?1, ?2, ?3)");
      if (auto s = rq.ok(); !s.ok()) return s;
      rq.Bind(1, w.request_id).Bind(2, p.name());
      rq.Bind(3, TimeUtil::TimestampToMicroseconds(p.create_time()));
      rc = rq.Step();
      if (rc == SQLITE_CONSTRAINT) {
        return absl::AlreadyExistsError("request_id " + w.request_id + " was used already");
      }
      if (rc != SQLITE_DONE) return SqlError(db_.get(), "insert request id");
    }
  } else {
    Stmt st(*statements_,
            "UPDATE profiles SET country = ?2, level = ?3, state = ?4, edition = ?5,"
            " local_key = ?6, revision = ?7, etag = ?8, data = ?9, assessment_year = ?10"
            " WHERE name = ?1");
    if (auto s = st.ok(); !s.ok()) return s;
    st.Bind(1, p.name()).Bind(2, p.country()).Bind(3, int64_t{p.level()});
    st.Bind(4, int64_t{p.state()}).Bind(5, int64_t{p.edition()}).Bind(6, LocalUnitKey(p));
    st.Bind(7, p.revision()).Bind(8, p.etag()).BindBlob(9, data);
    st.Bind(10, int64_t{p.assessment_year()});
    int rc = st.Step();
    if (PublishedEditionViolated(db_.get(), rc)) return PublishedEditionTaken(p, "", "state");
    if (rc != SQLITE_DONE) return SqlError(db_.get(), "update profile");
  }
  // The finding index, in the same transaction: a search never misses an acknowledged write.
  if (auto s = WriteFindingIndex(db_.get(), p.name(), &p); !s.ok()) return s;
  const Revision& r = w.revision;
  Stmt st(*statements_,
          "INSERT OR REPLACE INTO revisions (name, revision, create_time_us, actor, action,"
          " summary, changed_fields, snapshot) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (auto s = st.ok(); !s.ok()) return s;
  st.Bind(1, p.name()).Bind(2, p.revision());
  st.Bind(3, TimeUtil::TimestampToMicroseconds(r.create_time()));
  st.Bind(4, r.actor()).Bind(5, ActionWord(r.action())).Bind(6, r.summary());
  st.Bind(7, absl::StrJoin(r.changed_fields(), ",")).BindBlob(8, data);
  if (st.Step() != SQLITE_DONE) return SqlError(db_.get(), "insert revision");
  return absl::OkStatus();
}

absl::Status SqliteProfileStore::RecordChange(const ProfileChange& c) {
  Stmt st(db_.get(),
          "INSERT INTO profile_changes (name, kind, revision, etag, state, previous_state, actor,"
          " time_us, country, level, edition, assessment_year)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  if (auto s = st.ok(); !s.ok()) return s;
  st.Bind(1, c.name).Bind(2, static_cast<int64_t>(c.kind)).Bind(3, c.revision).Bind(4, c.etag);
  st.Bind(5, int64_t{c.state}).Bind(6, int64_t{c.previous_state}).Bind(7, c.actor);
  st.Bind(8, c.time_us).Bind(9, c.country).Bind(10, int64_t{c.level});
  st.Bind(11, int64_t{c.edition}).Bind(12, int64_t{c.assessment_year});
  if (st.Step() != SQLITE_DONE) return SqlError(db_.get(), "insert change");
  return absl::OkStatus();
}

absl::Status SqliteProfileStore::PruneChanges() {
  if (change_retention_.count() <= 0) return absl::OkStatus();
  int64_t cutoff = absl::ToUnixMicros(absl::Now()) - change_retention_.count();
  int64_t through = 0;
  {
    Stmt st(db_.get(), "SELECT COALESCE(MAX(seq), 0) FROM profile_changes WHERE time_us < ?1");
    if (auto s = st.ok(); !s.ok()) return s;
    st.Bind(1, cutoff);
    if (st.Step() != SQLITE_ROW) return SqlError(db_.get(), "prune changes");
    through = st.Int(0);
  }
  if (through == 0) return absl::OkStatus();
  for (const char* sql :
       {"DELETE FROM profile_changes WHERE seq <= ?1",
        "UPDATE profile_changes_floor SET pruned_through = ?1 WHERE pruned_through < ?1"}) {
    Stmt st(db_.get(), sql);
    if (auto s = st.ok(); !s.ok()) return s;
    st.Bind(1, through);
    if (st.Step() != SQLITE_DONE) return SqlError(db_.get(), "prune changes");
  }
  return absl::OkStatus();
}

absl::StatusOr<ChangePage> SqliteProfileStore::ReadChanges(int64_t after, int64_t limit,
                                                           bool with_profiles) {
  std::lock_guard<std::mutex> lock(mu_);
  // One read transaction: the head, the floor and the rows are one snapshot.
  if (auto s = Exec(db_.get(), "BEGIN"); !s.ok()) return s;
  auto result = [&]() -> absl::StatusOr<ChangePage> {
    ChangePage page;
    int64_t floor = 0;
    {
      Stmt st(db_.get(),
              "SELECT (SELECT pruned_through FROM profile_changes_floor WHERE id = 1),"
              " (SELECT COALESCE(MAX(seq), 0) FROM profile_changes)");
      if (auto s = st.ok(); !s.ok()) return s;
      if (st.Step() != SQLITE_ROW) return SqlError(db_.get(), "read change head");
      floor = st.Int(0);
      page.head = std::max(floor, st.Int(1));
    }
    if (after < 0) return page;  // only the head
    if (auto s = CheckChangeWindow(after, floor, page.head); !s.ok()) return s;
    if (limit <= 0) return page;
    Stmt st(db_.get(),
            with_profiles
                ? "SELECT c.seq, c.name, c.kind, c.revision, c.etag, c.state, c.previous_state,"
                  " c.actor, c.time_us, c.country, c.level, c.edition, c.assessment_year,"
                  " r.snapshot FROM profile_changes c LEFT JOIN revisions r"
                  " ON r.name = c.name AND r.revision = c.revision AND c.kind != 2"
                  " WHERE c.seq > ?1 ORDER BY c.seq LIMIT ?2"
                : "SELECT seq, name, kind, revision, etag, state, previous_state, actor, time_us,"
                  " country, level, edition, assessment_year FROM profile_changes"
                  " WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    if (auto s = st.ok(); !s.ok()) return s;
    st.Bind(1, after).Bind(2, limit);
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      ProfileChange c;
      c.sequence = st.Int(0);
      c.name = st.Text(1);
      c.kind = static_cast<ProfileWrite::Kind>(st.Int(2));
      c.revision = st.Int(3);
      c.etag = st.Text(4);
      c.state = static_cast<int>(st.Int(5));
      c.previous_state = static_cast<int>(st.Int(6));
      c.actor = st.Text(7);
      c.time_us = st.Int(8);
      c.country = st.Text(9);
      c.level = static_cast<int>(st.Int(10));
      c.edition = static_cast<int>(st.Int(11));
      c.assessment_year = static_cast<int>(st.Int(12));
      if (with_profiles) {
        std::string blob = st.Text(13);
        if (!blob.empty()) {
          c.profile.emplace();
          if (!c.profile->ParseFromString(blob)) {
            return absl::DataLossError("corrupt revision snapshot of " + c.name);
          }
          KeepOwnSnapshot(c);
        }
      }
      page.changes.push_back(std::move(c));
    }
    if (rc != SQLITE_DONE) return SqlError(db_.get(), "read changes");
    return page;
  }();
  Exec(db_.get(), result.ok() ? "COMMIT" : "ROLLBACK").IgnoreError();
  return result;
}

absl::Status SqliteProfileStore::Commit(const std::vector<ProfileWrite>& writes) {
  std::lock_guard<std::mutex> lock(mu_);
  // IMMEDIATE takes the write lock first, so the etag read and the write are one atomic step
  // even against another process on the same file.
  if (auto s = Exec(db_.get(), "BEGIN IMMEDIATE"); !s.ok()) return s;
  for (const ProfileWrite& w : writes) {
    if (absl::Status s = ApplyWrite(w); !s.ok()) {
      Exec(db_.get(), "ROLLBACK").IgnoreError();
      return s;
    }
  }
  if (absl::Status s = PruneChanges(); !s.ok()) {
    Exec(db_.get(), "ROLLBACK").IgnoreError();
    return s;
  }
  if (auto s = Exec(db_.get(), "COMMIT"); !s.ok()) {
    Exec(db_.get(), "ROLLBACK").IgnoreError();
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> SqliteProfileStore::FindRequest(
    const std::string& request_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(*statements_, "SELECT name FROM request_ids WHERE request_id = ?1");
  if (auto s = st.ok(); !s.ok()) return s;
  st.Bind(1, request_id);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return SqlError(db_.get(), "find request");
  return std::optional<std::string>(st.Text(0));
}

namespace {
Revision ReadRevision(const std::string& name, int64_t number, int64_t time_us,
                      const std::string& actor, const std::string& action,
                      const std::string& summary, const std::string& fields) {
  Revision r;
  r.set_name(absl::StrCat(name, "/revisions/", number));
  r.set_revision(number);
  *r.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(time_us);
  r.set_actor(actor);
  r.set_action(ActionFromWord(action));
  r.set_summary(summary);
  for (auto& f : absl::StrSplit(fields, ',', absl::SkipEmpty())) {
    r.add_changed_fields(std::string(f));
  }
  return r;
}
}  // namespace

absl::StatusOr<RevisionPage> SqliteProfileStore::ListRevisions(const std::string& name,
                                                               int64_t offset, int64_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  RevisionPage page;
  {
    Stmt st(*statements_, "SELECT COUNT(*) FROM revisions WHERE name = ?1");
    if (auto s = st.ok(); !s.ok()) return s;
    st.Bind(1, name);
    if (st.Step() != SQLITE_ROW) return SqlError(db_.get(), "count revisions");
    page.total = st.Int(0);
  }
  Stmt st(*statements_,
          "SELECT revision, create_time_us, actor, action, summary, changed_fields FROM revisions"
          " WHERE name = ?1 ORDER BY revision DESC LIMIT ?2 OFFSET ?3");
  if (auto s = st.ok(); !s.ok()) return s;
  st.Bind(1, name).Bind(2, limit).Bind(3, offset);
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    page.revisions.push_back(
        ReadRevision(name, st.Int(0), st.Int(1), st.Text(2), st.Text(3), st.Text(4), st.Text(5)));
  }
  if (rc != SQLITE_DONE) return SqlError(db_.get(), "list revisions");
  return page;
}

absl::StatusOr<Revision> SqliteProfileStore::GetRevision(const std::string& name,
                                                         int64_t revision) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(*statements_,
          "SELECT revision, create_time_us, actor, action, summary, changed_fields, snapshot"
          " FROM revisions WHERE name = ?1 AND revision = ?2");
  if (auto s = st.ok(); !s.ok()) return s;
  st.Bind(1, name).Bind(2, revision);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return mgi::NotFound(absl::StrCat(name, "/revisions/", revision));
  if (rc != SQLITE_ROW) return SqlError(db_.get(), "get revision");
  Revision r =
      ReadRevision(name, st.Int(0), st.Int(1), st.Text(2), st.Text(3), st.Text(4), st.Text(5));
  if (!r.mutable_snapshot()->ParseFromString(st.Text(6))) {
    return absl::DataLossError("corrupt revision snapshot");
  }
  return r;
}

}  // namespace mgi::assessment
