// `response_body` for any top-level response field (http.proto): a repeated field is sent as a
// JSON array, a map as an object, a scalar as a JSON scalar (an int64 as a string, as proto3 JSON
// prints it), a message as an object. A field at its default value is sent as that default
// ([], {}, "", 0, false, the enum's first name), never as an empty body.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"

namespace mgi::gateway {

// The proto3 JSON of `field` of `message`.
absl::StatusOr<std::string> FieldJson(const google::protobuf::Message& message,
                                      const google::protobuf::FieldDescriptor* field);

}  // namespace mgi::gateway
