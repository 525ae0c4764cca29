// Dispatch to backends: the BackendCall of a routed request (its serialized message, the deadline
// from Grpc-Timeout or the default, the checked metadata). Backends (backend.h) makes the call.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "gateway/backend.h"
#include "gateway/metadata.h"
#include "gateway/routes.h"

namespace mgi::gateway {

struct DispatchOptions {
  std::chrono::milliseconds backend_timeout{5000};
  std::chrono::milliseconds max_grpc_timeout{60000};
};

// Parses a Grpc-Timeout header ("100m", "5S", "1H"...); false when malformed.
bool ParseGrpcTimeout(const std::string& value, std::chrono::milliseconds* out);

// The call for `route` with `request`; `grpc_timeout` is the Grpc-Timeout header ("" when
// absent; malformed: INVALID_ARGUMENT naming it).
absl::StatusOr<BackendCall> MakeCall(const Route& route, const google::protobuf::Message& request,
                                     const std::string& grpc_timeout,
                                     std::vector<MetadataEntry> metadata,
                                     const DispatchOptions& options);

}  // namespace mgi::gateway
