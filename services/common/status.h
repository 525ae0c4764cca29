// Errors inside the suite are absl::Status; they become grpc::Status in exactly one place
// (ToGrpcStatus), with google.rpc details: an ErrorInfo always, BadRequest field violations and
// ResourceInfo when the error carries them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace mgi {

inline constexpr std::string_view kErrorDomain = "mgi.iom.int";

struct FieldViolation {
  std::string field;        // dot path, e.g. "profile.domains[2].well_developed[0].text"
  std::string description;  // what is wrong, in English
};

// INVALID_ARGUMENT naming one field.
absl::Status InvalidArgument(std::string_view field, std::string_view description);
// INVALID_ARGUMENT listing several fields; the message summarises them.
absl::Status InvalidArguments(std::string_view message, const std::vector<FieldViolation>& fields);
// NOT_FOUND naming the resource, e.g. NotFound("profiles/xyz").
absl::Status NotFound(std::string_view resource_name);
// FAILED_PRECONDITION with one violation per unmet condition (google.rpc.PreconditionFailure).
absl::Status FailedPrecondition(std::string_view message,
                                const std::vector<FieldViolation>& violations = {});
// Attaches an ErrorInfo reason (UPPER_SNAKE_CASE) to a status; without one the code's name is used.
absl::Status WithReason(absl::Status status, std::string_view reason);

// The field violations carried by a status (empty when none).
std::vector<FieldViolation> FieldViolations(const absl::Status& status);

grpc::Status ToGrpcStatus(const absl::Status& status);
// The reverse, for replies from peer services: details are kept.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace mgi
