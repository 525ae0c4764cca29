// The key-finding index of SqliteProfileStore: one row per finding and language in
// `finding_index`, its search key (text::SearchKey) in the FTS5 table `finding_fts`
// (unicode61 remove_diacritics 2). Written inside the store's write transactions.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "mgi/assessment/v1/resources.pb.h"
#include "services/assessment/finding_index.h"

struct sqlite3;

namespace mgi::assessment {

// The schema migration that creates the index (SchemaMigrations() holds it; the store fills the
// index from the stored profiles in the same transaction, see RebuildFindingIndex).
const std::string& FindingIndexMigration();

// Replaces the index rows of `name` with those of `profile` (null: removes them).
absl::Status WriteFindingIndex(sqlite3* db, const std::string& name,
                               const mgi::assessment::v1::Profile* profile);

// Indexes every stored profile again (after the migration that creates the index).
absl::Status RebuildFindingIndex(sqlite3* db);

// The FTS5 query of a finding query's terms: each word quoted, prefixes marked, phrases joined
// with "+", terms joined with AND. `together`: all the terms' words as one phrase.
std::string Fts5Match(const std::vector<SearchTerm>& terms, bool together);

}  // namespace mgi::assessment
