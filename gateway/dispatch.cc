#include "gateway/dispatch.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "services/common/status.h"

namespace mgi::gateway {

bool ParseGrpcTimeout(const std::string& value, std::chrono::milliseconds* out) {
  if (value.size() < 2 || value.size() > 9) return false;
  int64_t n;
  if (!absl::SimpleAtoi(value.substr(0, value.size() - 1), &n) || n < 0) return false;
  switch (value.back()) {
    case 'H': *out = std::chrono::hours(n); return true;
    case 'M': *out = std::chrono::minutes(n); return true;
    case 'S': *out = std::chrono::seconds(n); return true;
    case 'm': *out = std::chrono::milliseconds(n); return true;
    case 'u': *out = std::chrono::milliseconds((n + 999) / 1000); return true;
    case 'n': *out = std::chrono::milliseconds((n + 999999) / 1000000); return true;
    default: return false;
  }
}

absl::StatusOr<BackendCall> MakeCall(const Route& route, const google::protobuf::Message& request,
                                     const std::string& grpc_timeout,
                                     std::vector<MetadataEntry> metadata,
                                     const DispatchOptions& options) {
  BackendCall call;
  call.service = route.method->service()->full_name();
  call.rpc_path = route.rpc_path;
  call.timeout = options.backend_timeout;
  if (!grpc_timeout.empty()) {
    if (!ParseGrpcTimeout(grpc_timeout, &call.timeout)) {
      return mgi::InvalidArgument("Grpc-Timeout", "not a gRPC timeout such as 500m or 5S");
    }
    call.timeout = std::min(call.timeout, options.max_grpc_timeout);
  }
  call.metadata = std::move(metadata);
  if (!request.SerializeToString(&call.request)) {
    return absl::InternalError("cannot serialize the request");
  }
  return call;
}

}  // namespace mgi::gateway
