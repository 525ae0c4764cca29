#include "gateway/query_extras.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/status.h"
#include "gateway/request_builder.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;

// The message holding the last part of `path` (through non-repeated messages) and that field.
absl::Status Leaf(pb::Message* root, const std::string& path, pb::Message** holder,
                  const pb::FieldDescriptor** leaf, std::string* proto_path) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  pb::Message* msg = root;
  for (size_t i = 0; i < parts.size(); ++i) {
    const pb::FieldDescriptor* f = FindField(msg->GetDescriptor(), parts[i]);
    if (f == nullptr) {
      return absl::NotFoundError(absl::StrCat("unknown query parameter '", path, "'"));
    }
    *proto_path += (i == 0 ? "" : ".") + f->name();
    if (i + 1 == parts.size()) {
      *holder = msg;
      *leaf = f;
      return absl::OkStatus();
    }
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
      return absl::NotFoundError(absl::StrCat("'", parts[i], "' is not a non-repeated message"));
    }
    msg = msg->GetReflection()->MutableMessage(msg, f);
  }
  return absl::NotFoundError("empty parameter name");
}

bool Covers(const std::string& bound, const std::string& path) {
  return bound == "*" || path == bound || absl::StartsWith(path, bound + ".");
}

// "displayName" -> "display_name"; "display_name" stays.
std::string SnakeCase(const std::string& segment) {
  std::string out;
  for (char c : segment) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
      out.push_back('_');
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool ValidSegment(const std::string& s) {
  if (s.empty() || absl::ascii_isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

bool IsMapParam(const std::string& key) {
  size_t open = key.find('[');
  return open != std::string::npos && open > 0 && key.back() == ']' &&
         key.find('[', open + 1) == std::string::npos;
}

absl::Status ApplyMapParam(pb::Message* request, const std::string& key, const std::string& value,
                           const std::vector<std::string>& bound, std::set<std::string>* seen) {
  size_t open = key.find('[');
  std::string path = key.substr(0, open);
  std::string map_key = key.substr(open + 1, key.size() - open - 2);
  pb::Message* holder = nullptr;
  const pb::FieldDescriptor* leaf = nullptr;
  std::string proto_path;
  if (auto s = Leaf(request, path, &holder, &leaf, &proto_path); !s.ok()) {
    return mgi::InvalidArgument(key, std::string(s.message()));
  }
  if (!leaf->is_map()) {
    return mgi::InvalidArgument(key, absl::StrCat("'", path, "' is not a map field"));
  }
  for (const std::string& b : bound) {
    if (Covers(b, proto_path) || Covers(proto_path, b)) {
      return mgi::InvalidArgument(key, absl::StrCat("query parameter '", key,
                                                    "' is already bound by the path or body"));
    }
  }
  if (!seen->insert(absl::StrCat(proto_path, "[", map_key, "]")).second) {
    return mgi::InvalidArgument(key, absl::StrCat("query parameter '", key, "' given twice"));
  }
  const pb::FieldDescriptor* value_field = leaf->message_type()->map_value();
  if (value_field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    return mgi::InvalidArgument(key, "is a map of messages: send it in a JSON body");
  }
  std::unique_ptr<pb::Message> entry(holder->GetReflection()->GetMessageFactory()
                                         ->GetPrototype(leaf->message_type())
                                         ->New());
  if (auto s = SetFieldFromText(entry.get(), "key", map_key); !s.ok()) {
    return mgi::InvalidArgument(key, absl::StrCat("map key '", map_key, "' is not valid"));
  }
  if (auto s = SetFieldFromText(entry.get(), "value", value); !s.ok()) {
    return mgi::InvalidArgument(key, absl::StrCat("'", value, "' is not a valid map value"));
  }
  holder->GetReflection()->AddMessage(holder, leaf)->CopyFrom(*entry);
  return absl::OkStatus();
}

absl::Status ParseFieldMaskText(const std::string& text, pb::FieldMask* mask) {
  for (const auto& item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::vector<std::string> segments;
    for (const auto& seg : absl::StrSplit(absl::StripAsciiWhitespace(item), '.')) {
      std::string s(seg);
      if (!ValidSegment(s)) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", std::string(item), "' is not a field path such as display_name"));
      }
      segments.push_back(SnakeCase(s));
    }
    mask->add_paths(absl::StrJoin(segments, "."));
  }
  return absl::OkStatus();
}

}  // namespace mgi::gateway
