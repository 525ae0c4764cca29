// The change log of PostgresProfileStore (WatchProfiles), schema migration 3 -> 4: the rows, the
// commit-ordered numbering and the retention pruning in the database, the statements that write
// and read them, and the LISTEN/NOTIFY channel that tells other replicas of a commit.
//
// Commit order: a change's sequence number comes from one counter row (profile_changes_head),
// incremented by a trigger on every change row inserted. The increment takes that row's lock
// until the transaction ends, so the transactions that log changes number them one after the
// other in the order they commit: a transaction that took N has committed (and is visible)
// before the next one can take N + 1, and a rolled-back one gives its numbers back. A reader that
// has seen N therefore never later finds a new change below N, which a plain sequence
// (nextval() at insert, commit later) would not guarantee. The store inserts a commit's change
// rows last, just before COMMIT, so the counter is held only for those inserts and the commit.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/assessment/pg_pool.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment {

// The channel of the NOTIFY every transaction that logs a change sends (one per transaction).
inline constexpr char kProfileChangesChannel[] = "mgi_profile_changes";

// Schema migration 3 -> 4 (the same version as SQLite's change log).
std::string PostgresChangeLogMigration();

// The change log's statements, for the pool's catalogue.
const std::vector<PgStatement>& PostgresChangeLogStatements();

// Appends `changes` to the log (numbered by the counter, in order) inside the caller's open
// transaction, then prunes the changes older than `retention` (0 or less: keeps them all).
absl::Status LogChanges(PgConnection& conn, const std::vector<ProfileChange>& changes,
                        std::chrono::microseconds retention);

// ProfileStore::ReadChanges on one connection, in one statement (one snapshot).
absl::StatusOr<ChangePage> ReadChangePage(PgConnection& conn, int64_t after, int64_t limit,
                                          bool with_profiles);

}  // namespace mgi::assessment
