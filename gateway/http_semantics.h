// Small HTTP rules the gateway applies on top of transcoding (RFC 9110): a `Retry-After` from a
// backend's google.rpc.RetryInfo, and entity-tags per representation (the language chosen from
// Accept-Language and the content coding are part of a representation, so they are part of its
// tag; If-Match strips them again before the tag reaches a backend).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mgi::gateway {

// The whole seconds (rounded up, at least 1) of the RetryInfo.retry_delay among the details of a
// serialized google.rpc.Status (grpc-status-details-bin); nullopt when there is none.
std::optional<int64_t> RetryAfterSeconds(const std::string& details_bin);

// The tag of one representation of a resource whose tag is `etag` ("\"v1\"", W/"v1"):
// `language` (when not "") adds ";lang=<language>", `gzip` adds ";gzip", inside the quotes:
// "\"v1;lang=fr;gzip\"". An empty `etag` stays empty.
std::string RepresentationEtag(const std::string& etag, const std::string& language, bool gzip);

// The resource's tag again: each entity-tag of an If-Match list without the representation
// suffixes RepresentationEtag adds (other tags unchanged).
std::string ResourceEtags(const std::string& if_match);

}  // namespace mgi::gateway
