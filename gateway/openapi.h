// OpenAPI 3.0 document generated from the same routes (and message descriptors) as the gateway.
#pragma once

#include <string>

#include "gateway/routes.h"

namespace mgi::gateway {

// `title` and `version` go to the info object.
std::string BuildOpenApi(const RouteTable& routes, const std::string& title,
                         const std::string& version);

}  // namespace mgi::gateway
