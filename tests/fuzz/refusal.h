// The property every refusal of request building must have (query and JSON body targets).
#pragma once

#include <nlohmann/json.hpp>

#include "services/common/status.h"
#include "fuzz_util.h"
#include "gateway/response_writer.h"

namespace mgi::fuzz {

// A refusal is INVALID_ARGUMENT naming its field (or the UNSUPPORTED_MEDIA_TYPE reason), and its
// error response is a 400 with a JSON body that still carries the field violation.
inline void CheckRefusal(const absl::Status& s) {
  MGI_REQUIRE(s.code() == absl::StatusCode::kInvalidArgument, "a refusal is INVALID_ARGUMENT");
  auto violations = mgi::FieldViolations(s);
  bool media_type = s.GetPayload("type.googleapis.com/google.rpc.ErrorInfo").has_value() &&
                    violations.empty();
  MGI_REQUIRE(!violations.empty() || media_type, "a refusal names its field");
  mgi::gateway::HttpResponse r = mgi::gateway::ErrorResponse(s);
  MGI_REQUIRE(r.status == 400, "a refusal is a 400");
  auto body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  MGI_REQUIRE(!body.is_discarded(), "the error response is JSON");
  if (!violations.empty()) {
    bool carried = false;
    for (const auto& d : body["error"]["details"]) {
      carried = carried || d.contains("fieldViolations");
    }
    MGI_REQUIRE(carried, "the field violation reaches the client");
  }
}

}  // namespace mgi::fuzz
