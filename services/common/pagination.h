// AIP-158 pagination: page sizes and opaque page tokens bound to the query that made them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mgi {

struct PageSpec {
  int32_t default_size = 50;
  int32_t max_size = 500;
};

// 0 gives the default, more than the maximum is lowered to it, negative is INVALID_ARGUMENT
// naming "page_size".
absl::StatusOr<int32_t> ResolvePageSize(int32_t requested, const PageSpec& spec);

// A token that encodes the offset of the next item and a fingerprint of the query (filter,
// language, parent...). URL-safe, opaque, and checked on decode.
std::string EncodePageToken(int64_t offset, std::string_view query);

// The offset in a token; 0 for an empty token. A malformed or tampered token, or one made for
// another query, is INVALID_ARGUMENT naming "page_token".
absl::StatusOr<int64_t> DecodePageToken(std::string_view token, std::string_view query);

// A stable 64-bit hash (FNV-1a), the same in every process and replica.
uint64_t StableHash(std::string_view data);

}  // namespace mgi
