// What may leave the gateway as gRPC metadata. gRPC aborts the process when a non-binary metadata
// value holds a byte outside printable ASCII, so a value reaches a backend call only as a
// MetadataValue, and the only way to make one is a validating factory. Keys are checked at
// compile time. Standard library only (the fuzz targets build this file alone).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mgi::gateway {

// A legal gRPC metadata key ([a-z0-9_.-], not "grpc-" reserved, not "-bin"): a string literal,
// checked when the program is compiled.
class MetadataKey {
 public:
  consteval MetadataKey(const char* key) : key_(key) {  // NOLINT: implicit from literals
    if (!Legal(key)) throw "not a legal ASCII gRPC metadata key";
  }
  // A key known only at run time (an operator's allow-list): checked with the same rule and kept
  // for the life of the process (such keys come from configuration, so they are few). nullopt
  // when not a legal key.
  static std::optional<MetadataKey> Runtime(std::string_view key);
  std::string_view view() const { return key_; }
  bool operator==(const MetadataKey& other) const { return view() == other.view(); }

 private:
  struct RuntimeTag {};
  MetadataKey(RuntimeTag, const char* key) : key_(key) {}
  static constexpr bool Legal(const char* k) {
    std::string_view v(k);
    if (v.empty() || v.starts_with("grpc-") || v.ends_with("-bin")) return false;
    for (char c : v) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
        return false;
      }
    }
    return true;
  }
  const char* key_;
};

// A value gRPC accepts as ASCII metadata.
class MetadataValue {
 public:
  // `value` when it is 1..max_bytes bytes of 0x20..0x7E with no space at either end; else nullopt.
  static std::optional<MetadataValue> From(std::string_view value, size_t max_bytes = 8192);
  const std::string& str() const { return value_; }

 private:
  explicit MetadataValue(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

struct MetadataEntry {
  MetadataKey key;
  MetadataValue value;
};

// An Authorization header: "<scheme> <credentials>" (RFC 9110 §11.4), the scheme a token, visible
// ASCII and spaces only. nullopt when malformed.
std::optional<MetadataValue> CheckAuthorization(std::string_view value);
// A traceparent header (W3C Trace Context): "00-<32 hex>-<16 hex>-<2 hex>" with non-zero ids, or
// a later version with that prefix. nullopt when malformed.
std::optional<MetadataValue> CheckTraceparent(std::string_view value);
// An X-Request-Id: 1..128 bytes of [A-Za-z0-9._:/+=-]. nullopt otherwise (the gateway then makes
// its own).
std::optional<MetadataValue> CheckRequestId(std::string_view value);

// The metadata forwarded for a request's headers (lower-case names): authorization, x-request-id
// and traceparent, each only when valid. A present but malformed Authorization is an error:
// `malformed` names the header (never its value) and `metadata` is empty. A malformed traceparent
// or X-Request-Id is dropped.
struct ForwardedMetadata {
  std::vector<MetadataEntry> metadata;
  std::string malformed;  // "" when every header could be forwarded or dropped
};
ForwardedMetadata ForwardedHeaders(const std::map<std::string, std::string>& headers);

}  // namespace mgi::gateway
