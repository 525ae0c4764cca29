// One published profile per edition: a country (or one local unit of it) has at most one
// PUBLISHED profile for each (level, edition). Drafts of an edition may coexist (several teams
// may prepare one), and archived profiles keep their edition. The rule lives in both stores'
// schemas (a partial unique index, PublishedEditionMigration()), so that no writer can break it,
// and ProfileManager checks it first to name the profile that already holds the edition.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "mgi/assessment/v1/resources.pb.h"

namespace mgi::assessment {

// The index's name, which both engines quote in the error of a violating write.
inline constexpr char kPublishedEditionIndex[] = "profiles_one_published_edition";

// The schema migration (the same SQL on SQLite and PostgreSQL) that creates the index. On a
// database that already holds two published profiles of one edition it fails, and the service
// does not start: the operator archives one of them first (docs/assessment.md).
const std::string& PublishedEditionMigration();

// FAILED_PRECONDITION for publishing (or importing published) `p` while `holder` (may be empty
// when unknown) is already the published profile of its edition.
absl::Status PublishedEditionTaken(const mgi::assessment::v1::Profile& p,
                                   const std::string& holder, const std::string& field);

// Whether a store error is a violation of the index (its message names it).
bool IsPublishedEditionViolation(const absl::Status& status);

}  // namespace mgi::assessment
