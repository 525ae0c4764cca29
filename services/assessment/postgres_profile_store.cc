#include "services/assessment/postgres_profile_store.h"

#include <spdlog/spdlog.h>

#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/status.h"
#include "google/protobuf/util/time_util.h"
#include "services/assessment/local_key.h"
#include "services/assessment/pg_listener.h"
#include "services/assessment/postgres_change_log.h"
#include "services/assessment/postgres_finding_index.h"
#include "services/assessment/published_edition.h"
#include "services/assessment/revision_action.h"

namespace mgi::assessment {
namespace {

using google::protobuf::util::TimeUtil;

// The key of the advisory lock that serialises schema migrations across replicas ("mgi-schm").
constexpr char kMigrationLock[] = "SELECT pg_advisory_lock(7883839795467791725)";
constexpr char kMigrationUnlock[] = "SELECT pg_advisory_unlock(7883839795467791725)";
// A commit of at least this many writes (an import) refreshes the planner's statistics.
constexpr size_t kAnalyzeAfterWrites = 100;

// The filters of a listing: each "($N IS NULL OR col = $N)", so one statement serves all.
#define MGI_PG_WHERE                                                               \
  " WHERE ($1::text IS NULL OR country = $1) AND ($2::int8 IS NULL OR level = $2)" \
  " AND ($3::int8 IS NULL OR state = $3) AND ($4::int8 IS NULL OR edition = $4)"   \
  " AND ($5::int8 IS NULL OR assessment_year = $5)"
// COUNT(*) OVER () is the total before LIMIT: one round trip gives the page and the total.
#define MGI_PG_LIST(order)                                                      \
  "SELECT data, COUNT(*) OVER () FROM profiles" MGI_PG_WHERE " ORDER BY " order \
  " LIMIT $6 OFFSET $7"

const std::vector<PgStatement>& Statements() {
  static const auto* kStatements = new std::vector<PgStatement>([] {
    std::vector<PgStatement> all = {
      {"get", "SELECT data FROM profiles WHERE name = $1"},
      {"get_version", "SELECT etag, revision, state FROM profiles WHERE name = $1"},
      {"count", "SELECT COUNT(*) FROM profiles" MGI_PG_WHERE},
      {"list", MGI_PG_LIST("country, local_key, edition, name")},
      {"list_year", MGI_PG_LIST("assessment_year = 0, assessment_year, country, local_key, "
                                "edition, name")},
      {"list_year_desc", MGI_PG_LIST("assessment_year = 0, assessment_year DESC, country, "
                                     "local_key, edition, name")},
      // Row lock: the etag compared is the one the UPDATE replaces, whoever else is writing.
      // With what the change log records of the profile before the change.
      {"lock_etag",
       "SELECT etag, state, revision, country, level, edition, assessment_year FROM profiles"
       " WHERE name = $1 FOR UPDATE"},
      {"insert_profile",
       "INSERT INTO profiles (name, country, level, state, edition, local_key, revision, etag,"
       " data, assessment_year) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"},
      {"update_profile",
       "UPDATE profiles SET country = $2, level = $3, state = $4, edition = $5, local_key = $6,"
       " revision = $7, etag = $8, data = $9, assessment_year = $10 WHERE name = $1"},
      {"delete_profile", "DELETE FROM profiles WHERE name = $1"},  // revisions, request ids cascade
      {"insert_request",
       "INSERT INTO request_ids (request_id, name, create_time_us) VALUES ($1, $2, $3)"},
      {"upsert_revision",
       "INSERT INTO revisions (name, revision, create_time_us, actor, action, summary,"
       " changed_fields, snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
       " ON CONFLICT (name, revision) DO UPDATE SET create_time_us = EXCLUDED.create_time_us,"
       " actor = EXCLUDED.actor, action = EXCLUDED.action, summary = EXCLUDED.summary,"
       " changed_fields = EXCLUDED.changed_fields, snapshot = EXCLUDED.snapshot"},
      {"find_request", "SELECT name FROM request_ids WHERE request_id = $1"},
      {"count_revisions", "SELECT COUNT(*) FROM revisions WHERE name = $1"},
      {"list_revisions",
       "SELECT revision, create_time_us, actor, action, summary, changed_fields FROM revisions"
       " WHERE name = $1 ORDER BY revision DESC LIMIT $2 OFFSET $3"},
      {"get_revision",
       "SELECT revision, create_time_us, actor, action, summary, changed_fields, snapshot"
       " FROM revisions WHERE name = $1 AND revision = $2"},
      {"ping", "SELECT 1"},
    };
    for (const PgStatement& st : PostgresChangeLogStatements()) all.push_back(st);
    return all;
  }());
  return *kStatements;
}

std::optional<PgParam> Opt(const std::optional<int>& v) {
  return v ? std::optional<PgParam>(PgParam::Int(*v)) : std::nullopt;
}

std::vector<PgParam> ProfileParams(const Profile& p, const std::string& data) {
  return {PgParam::Text(p.name()),    PgParam::Text(p.country()),
          PgParam::Int(p.level()),    PgParam::Int(p.state()),
          PgParam::Int(p.edition()),  PgParam::Text(LocalUnitKey(p)),
          PgParam::Int(p.revision()), PgParam::Text(p.etag()),
          PgParam::Bytes(data),       PgParam::Int(p.assessment_year())};
}

Revision ReadRevision(const std::string& name, const PgResult& r, int row) {
  Revision rev;
  int64_t number = r.Int(row, 0);
  rev.set_name(absl::StrCat(name, "/revisions/", number));
  rev.set_revision(number);
  *rev.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(r.Int(row, 1));
  rev.set_actor(r.Text(row, 2));
  rev.set_action(ActionFromWord(r.Text(row, 3)));
  rev.set_summary(r.Text(row, 4));
  for (auto& f : absl::StrSplit(r.Text(row, 5), ',', absl::SkipEmpty())) {
    rev.add_changed_fields(std::string(f));
  }
  return rev;
}

absl::Status StatusOf(const absl::Status& s) { return s; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace

const std::vector<std::string>& PostgresSchemaMigrations() {
  static const auto* kMigrations = new std::vector<std::string>{
      // 0 -> 1: profiles and revisions (as SQLite's 0 -> 1), with the history's rules:
      // a profile's revision grows by exactly one per change, and a revision record is always
      // the profile's current revision, so the numbers have no gaps.
      R"sql(
CREATE TABLE profiles (
  name TEXT COLLATE "C" PRIMARY KEY,
  country TEXT COLLATE "C" NOT NULL,
  level BIGINT NOT NULL,
  state BIGINT NOT NULL,
  edition BIGINT NOT NULL,
  local_key TEXT COLLATE "C" NOT NULL,
  revision BIGINT NOT NULL CHECK (revision >= 1),
  etag TEXT NOT NULL,
  data BYTEA NOT NULL);
CREATE INDEX profiles_order ON profiles (country, local_key, edition, name);
CREATE TABLE revisions (
  name TEXT COLLATE "C" NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
  revision BIGINT NOT NULL CHECK (revision >= 1),
  create_time_us BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  summary TEXT NOT NULL,
  changed_fields TEXT NOT NULL,
  snapshot BYTEA NOT NULL,
  PRIMARY KEY (name, revision));
CREATE FUNCTION mgi_profile_revision_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.revision <> OLD.revision + 1 THEN
    RAISE EXCEPTION 'profile % would go from revision % to %: revisions grow by one',
      NEW.name, OLD.revision, NEW.revision USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER profiles_revision_step BEFORE UPDATE ON profiles
  FOR EACH ROW EXECUTE FUNCTION mgi_profile_revision_step();
CREATE FUNCTION mgi_revision_is_current() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.revision IS DISTINCT FROM (SELECT revision FROM profiles WHERE name = NEW.name) THEN
    RAISE EXCEPTION 'revision % of % is not the profile''s current revision',
      NEW.revision, NEW.name USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER revisions_current BEFORE INSERT OR UPDATE ON revisions
  FOR EACH ROW EXECUTE FUNCTION mgi_revision_is_current();
)sql",
      // 1 -> 2: idempotency keys of creates, and an index for state filters.
      R"sql(
CREATE TABLE request_ids (
  request_id TEXT PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
  create_time_us BIGINT NOT NULL);
CREATE INDEX request_ids_name ON request_ids (name);
CREATE INDEX profiles_state ON profiles (state, country);
)sql",
      // 2 -> 3: the optional assessment year (0: none).
      R"sql(
ALTER TABLE profiles ADD COLUMN assessment_year BIGINT NOT NULL DEFAULT 0;
CREATE INDEX profiles_assessment_year ON profiles (assessment_year);
)sql",
      // 3 -> 4: the change log of WatchProfiles (postgres_change_log.cc).
      PostgresChangeLogMigration(),
      // 4 -> 5: the key-finding search index (postgres_finding_index.cc), filled from the stored
      // profiles by migration 7's transaction.
      PgFindingIndexMigration(),
      // 5 -> 6: at most one published profile per (country, level, local unit, edition)
      // (published_edition.h), as SQLite's 6.
      PublishedEditionMigration(),
      // 6 -> 7: the index rows' countries (as SQLite's 7), and the index filled again.
      PgFindingCountryMigration(),
  };
  return *kMigrations;
}

absl::StatusOr<std::unique_ptr<PostgresProfileStore>> PostgresProfileStore::Open(
    PgOptions options) {
  PgOptions listener_options = options;
  auto pool = PgPool::Open(std::move(options), Statements());
  if (!pool.ok()) return pool.status();
  std::unique_ptr<PostgresProfileStore> store(
      new PostgresProfileStore(std::move(*pool), std::move(listener_options)));
  if (auto s = store->Migrate(); !s.ok()) return s;
  return store;
}

PostgresProfileStore::~PostgresProfileStore() = default;

namespace {

// Runs `f` on a pooled connection; a call that failed because its connection was lost (the
// server restarted since it was last used) runs once more on a fresh one. Only for calls that
// are safe to repeat: reads, and a transaction that failed at BEGIN.
template <typename F>
auto WithConnection(PgPool& pool, F f) -> decltype(f(std::declval<PgConnection&>())) {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    auto result = f(**lease);
    absl::Status s = StatusOf(result);
    if (attempt == 0 && absl::IsUnavailable(s) && (*lease)->Broken()) continue;
    return result;
  }
}

}  // namespace

absl::StatusOr<int> PostgresProfileStore::SchemaVersion() {
  return WithConnection(*pool_, [](PgConnection& c) -> absl::StatusOr<int> {
    auto r = c.Sql(
        "SELECT COALESCE(MAX(version), 0)::int8 FROM mgi_schema_migrations"
        " WHERE to_regclass('mgi_schema_migrations') IS NOT NULL");
    if (!r.ok()) return r.status();
    return std::stoi(r->Text(0, 0));
  });
}

absl::Status PostgresProfileStore::Migrate() {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  PgConnection& c = **lease;
  // A session lock: the first replica migrates, the others wait here and then find nothing to
  // do. A replica that dies meanwhile releases it with its session.
  if (auto r = c.Sql(kMigrationLock); !r.ok()) return r.status();
  auto unlock = [&c] { c.Sql(kMigrationUnlock).IgnoreError(); };
  auto r = c.Sql(
      "CREATE TABLE IF NOT EXISTS mgi_schema_migrations (version INTEGER PRIMARY KEY,"
      " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  if (!r.ok()) {
    unlock();
    return r.status();
  }
  r = c.Sql("SELECT COALESCE(MAX(version), 0)::int8 FROM mgi_schema_migrations");
  if (!r.ok()) {
    unlock();
    return r.status();
  }
  int version = std::stoi(r->Text(0, 0));
  const auto& migrations = PostgresSchemaMigrations();
  if (version > static_cast<int>(migrations.size())) {
    unlock();
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", version, " is newer than this binary's ", migrations.size()));
  }
  for (size_t v = version; v < migrations.size(); ++v) {
    absl::Status s = c.Sql("BEGIN").status();
    if (s.ok()) s = c.Sql(migrations[v]).status();
    if (s.ok() && v + 1 == kPgFindingIndexVersion) {
      s = RebuildPgFindingIndex(c);
      // Statistics for the planner now, not at autovacuum's next round (docs/assessment.md).
      if (s.ok()) s = c.Sql("ANALYZE profiles, finding_index").status();
    }
    if (s.ok()) {
      s = c.Sql(absl::StrCat("INSERT INTO mgi_schema_migrations (version) VALUES (", v + 1, ")"))
              .status();
    }
    if (s.ok()) s = c.Sql("COMMIT").status();
    if (!s.ok()) {
      c.Sql("ROLLBACK").IgnoreError();
      unlock();
      return absl::Status(
          s.code(), absl::StrCat("schema migration ", v, " -> ", v + 1, " failed: ", s.message()));
    }
  }
  unlock();
  return absl::OkStatus();
}

absl::StatusOr<Profile> PostgresProfileStore::Get(const std::string& name) {
  return WithConnection(*pool_, [&](PgConnection& c) -> absl::StatusOr<Profile> {
    auto r = c.Exec("get", {PgParam::Text(name)});
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return mgi::NotFound(name);
    Profile p;
    if (!p.ParseFromString(r->Text(0, 0))) return absl::DataLossError("corrupt profile " + name);
    return p;
  });
}

absl::StatusOr<ProfileVersion> PostgresProfileStore::GetVersion(const std::string& name) {
  return WithConnection(*pool_, [&](PgConnection& c) -> absl::StatusOr<ProfileVersion> {
    auto r = c.Exec("get_version", {PgParam::Text(name)});
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return mgi::NotFound(name);
    return ProfileVersion{r->Text(0, 0), r->Int(0, 1), static_cast<int>(r->Int(0, 2))};
  });
}

absl::StatusOr<ProfilePage> PostgresProfileStore::List(const ProfileQuery& q, int64_t offset,
                                                       int64_t limit) {
  std::vector<PgParam> params = {
      q.country ? PgParam::Text(*q.country) : PgParam::Null(),
      Opt(q.level).value_or(PgParam::Null()),
      Opt(q.state).value_or(PgParam::Null()),
      Opt(q.edition).value_or(PgParam::Null()),
      Opt(q.assessment_year).value_or(PgParam::Null()),
  };
  const char* statement = "list";
  if (q.order == ProfileQuery::Order::kAssessmentYear) statement = "list_year";
  if (q.order == ProfileQuery::Order::kAssessmentYearDesc) statement = "list_year_desc";
  return WithConnection(*pool_, [&](PgConnection& c) -> absl::StatusOr<ProfilePage> {
    std::vector<PgParam> all = params;
    all.push_back(PgParam::Int(limit));
    all.push_back(PgParam::Int(offset));
    auto r = c.Exec(statement, all);
    if (!r.ok()) return r.status();
    ProfilePage page;
    for (int i = 0; i < r->rows(); ++i) {
      Profile p;
      if (!p.ParseFromString(r->Text(i, 0))) return absl::DataLossError("corrupt profile row");
      page.profiles.push_back(std::move(p));
      page.total = r->Int(i, 1);
    }
    if (r->rows() == 0) {  // past the end (or nothing matches): the total alone
      auto count = c.Exec("count", params);
      if (!count.ok()) return count.status();
      page.total = count->Int(0, 0);
    }
    return page;
  });
}

absl::Status PostgresProfileStore::ApplyWrite(PgConnection& c, const ProfileWrite& w,
                                              std::vector<ProfileChange>* changes) {
  const Profile& p = w.profile;
  // The change log's row: after the change, or for a delete as the profile was before it.
  ProfileChange& change = changes->emplace_back(ChangeOf(w));
  if (w.kind != ProfileWrite::Kind::kCreate) {
    auto r = c.Exec("lock_etag", {PgParam::Text(p.name())});
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return mgi::NotFound(p.name());
    if (r->Text(0, 0) != w.expected_etag) {
      return absl::AbortedError(absl::StrCat(p.name(), " changed since etag ", w.expected_etag,
                                             " was read; read it again and retry"));
    }
    change.previous_state = static_cast<int>(r->Int(0, 1));
    if (w.kind == ProfileWrite::Kind::kDelete) {
      change.etag = r->Text(0, 0);
      change.state = change.previous_state;
      change.revision = r->Int(0, 2);
      change.country = r->Text(0, 3);
      change.level = static_cast<int>(r->Int(0, 4));
      change.edition = static_cast<int>(r->Int(0, 5));
      change.assessment_year = static_cast<int>(r->Int(0, 6));
    }
  }
  if (w.kind == ProfileWrite::Kind::kDelete) {
    return c.Exec("delete_profile", {PgParam::Text(p.name())}).status();
  }
  std::string data;
  p.SerializeToString(&data);
  if (w.kind == ProfileWrite::Kind::kCreate) {
    auto r = c.Exec("insert_profile", ProfileParams(p, data));
    if (IsPublishedEditionViolation(r.status())) return PublishedEditionTaken(p, "", "state");
    if (absl::IsAlreadyExists(r.status())) {
      return absl::AlreadyExistsError(p.name() + " already exists");
    }
    if (!r.ok()) return r.status();
    if (!w.request_id.empty()) {
      auto rq = c.Exec("insert_request",
                       {PgParam::Text(w.request_id), PgParam::Text(p.name()),
                        PgParam::Int(TimeUtil::TimestampToMicroseconds(p.create_time()))});
      if (absl::IsAlreadyExists(rq.status())) {
        return absl::AlreadyExistsError("request_id " + w.request_id + " was used already");
      }
      if (!rq.ok()) return rq.status();
    }
  } else {
    auto r = c.Exec("update_profile", ProfileParams(p, data));
    if (IsPublishedEditionViolation(r.status())) return PublishedEditionTaken(p, "", "state");
    if (!r.ok()) return r.status();
  }
  // The finding index, in the same transaction (a delete's rows go with the profile's).
  if (auto s = WritePgFindingIndex(c, p.name(), p); !s.ok()) return s;
  const Revision& rev = w.revision;
  return c
      .Exec("upsert_revision",
            {PgParam::Text(p.name()), PgParam::Int(p.revision()),
             PgParam::Int(TimeUtil::TimestampToMicroseconds(rev.create_time())),
             PgParam::Text(rev.actor()), PgParam::Text(ActionWord(rev.action())), PgParam::Text(rev.summary()),
             PgParam::Text(absl::StrJoin(rev.changed_fields(), ",")), PgParam::Bytes(data)})
      .status();
}

absl::Status PostgresProfileStore::Commit(const std::vector<ProfileWrite>& writes) {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool_->Acquire();
    if (!lease.ok()) return lease.status();
    PgConnection& c = **lease;
    // READ COMMITTED with row locks (lock_etag): the etag check and the write are one atomic
    // step against every other connection, on this replica or another.
    if (auto s = c.Sql("BEGIN").status(); !s.ok()) {
      if (attempt == 0 && absl::IsUnavailable(s) && c.Broken()) continue;  // nothing was sent
      return s;
    }
    std::vector<ProfileChange> changes;
    absl::Status s;
    for (const ProfileWrite& w : writes) {
      if (s = ApplyWrite(c, w, &changes); !s.ok()) break;
    }
    // The change log last: its counter is held from here to the end of the transaction.
    if (s.ok()) s = LogChanges(c, changes, change_retention_);
    if (!s.ok()) {
      c.Sql("ROLLBACK").IgnoreError();
      return s;
    }
    s = c.Sql("COMMIT").status();
    if (absl::IsUnavailable(s)) {
      return absl::UnavailableError(absl::StrCat(
          "the connection to PostgreSQL was lost during COMMIT; the write may or may not have "
          "been applied: read the profile again (",
          s.message(), ")"));
    }
    if (s.ok() && writes.size() >= kAnalyzeAfterWrites) {
      // A bulk import: the planner's statistics now, so that searches right after it are planned
      // on the new data (autovacuum would take up to a minute). Best effort: the write is done.
      if (auto a = c.Sql("ANALYZE profiles, finding_index").status(); !a.ok()) {
        spdlog::warn("ANALYZE after a bulk write failed: {}", a.ToString());
      }
    }
    return s;
  }
}

absl::StatusOr<std::optional<std::string>> PostgresProfileStore::FindRequest(
    const std::string& request_id) {
  return WithConnection(*pool_, [&](PgConnection& c) -> absl::StatusOr<std::optional<std::string>> {
    auto r = c.Exec("find_request", {PgParam::Text(request_id)});
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return std::optional<std::string>();
    return std::optional<std::string>(r->Text(0, 0));
  });
}

absl::StatusOr<RevisionPage> PostgresProfileStore::ListRevisions(const std::string& name,
                                                                 int64_t offset, int64_t limit) {
  return WithConnection(*pool_, [&](PgConnection& c) -> absl::StatusOr<RevisionPage> {
    RevisionPage page;
    auto count = c.Exec("count_revisions", {PgParam::Text(name)});
    if (!count.ok()) return count.status();
    page.total = count->Int(0, 0);
    auto r =
        c.Exec("list_revisions", {PgParam::Text(name), PgParam::Int(limit), PgParam::Int(offset)});
    if (!r.ok()) return r.status();
    for (int i = 0; i < r->rows(); ++i) page.revisions.push_back(ReadRevision(name, *r, i));
    return page;
  });
}

absl::StatusOr<Revision> PostgresProfileStore::GetRevision(const std::string& name,
                                                           int64_t revision) {
  return WithConnection(*pool_, [&](PgConnection& c) -> absl::StatusOr<Revision> {
    auto r = c.Exec("get_revision", {PgParam::Text(name), PgParam::Int(revision)});
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return mgi::NotFound(absl::StrCat(name, "/revisions/", revision));
    Revision rev = ReadRevision(name, *r, 0);
    if (!rev.mutable_snapshot()->ParseFromString(r->Text(0, 6))) {
      return absl::DataLossError("corrupt revision snapshot");
    }
    return rev;
  });
}

absl::StatusOr<FindingCounts> PostgresProfileStore::CountFindings(const FindingQuery& query) {
  return WithConnection(*pool_, [&](PgConnection& c) { return PgCountFindings(c, query); });
}

absl::StatusOr<std::vector<FindingRow>> PostgresProfileStore::SearchFindings(
    const FindingQuery& query, int64_t offset, int64_t limit) {
  return WithConnection(
      *pool_, [&](PgConnection& c) { return PgSearchFindings(c, query, offset, limit); });
}

absl::StatusOr<ChangePage> PostgresProfileStore::ReadChanges(int64_t after, int64_t limit,
                                                             bool with_profiles) {
  return WithConnection(*pool_, [&](PgConnection& c) {
    return ReadChangePage(c, after, limit, with_profiles);
  });
}

namespace {
class ListenerSubscription final : public ProfileStore::ChangeSubscription {
 public:
  ListenerSubscription(const PgOptions& options, std::function<void()> on_commit)
      : listener_(options, kProfileChangesChannel, std::move(on_commit)) {}

 private:
  PgListener listener_;
};
}  // namespace

std::unique_ptr<ProfileStore::ChangeSubscription> PostgresProfileStore::SubscribeChanges(
    std::function<void()> on_commit) {
  return std::make_unique<ListenerSubscription>(listener_options_, std::move(on_commit));
}

absl::Status PostgresProfileStore::Ping() {
  return WithConnection(*pool_,
                        [](PgConnection& c) -> absl::Status { return c.Exec("ping").status(); });
}

}  // namespace mgi::assessment
