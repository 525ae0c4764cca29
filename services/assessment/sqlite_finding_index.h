// The key-finding index of SqliteProfileStore: one row per finding and language in
// `finding_index`, its search key (text::SearchKey) and its selective filter values as tokens in
// the FTS5 table `finding_fts` (unicode61 remove_diacritics 2), the countries with findings in
// `finding_countries`. Written inside the store's write transactions.
//
// A search with at most kExactFindingCount hits is counted exactly and sorted whole; beyond
// that the count is an estimate and a page is read country by country in the search order, so
// that a frequent word costs about the same at 100 and 10,000 profiles (docs/api.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "mgi/assessment/v1/resources.pb.h"
#include "services/assessment/finding_index.h"

struct sqlite3;

namespace mgi::assessment {

// How many hits a search counts exactly; past it, FindingCounts::estimated.
inline constexpr int64_t kExactFindingCount = 1000;

// The schema migration that created the first index (5), replaced by FindingIndexMigration.
const std::string& FirstFindingIndexMigration();

// The schema migration that creates the index (7; SchemaMigrations() holds it; the store fills
// the index from the stored profiles in the same transaction, see RebuildFindingIndex).
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
