// Checks of the route table made when it is built (a failure stops the gateway at start, naming
// the RPCs): a `response_body` must name a top-level field of the response, and no two routes of
// one HTTP method may answer the same request with the same specificity (a duplicate binding, or
// two templates of one shape such as "/v1/{a}/x" and "/v1/{b}/x" in two services).
#pragma once

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "gateway/path_template.h"

namespace mgi::gateway {

struct Route;

absl::Status CheckResponseBody(const Route& route);

// Some request path matches both templates (same verb; "**" matches zero or more segments).
bool TemplatesOverlap(const PathTemplate& a, const PathTemplate& b);

absl::Status CheckRouteConflicts(const std::vector<std::unique_ptr<Route>>& routes);

}  // namespace mgi::gateway
