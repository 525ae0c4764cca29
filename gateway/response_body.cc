#include "gateway/response_body.h"

#include <memory>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;

// What proto3 JSON would print for `f` at its default value (the printer omits it).
std::string DefaultJson(const pb::FieldDescriptor* f) {
  if (f->is_map()) return "{}";
  if (f->is_repeated()) return "[]";
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: return "{}";
    case pb::FieldDescriptor::CPPTYPE_STRING: return "\"\"";
    case pb::FieldDescriptor::CPPTYPE_BOOL: return "false";
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT64: return "\"0\"";
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return nlohmann::json(f->default_value_enum()->name()).dump();
    default: return "0";
  }
}

}  // namespace

absl::StatusOr<std::string> FieldJson(const pb::Message& message, const pb::FieldDescriptor* field) {
  // A copy holding only that field, printed, then the field's value taken out.
  std::unique_ptr<pb::Message> only(message.New());
  only->CopyFrom(message);
  std::vector<const pb::FieldDescriptor*> fields;
  only->GetReflection()->ListFields(*only, &fields);
  for (const auto* f : fields) {
    if (f != field) only->GetReflection()->ClearField(only.get(), f);
  }
  std::string printed;
  if (auto s = pb::util::MessageToJsonString(*only, &printed); !s.ok()) {
    return absl::InternalError(absl::StrCat("cannot print the response: ", s.message().ToString()));
  }
  nlohmann::json doc = nlohmann::json::parse(printed, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return absl::InternalError("cannot print the response");
  auto it = doc.find(field->json_name());
  if (it == doc.end()) return DefaultJson(field);
  return it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mgi::gateway
