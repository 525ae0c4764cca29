#include "services/assessment/postgres_change_log.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/assessment/postgres_profile_store.h"

namespace mgi::assessment {

std::string PostgresChangeLogMigration() {
  // 3 -> 4: the change log behind WatchProfiles (as SQLite's 3 -> 4): one row per accepted change
  // (deletes too, whose revisions are gone) with what a watcher filters on; the counter row that
  // numbers them in commit order (postgres_change_log.h) and records how far retention pruning
  // went; the trigger that numbers each row from the counter and NOTIFYs listeners at commit,
  // whoever inserts it; and the pruning. Changes committed before this migration are not in it.
  return R"sql(
CREATE TABLE profile_changes (
  seq BIGINT PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL,
  kind BIGINT NOT NULL CHECK (kind IN (0, 1, 2)),
  revision BIGINT NOT NULL,
  etag TEXT NOT NULL,
  state BIGINT NOT NULL,
  previous_state BIGINT NOT NULL,
  actor TEXT NOT NULL,
  time_us BIGINT NOT NULL,
  country TEXT COLLATE "C" NOT NULL,
  level BIGINT NOT NULL,
  edition BIGINT NOT NULL,
  assessment_year BIGINT NOT NULL);
CREATE INDEX profile_changes_time ON profile_changes (time_us);
CREATE TABLE profile_changes_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  pruned_through BIGINT NOT NULL,
  CHECK (pruned_through BETWEEN 0 AND seq));
INSERT INTO profile_changes_head (id, seq, pruned_through) VALUES (1, 0, 0);
CREATE FUNCTION mgi_number_profile_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The row lock taken here is held until the transaction ends: numbering follows commit order.
  UPDATE profile_changes_head SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO NEW.seq;
  PERFORM pg_notify('mgi_profile_changes', '');  -- one per transaction, sent at commit
  RETURN NEW;
END $$;
CREATE TRIGGER profile_changes_number BEFORE INSERT ON profile_changes
  FOR EACH ROW EXECUTE FUNCTION mgi_number_profile_change();
CREATE FUNCTION mgi_prune_profile_changes(cutoff_us BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  through BIGINT;
BEGIN
  SELECT MAX(seq) INTO through FROM profile_changes WHERE time_us < cutoff_us;
  IF through IS NULL THEN
    RETURN 0;
  END IF;
  DELETE FROM profile_changes WHERE seq <= through;
  UPDATE profile_changes_head SET pruned_through = through
    WHERE id = 1 AND pruned_through < through;
  RETURN through;
END $$;
)sql";
}

const std::vector<PgStatement>& PostgresChangeLogStatements() {
  static const auto* kStatements = new std::vector<PgStatement>{
      {"log_change",
       "INSERT INTO profile_changes (name, kind, revision, etag, state, previous_state, actor,"
       " time_us, country, level, edition, assessment_year)"
       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"},
      {"prune_changes", "SELECT mgi_prune_profile_changes($1::int8)"},
      {"change_head", "SELECT seq, pruned_through FROM profile_changes_head WHERE id = 1"},
      // One statement, so one snapshot: the head, the floor and the rows agree.
      {"read_changes",
       "SELECT h.seq, h.pruned_through, c.seq, c.name, c.kind, c.revision, c.etag, c.state,"
       " c.previous_state, c.actor, c.time_us, c.country, c.level, c.edition, c.assessment_year,"
       " r.snapshot FROM profile_changes_head h"
       " LEFT JOIN LATERAL (SELECT * FROM profile_changes WHERE seq > $1 ORDER BY seq LIMIT $2) c"
       " ON true LEFT JOIN revisions r ON $3::bool AND c.kind <> 2 AND r.name = c.name"
       " AND r.revision = c.revision WHERE h.id = 1 ORDER BY c.seq"},
  };
  return *kStatements;
}

absl::Status LogChanges(PgConnection& conn, const std::vector<ProfileChange>& changes,
                        std::chrono::microseconds retention) {
  if (changes.empty()) return absl::OkStatus();
  for (const ProfileChange& c : changes) {
    auto r = conn.Exec("log_change",
                       {PgParam::Text(c.name), PgParam::Int(static_cast<int64_t>(c.kind)),
                        PgParam::Int(c.revision), PgParam::Text(c.etag), PgParam::Int(c.state),
                        PgParam::Int(c.previous_state), PgParam::Text(c.actor),
                        PgParam::Int(c.time_us), PgParam::Text(c.country), PgParam::Int(c.level),
                        PgParam::Int(c.edition), PgParam::Int(c.assessment_year)});
    if (!r.ok()) return r.status();
  }
  PgParam cutoff = retention.count() > 0
                       ? PgParam::Int(absl::ToUnixMicros(absl::Now()) - retention.count())
                       : PgParam::Null();
  return conn.Exec("prune_changes", {cutoff}).status();
}

absl::StatusOr<ChangePage> ReadChangePage(PgConnection& conn, int64_t after, int64_t limit,
                                          bool with_profiles) {
  ChangePage page;
  if (after < 0 || limit <= 0) {  // the head (and the window) alone
    auto r = conn.Exec("change_head");
    if (!r.ok()) return r.status();
    if (r->rows() != 1) return absl::DataLossError("the change log's head row is missing");
    page.head = r->Int(0, 0);
    if (after < 0) return page;
    if (auto s = CheckChangeWindow(after, r->Int(0, 1), page.head); !s.ok()) return s;
    return page;
  }
  auto r = conn.Exec("read_changes", {PgParam::Int(after), PgParam::Int(limit),
                                      PgParam::Text(with_profiles ? "true" : "false")});
  if (!r.ok()) return r.status();
  if (r->rows() < 1) return absl::DataLossError("the change log's head row is missing");
  page.head = r->Int(0, 0);
  if (auto s = CheckChangeWindow(after, r->Int(0, 1), page.head); !s.ok()) return s;
  for (int i = 0; i < r->rows(); ++i) {
    if (r->IsNull(i, 2)) continue;  // no change after `after`: the head row alone
    ProfileChange c;
    c.sequence = r->Int(i, 2);
    c.name = r->Text(i, 3);
    c.kind = static_cast<ProfileWrite::Kind>(r->Int(i, 4));
    c.revision = r->Int(i, 5);
    c.etag = r->Text(i, 6);
    c.state = static_cast<int>(r->Int(i, 7));
    c.previous_state = static_cast<int>(r->Int(i, 8));
    c.actor = r->Text(i, 9);
    c.time_us = r->Int(i, 10);
    c.country = r->Text(i, 11);
    c.level = static_cast<int>(r->Int(i, 12));
    c.edition = static_cast<int>(r->Int(i, 13));
    c.assessment_year = static_cast<int>(r->Int(i, 14));
    if (with_profiles && !r->IsNull(i, 15)) {
      c.profile.emplace();
      if (!c.profile->ParseFromString(r->Text(i, 15))) {
        return absl::DataLossError("corrupt revision snapshot of " + c.name);
      }
      KeepOwnSnapshot(c);
    }
    page.changes.push_back(std::move(c));
  }
  return page;
}

}  // namespace mgi::assessment
