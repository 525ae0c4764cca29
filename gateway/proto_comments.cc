#include "gateway/proto_comments.h"

#include <google/protobuf/descriptor.pb.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "protos/proto_docs.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;

// Field numbers in descriptor.proto.
constexpr int kFileMessage = 4, kFileEnum = 5, kFileService = 6;
constexpr int kMessageField = 2, kMessageNested = 3, kMessageEnum = 4;
constexpr int kEnumValue = 2, kServiceMethod = 2;

std::string EnumPath(const pb::EnumDescriptorProto& e, const std::string& scope,
                     const pb::RepeatedField<int>& path, int i) {
  std::string name = absl::StrCat(scope, ".", e.name());
  if (i == path.size()) return name;
  if (i + 2 == path.size() && path[i] == kEnumValue && path[i + 1] < e.value_size()) {
    return absl::StrCat(scope, ".", e.value(path[i + 1]).name());  // values are siblings
  }
  return "";
}

// The full name of the message element at path[i..] inside `m`.
std::string MessagePath(const pb::DescriptorProto& m, const std::string& scope,
                        const pb::RepeatedField<int>& path, int i) {
  std::string name = absl::StrCat(scope, ".", m.name());
  if (i == path.size()) return name;
  if (i + 1 >= path.size()) return "";
  int kind = path[i], index = path[i + 1];
  if (kind == kMessageField && index < m.field_size() && i + 2 == path.size()) {
    return absl::StrCat(name, ".", m.field(index).name());
  }
  if (kind == kMessageNested && index < m.nested_type_size()) {
    return MessagePath(m.nested_type(index), name, path, i + 2);
  }
  if (kind == kMessageEnum && index < m.enum_type_size()) {
    return EnumPath(m.enum_type(index), name, path, i + 2);
  }
  return "";
}

std::string NameAt(const pb::FileDescriptorProto& f, const pb::RepeatedField<int>& path) {
  if (path.size() < 2) return "";
  int kind = path[0], index = path[1];
  const std::string& package = f.package();
  if (kind == kFileMessage && index < f.message_type_size()) {
    return MessagePath(f.message_type(index), package, path, 2);
  }
  if (kind == kFileEnum && index < f.enum_type_size()) {
    return EnumPath(f.enum_type(index), package, path, 2);
  }
  if (kind == kFileService && index < f.service_size()) {
    const auto& s = f.service(index);
    std::string name = absl::StrCat(package, ".", s.name());
    if (path.size() == 2) return name;
    if (path.size() == 4 && path[2] == kServiceMethod && path[3] < s.method_size()) {
      return absl::StrCat(name, ".", s.method(path[3]).name());
    }
  }
  return "";
}

// A comment as prose: lines trimmed, joined by spaces.
std::string Tidy(const std::string& comment) {
  std::vector<std::string> lines;
  for (const auto& line : absl::StrSplit(comment, '\n', absl::SkipWhitespace())) {
    lines.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return absl::StrJoin(lines, " ");
}

}  // namespace

const ProtoComments& ProtoComments::Linked() {
  static const ProtoComments* linked = [] {
    auto* c = new ProtoComments();
    for (const auto& [data, size] : mgi::ProtoDocs()) c->Add(data, size);
    return c;
  }();
  return *linked;
}

void ProtoComments::Add(const unsigned char* data, size_t size) {
  pb::FileDescriptorSet set;
  if (!set.ParseFromArray(data, static_cast<int>(size))) return;
  for (const auto& file : set.file()) {
    for (const auto& location : file.source_code_info().location()) {
      if (!location.has_leading_comments()) continue;
      std::string name = NameAt(file, location.path());
      if (!name.empty()) comments_[name] = Tidy(location.leading_comments());
    }
  }
}

std::string ProtoComments::For(const std::string& full_name) const {
  auto it = comments_.find(full_name);
  return it == comments_.end() ? "" : it->second;
}

}  // namespace mgi::gateway
