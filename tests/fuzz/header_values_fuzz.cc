// libFuzzer target over the checks between HTTP header values and gRPC metadata (gateway/metadata.h).
// Input: header lines "name: value\n". Properties: everything forwarded is legal gRPC metadata
// (gRPC aborts the process otherwise), a malformed Authorization forwards nothing, a forwarded
// Authorization is the header exactly, and only the three allowed headers are ever forwarded.
#include <grpc/grpc.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "gateway/metadata.h"

namespace {

bool GrpcLegal(std::string_view key, std::string_view value) {
  grpc_slice k = grpc_slice_from_copied_buffer(key.data(), key.size());
  grpc_slice v = grpc_slice_from_copied_buffer(value.data(), value.size());
  bool ok = grpc_header_key_is_legal(k) && grpc_header_nonbin_value_is_legal(v);
  grpc_slice_unref(k);
  grpc_slice_unref(v);
  return ok;
}

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mgi::gateway;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Each check alone, on the whole input.
  for (auto value : {MetadataValue::From(input), CheckAuthorization(input), CheckTraceparent(input),
                     CheckRequestId(input)}) {
    if (value) Require(GrpcLegal("x", value->str()) && value->str() == input);
  }
  // As the transport hands headers over: lower-case names, repeated ones joined by ", ".
  std::map<std::string, std::string> headers;
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(start, end - start);
    start = end + 1;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    auto [it, inserted] = headers.emplace(name, std::string(value));
    if (!inserted) it->second += ", " + std::string(value);
  }
  ForwardedMetadata forwarded = ForwardedHeaders(headers);
  if (!forwarded.malformed.empty()) Require(forwarded.metadata.empty());
  for (const MetadataEntry& e : forwarded.metadata) {
    Require(GrpcLegal(e.key.view(), e.value.str()));
    Require(e.key.view() == "authorization" || e.key.view() == "x-request-id" ||
            e.key.view() == "traceparent");
    Require(headers.at(std::string(e.key.view())) == e.value.str());
  }
  return 0;
}
