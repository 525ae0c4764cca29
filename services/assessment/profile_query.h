// The filter and order_by language of ListProfiles (and of every request that selects profiles
// the same way), turned into a store query.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/assessment/caller.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment {

// Filter terms: country ("GTM" or "countries/GTM"), level (NATIONAL, LOCAL), state (DRAFT,
// PUBLISHED, ARCHIVED), edition (from 1), assessment_year (1990-2100, or 0 for none); errors are
// INVALID_ARGUMENT on the field "filter".
absl::StatusOr<ProfileQuery> ParseQuery(const std::string& filter);

// The store query of `filter` as `caller` may run it: without the right to read drafts, a query
// naming no state asks for the published profiles, and one naming DRAFT is the caller's refusal.
absl::StatusOr<ProfileQuery> VisibleQuery(const std::string& filter, const Caller& caller);

// order_by: "" or "assessment_year" [asc|desc]; errors name the field "order_by".
absl::StatusOr<ProfileQuery::Order> ParseOrder(const std::string& order_by);

}  // namespace mgi::assessment
