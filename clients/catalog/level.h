// The MGI level (national or local) as filters and flags spell it, for every service.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "mgi/catalog/v1/resources.pb.h"

namespace mgi::clients {

// "NATIONAL", "LOCAL", "LEVEL_NATIONAL" or "LEVEL_LOCAL", in any case. Anything else (the
// unspecified level included) is INVALID_ARGUMENT on `field`, naming the value.
absl::StatusOr<mgi::catalog::v1::Level> ParseLevel(const std::string& value,
                                                   const std::string& field);

}  // namespace mgi::clients
