// The comments of proto files, for documentation generated at run time (the gateway's OpenAPI
// descriptions). Descriptors compiled into a binary carry no comments (protoc drops
// source_code_info from them), so add_proto_library(... DOCS) also embeds each file's
// FileDescriptorSet with source info and registers it here when the program starts.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace mgi {

// The registered serialized google.protobuf.FileDescriptorSet's.
inline std::vector<std::pair<const unsigned char*, size_t>>& ProtoDocs() {
  static std::vector<std::pair<const unsigned char*, size_t>> docs;
  return docs;
}

struct ProtoDocsRegistrar {
  ProtoDocsRegistrar(const unsigned char* data, size_t size) { ProtoDocs().emplace_back(data, size); }
};

}  // namespace mgi
