#include "gateway/errors.h"

#include <google/protobuf/util/json_util.h>
#include <google/rpc/error_details.pb.h>
#include <google/rpc/error_info.pb.h>
#include <google/rpc/status.pb.h>
#include <nlohmann/json.hpp>

#include "services/common/status.h"

namespace mgi::gateway {

int HttpStatusFromGrpc(int code) {
  switch (code) {
    case 0: return 200;
    case 1: return 499;
    case 2: return 500;
    case 3: return 400;
    case 4: return 504;
    case 5: return 404;
    case 6: return 409;
    case 7: return 403;
    case 8: return 429;
    case 9: return 400;
    case 10: return 409;
    case 11: return 400;
    case 12: return 501;
    case 13: return 500;
    case 14: return 503;
    case 15: return 500;
    case 16: return 401;
    default: return 500;
  }
}

std::string GrpcCodeName(int code) {
  static const char* kNames[] = {"OK",
                                 "CANCELLED",
                                 "UNKNOWN",
                                 "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED",
                                 "NOT_FOUND",
                                 "ALREADY_EXISTS",
                                 "PERMISSION_DENIED",
                                 "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION",
                                 "ABORTED",
                                 "OUT_OF_RANGE",
                                 "UNIMPLEMENTED",
                                 "INTERNAL",
                                 "UNAVAILABLE",
                                 "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  if (code < 0 || code > 16) return "UNKNOWN";
  return kNames[code];
}

std::string ErrorEnvelope(int http_status, int grpc_code, const std::string& message,
                          const std::string& details_bin) {
  nlohmann::json details = nlohmann::json::array();
  google::rpc::Status status;
  if (!details_bin.empty() && status.ParseFromString(details_bin)) {
    for (const auto& any : status.details()) {
      std::string json;
      if (google::protobuf::util::MessageToJsonString(any, &json).ok()) {
        details.push_back(nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false));
      } else {
        details.push_back({{"@type", any.type_url()}});
      }
    }
  }
  nlohmann::json body = {{"error",
                          {{"code", http_status},
                           {"status", GrpcCodeName(grpc_code)},
                           {"message", message},
                           {"details", details}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

GatewayError FromAbsl(const absl::Status& status) {
  grpc::Status g = mgi::ToGrpcStatus(status);
  return {static_cast<int>(g.error_code()), g.error_message(), g.error_details()};
}

GatewayError MakeError(absl::StatusCode code, const std::string& reason,
                       const std::string& message) {
  return FromAbsl(mgi::WithReason(absl::Status(code, message), reason));
}

}  // namespace mgi::gateway
