// A small AIP-160 subset: a conjunction of equality tests, `a = "x" AND b = Y AND c = 2`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mgi {

struct FilterTerm {
  std::string field;
  std::string value;  // unquoted
};

// Parses `filter`; fields not in `allowed` are INVALID_ARGUMENT naming "filter" and the field.
// An empty filter gives no terms. Field names are matched exactly; values keep their case.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(std::string_view filter,
                                                    const std::vector<std::string>& allowed);

}  // namespace mgi
