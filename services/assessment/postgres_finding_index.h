// The key-finding index of PostgresProfileStore: one row per finding and language in
// `finding_index` (schema migrations 5 and 7), its words in a `tsvector` column under a GIN
// index, its country under a B-tree. A search with at most kExactPgFindingCount hits is counted
// exactly and sorted in one SQL statement; beyond, the count is estimated and a page is read
// country by country in the search order (as on SQLite).
// Written inside the store's write transactions, so a search never misses an acknowledged write.
//
// The words are the ICU search keys of text::SearchWords, the same words SQLite's FTS5 index
// holds, written as a tsvector literal with their positions: PostgreSQL's own parser, its
// configurations and `unaccent` are not used, so matching (case, accents, scripts, phrases,
// prefixes) is the same as on SQLite and does not depend on the server's locale or extensions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mgi/assessment/v1/resources.pb.h"
#include "services/assessment/finding_index.h"
#include "services/assessment/pg_pool.h"

namespace mgi::assessment {

// The schema migration that creates the index (version 5).
const std::string& PgFindingIndexMigration();
// The schema migration that gives each index row its profile's country under a B-tree, so that a
// search with many hits reads one country's at a time (version 7, as SQLite's 7). The store
// fills the index from the stored profiles in this migration's transaction (see
// RebuildPgFindingIndex).
const std::string& PgFindingCountryMigration();
constexpr int kPgFindingIndexVersion = 7;

// How many hits a search counts exactly; past it, FindingCounts::estimated (as SQLite).
inline constexpr int64_t kExactPgFindingCount = 1000;

// Replaces the index rows of `name` with those of `profile` (the profile row must exist).
absl::Status WritePgFindingIndex(PgConnection& c, const std::string& name,
                                 const mgi::assessment::v1::Profile& profile);

// Indexes every stored profile again (after the migration that creates the index).
absl::Status RebuildPgFindingIndex(PgConnection& c);

// The tsvector literal of `text`'s search words with their positions ('labour':1 'migration':2).
std::string PgTsVector(std::string_view text);

// The tsquery literal of a finding query's terms: phrases with <->, prefixes with :*, terms
// joined with &. `together`: all the terms' words as one phrase.
std::string PgTsQuery(const std::vector<SearchTerm>& terms, bool together);

absl::StatusOr<FindingCounts> PgCountFindings(PgConnection& c, const FindingQuery& query);
absl::StatusOr<std::vector<FindingRow>> PgSearchFindings(PgConnection& c,
                                                         const FindingQuery& query,
                                                         int64_t offset, int64_t limit);

}  // namespace mgi::assessment
