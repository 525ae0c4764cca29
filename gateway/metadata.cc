#include "gateway/metadata.h"

#include <mutex>
#include <set>

namespace mgi::gateway {
namespace {

bool IsTchar(char c) {  // RFC 9110 token characters
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

std::optional<MetadataKey> MetadataKey::Runtime(std::string_view key) {
  static std::mutex mu;
  static std::set<std::string, std::less<>>* interned = new std::set<std::string, std::less<>>();
  std::string copy(key);
  if (!Legal(copy.c_str())) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu);
  auto it = interned->insert(std::move(copy)).first;
  return MetadataKey(RuntimeTag{}, it->c_str());
}

std::optional<MetadataValue> MetadataValue::From(std::string_view value, size_t max_bytes) {
  if (value.empty() || value.size() > max_bytes) return std::nullopt;
  if (value.front() == ' ' || value.back() == ' ') return std::nullopt;
  for (unsigned char c : value) {
    if (c < 0x20 || c > 0x7e) return std::nullopt;
  }
  return MetadataValue(std::string(value));
}

std::optional<MetadataValue> CheckAuthorization(std::string_view value) {
  auto checked = MetadataValue::From(value);
  if (!checked) return std::nullopt;
  size_t space = value.find(' ');
  if (space == 0 || space == std::string_view::npos) return std::nullopt;
  for (char c : value.substr(0, space)) {
    if (!IsTchar(c)) return std::nullopt;
  }
  return checked;
}

std::optional<MetadataValue> CheckTraceparent(std::string_view v) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 bytes.
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  std::string_view version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16),
                   flags = v.substr(53, 2);
  if (!IsLowerHex(version) || !IsLowerHex(trace) || !IsLowerHex(parent) || !IsLowerHex(flags)) {
    return std::nullopt;
  }
  if (version == "ff" || AllZero(trace) || AllZero(parent)) return std::nullopt;
  if (version == "00" ? v.size() != 55 : v.size() > 55 && v[55] != '-') return std::nullopt;
  return MetadataValue::From(v, 512);
}

std::optional<MetadataValue> CheckRequestId(std::string_view value) {
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("._:/+=-").find(c) != std::string_view::npos;
    if (!ok) return std::nullopt;
  }
  return MetadataValue::From(value, 128);
}

ForwardedMetadata ForwardedHeaders(const std::map<std::string, std::string>& headers) {
  ForwardedMetadata out;
  if (auto it = headers.find("authorization"); it != headers.end()) {
    auto value = CheckAuthorization(it->second);
    if (!value) {
      out.malformed = "Authorization";
      return out;
    }
    out.metadata.push_back({"authorization", *std::move(value)});
  }
  if (auto it = headers.find("x-request-id"); it != headers.end()) {
    if (auto value = CheckRequestId(it->second)) {
      out.metadata.push_back({"x-request-id", *std::move(value)});
    }
  }
  if (auto it = headers.find("traceparent"); it != headers.end()) {
    if (auto value = CheckTraceparent(it->second)) {
      out.metadata.push_back({"traceparent", *std::move(value)});
    }
  }
  return out;
}

}  // namespace mgi::gateway
