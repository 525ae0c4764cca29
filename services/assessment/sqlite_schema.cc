// The SQLite schema of SqliteProfileStore, as numbered migrations (schema version i+1 after
// migrations[i]); PostgresSchemaMigrations() keeps the same version numbers.
#include <string>
#include <vector>

#include "services/assessment/published_edition.h"
#include "services/assessment/sqlite_finding_index.h"
#include "services/assessment/sqlite_profile_store.h"

namespace mgi::assessment {

const std::vector<std::string>& SchemaMigrations() {
  static const auto* kMigrations = new std::vector<std::string>{
      // 0 -> 1: profiles and revisions.
      R"sql(
CREATE TABLE profiles (
  name TEXT PRIMARY KEY,
  country TEXT NOT NULL,
  level INTEGER NOT NULL,
  state INTEGER NOT NULL,
  edition INTEGER NOT NULL,
  local_key TEXT NOT NULL,
  revision INTEGER NOT NULL,
  etag TEXT NOT NULL,
  data BLOB NOT NULL);
CREATE INDEX profiles_order ON profiles (country, local_key, edition, name);
CREATE TABLE revisions (
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  create_time_us INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  summary TEXT NOT NULL,
  changed_fields TEXT NOT NULL,
  snapshot BLOB NOT NULL,
  PRIMARY KEY (name, revision));
)sql",
      // 1 -> 2: idempotency keys of creates, and an index for state filters.
      R"sql(
CREATE TABLE request_ids (
  request_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  create_time_us INTEGER NOT NULL);
CREATE INDEX request_ids_name ON request_ids (name);
CREATE INDEX profiles_state ON profiles (state, country);
)sql",
      // 2 -> 3: the optional assessment year (0: none), for filters and ordering. Profiles
      // stored before it have none, which is what their data says.
      R"sql(
ALTER TABLE profiles ADD COLUMN assessment_year INTEGER NOT NULL DEFAULT 0;
CREATE INDEX profiles_assessment_year ON profiles (assessment_year);
)sql",
      // 3 -> 4: the change log behind WatchProfiles: one row per accepted change (deletes too,
      // whose revisions are gone), numbered by one global sequence in commit order, with what a
      // watcher filters on; and how far the retention pruning has gone (resume tokens at or
      // after it are still complete). Changes committed before this migration are not in it.
      R"sql(
CREATE TABLE profile_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  etag TEXT NOT NULL,
  state INTEGER NOT NULL,
  previous_state INTEGER NOT NULL,
  actor TEXT NOT NULL,
  time_us INTEGER NOT NULL,
  country TEXT NOT NULL,
  level INTEGER NOT NULL,
  edition INTEGER NOT NULL,
  assessment_year INTEGER NOT NULL);
CREATE INDEX profile_changes_time ON profile_changes (time_us);
CREATE TABLE profile_changes_floor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pruned_through INTEGER NOT NULL);
INSERT INTO profile_changes_floor (id, pruned_through) VALUES (1, 0);
)sql",
      // 4 -> 5: the first key-finding search index, replaced by 7.
      FirstFindingIndexMigration(),
      // 5 -> 6: at most one published profile per (country, level, local unit, edition)
      // (published_edition.h).
      PublishedEditionMigration(),
      // 6 -> 7: the key-finding search index (sqlite_finding_index.cc) with filter tokens and its
      // countries, filled from the stored profiles in the migration's transaction.
      FindingIndexMigration(),
  };
  return *kMigrations;
}

}  // namespace mgi::assessment
