// Headers <-> gRPC metadata beyond the three always forwarded (metadata.h): W3C `tracestate` and
// `baggage`, `X-Forwarded-For` (the peer appended) and `X-Forwarded-Proto`, and an operator's
// allow-list of `Grpc-Metadata-<key>` headers both ways (request header -> metadata `<key>`, a
// backend's initial metadata `<key>` -> response header `Grpc-Metadata-<key>`). Every value is
// checked (MetadataValue) before it goes either way.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/http_types.h"
#include "gateway/metadata.h"

namespace mgi::gateway {

class ForwardingPolicy {
 public:
  ForwardingPolicy() = default;
  // `allowed` are metadata keys (lower case, [a-z0-9_.-], not grpc-*, not -bin, not one the
  // gateway sets itself). A bad key is an error naming it.
  static absl::StatusOr<ForwardingPolicy> Make(const std::vector<std::string>& allowed);

  // Appends to `out` (which already holds authorization / x-request-id / traceparent):
  // tracestate (only with a forwarded traceparent, at most 512 bytes), baggage (at most 8192
  // bytes), x-forwarded-for (the incoming list, when well-formed, then the peer's address),
  // x-forwarded-proto (the incoming "http"/"https" when present, else this hop's scheme), and
  // each allowed `grpc-metadata-<key>` header as `<key>`. Malformed values are dropped.
  void AddRequestMetadata(const HttpRequest& request, std::vector<MetadataEntry>* out) const;
  // Sets `Grpc-Metadata-<key>` on `response` for each allowed key of a backend's initial metadata
  // (printable ASCII values only).
  void AddResponseHeaders(const std::vector<std::pair<std::string, std::string>>& initial_metadata,
                          HttpResponse* response) const;
  const std::vector<MetadataKey>& allowed() const { return allowed_; }

 private:
  std::vector<MetadataKey> allowed_;
};

// An X-Forwarded-For list: comma-separated IPv4/IPv6 addresses (and "unknown"), nothing else.
bool WellFormedForwardedFor(const std::string& value);

}  // namespace mgi::gateway
