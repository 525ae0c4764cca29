// `If-Match: *` (RFC 9110 §13.1.1: true when the resource has a current representation). The
// services take a change only with the resource's etag, so the gateway reads it first with the
// GET route of the same path (without the `:verb`), as the caller (same metadata), and sends that
// tag as If-Match: the change goes through unless the resource changes in between (then 412, as
// for any stale tag). No resource: 412. No GET route, or one whose response has no etag: 400.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/backend.h"
#include "gateway/dispatch.h"
#include "gateway/routes.h"

namespace mgi::gateway {

// The header is "*" (surrounding spaces ignored).
bool IsIfMatchAny(const std::string& if_match);

// The request of `route` can carry an etag (top level, or in its body message).
bool RouteTakesEtag(const Route& route);

// Reads the current etag of the resource at `path` (see above); `done` (on a backend thread, or
// at once) gets the quoted tag, or FAILED_PRECONDITION (-> 412) when there is no such resource,
// INVALID_ARGUMENT when the tag cannot be read that way, or the GET's own error.
void CurrentEtag(const RouteTable& routes, Backends* backends, const std::string& path,
                 std::vector<MetadataEntry> metadata, const DispatchOptions& options,
                 std::function<void(absl::StatusOr<std::string>)> done);

}  // namespace mgi::gateway
