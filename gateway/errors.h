// gRPC status -> HTTP status (grpc-anchors.md §3.1) and the AIP-193 error envelope
// {"error":{"code":<http>,"status":"NOT_FOUND","message":"...","details":[...]}}.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace mgi::gateway {

int HttpStatusFromGrpc(int grpc_code);
// "NOT_FOUND", "INVALID_ARGUMENT"...; "UNKNOWN" for codes out of range.
std::string GrpcCodeName(int grpc_code);

// The envelope. `details_bin` is a serialized google.rpc.Status (grpc-status-details-bin) or "";
// its details are printed as proto3 JSON (with "@type").
std::string ErrorEnvelope(int http_status, int grpc_code, const std::string& message,
                          const std::string& details_bin);

// An error raised by the gateway itself, as (grpc code, message, details_bin), with an ErrorInfo
// reason and, for INVALID_ARGUMENT from mgi::InvalidArgument, the BadRequest field violations.
struct GatewayError {
  int grpc_code = 0;
  std::string message;
  std::string details_bin;
};
GatewayError FromAbsl(const absl::Status& status);
GatewayError MakeError(absl::StatusCode code, const std::string& reason,
                       const std::string& message);

}  // namespace mgi::gateway
