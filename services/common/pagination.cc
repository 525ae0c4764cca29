#include "services/common/pagination.h"

#include <cstring>

#include "absl/strings/escaping.h"
#include "services/common/status.h"

namespace mgi {
namespace {

constexpr uint8_t kVersion = 1;
// Tokens are obfuscated and checked, not secret: they carry no authority.
constexpr uint64_t kKey = 0x6d67692d70616765ULL;  // "mgi-page"

void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetU64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  return v;
}

}  // namespace

uint64_t StableHash(std::string_view data) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

absl::StatusOr<int32_t> ResolvePageSize(int32_t requested, const PageSpec& spec) {
  if (requested < 0) return InvalidArgument("page_size", "must not be negative");
  if (requested == 0) return spec.default_size;
  return requested > spec.max_size ? spec.max_size : requested;
}

std::string EncodePageToken(int64_t offset, std::string_view query) {
  std::string raw;
  raw.push_back(static_cast<char>(kVersion));
  PutU64(raw, static_cast<uint64_t>(offset) ^ kKey);
  uint64_t fingerprint = StableHash(query);
  PutU64(raw, fingerprint);
  PutU64(raw, StableHash(raw) ^ kKey);
  std::string out;
  absl::WebSafeBase64Escape(raw, &out);
  return out;
}

absl::StatusOr<int64_t> DecodePageToken(std::string_view token, std::string_view query) {
  if (token.empty()) return 0;
  std::string raw;
  if (token.size() > 64 || !absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw) || raw.size() != 25 ||
      static_cast<uint8_t>(raw[0]) != kVersion ||
      (GetU64(std::string_view(raw).substr(17)) ^ kKey) != StableHash(raw.substr(0, 17))) {
    return InvalidArgument("page_token", "is not a page token issued by this service");
  }
  if (GetU64(std::string_view(raw).substr(9)) != StableHash(query)) {
    return InvalidArgument("page_token",
                           "was issued for a different query; keep the other parameters "
                           "unchanged between pages");
  }
  uint64_t offset = GetU64(std::string_view(raw).substr(1)) ^ kKey;
  if (offset > (1ULL << 40)) return InvalidArgument("page_token", "is out of range");
  return static_cast<int64_t>(offset);
}

}  // namespace mgi
