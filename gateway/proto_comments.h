// The leading comments of proto elements (messages, fields, enums, enum values, services, methods)
// by full name, from the proto files embedded with add_proto_library(... DOCS)
// (protos/proto_docs.h). Empty when a file was not embedded.
#pragma once

#include <map>
#include <string>

namespace mgi::gateway {

class ProtoComments {
 public:
  // Every registered file, read once.
  static const ProtoComments& Linked();
  // Adds the comments of a serialized FileDescriptorSet (with source info).
  void Add(const unsigned char* data, size_t size);
  // The comment of `full_name` ("pkg.Message", "pkg.Message.field", "pkg.Service.Method"),
  // trimmed; "" when none.
  std::string For(const std::string& full_name) const;

 private:
  std::map<std::string, std::string> comments_;
};

}  // namespace mgi::gateway
