// Cache configuration (the suite-wide redis-* options), the factory every service uses, the
// versioned key builder, and typed protobuf helpers. See docs/cache.md.
#pragma once

#include <google/protobuf/message_lite.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "services/common/digest.h"  // KeyDigest, for key parts that are long or binary
#include "absl/status/status.h"
#include "services/common/cache.h"
#include "services/common/config.h"
#include "services/common/metrics.h"

namespace mgi {

struct CacheConfig {
  std::string addr;           // "host:port"; empty: no cache (NullCache)
  std::string password_file;  // first line is the Redis password (AUTH); empty: no AUTH
  // First line is the key that authenticates every cached value (HMAC-SHA256, at least 32
  // bytes). Required with addr: one key per deployment, shared by every replica.
  std::string hmac_key_file;
  int64_t db = 0;  // SELECT
  std::string prefix = "mgi:";
  std::chrono::milliseconds connect_timeout{250};
  std::chrono::milliseconds command_timeout{100};
  int64_t pool_size = 8;
  std::chrono::milliseconds ttl{std::chrono::hours(1)};  // default entry lifetime
  int64_t breaker_failures = 3;
  std::chrono::milliseconds breaker_cooldown{1000};
};

// Registers redis-addr, redis-password-file, cache-hmac-key-file, redis-db, redis-prefix,
// redis-connect-timeout, redis-command-timeout, redis-pool-size, redis-ttl,
// redis-breaker-failures and redis-breaker-cooldown, all suite-wide (MGI_REDIS_ADDR,
// MGI_CACHE_HMAC_KEY_FILE...). The address, the password file and the key file are checked at
// parse time (a bad value is an error naming the option), and redis-addr without
// cache-hmac-key-file is an error: a cache whose entries anyone with Redis access could forge
// is refused.
void RegisterCacheFlags(Config& config, CacheConfig* out);

// The minimum length of the cache HMAC key (bytes of its first line).
inline constexpr size_t kMinCacheKeyLength = 32;

// Reads the HMAC key file: its first line, at least kMinCacheKeyLength bytes. Never log it.
absl::Status ReadCacheKeyFile(const std::string& path, std::string* key);

// Checks "host:port" (port 1..65535).
absl::Status ValidateRedisAddress(const std::string& addr);

// Reads the password file: its first line, without the line end. Never log the result.
absl::Status ReadPasswordFile(const std::string& path, std::string* password);

// A RedisCache for a non-empty addr, else a NullCache. Never fails: a password or key file that
// became unreadable after parsing, or a missing key file, gives an error log and a NullCache
// (the cache is optional; it is never run unauthenticated).
// `name` labels the metrics (mgi_cache_*_total{cache="<name>"}) and the logs.
std::unique_ptr<Cache> MakeCache(const CacheConfig& config, MetricsRegistry* metrics,
                                 std::string name);

namespace internal {
std::string JoinKey(std::string_view kind, const std::vector<std::string>& parts);
inline std::string KeyPart(std::string_view s) { return std::string(s); }
inline std::string KeyPart(const std::string& s) { return s; }
inline std::string KeyPart(const char* s) { return std::string(s); }
template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
std::string KeyPart(T v) {
  return std::to_string(v);
}
}  // namespace internal

// "<kind>:<part>:<part>..." with '%' and ':' in parts escaped (so parts cannot collide).
// Put everything that determines the value in the key, including a version of the data or of
// the code that produced it (revision, etag, data version, renderer version): an update then
// makes the old entry unreachable instead of relying on a Delete that may be dropped.
//   CacheKey("report", profile_etag, "pdf", "fr", kRendererVersion)
template <typename... Parts>
std::string CacheKey(std::string_view kind, const Parts&... parts) {
  return internal::JoinKey(kind, {internal::KeyPart(parts)...});
}

// Typed helpers over serialized protobuf values. A value that does not parse is a miss.
template <typename T>
std::optional<T> GetProto(Cache& cache, std::string_view key) {
  static_assert(std::is_base_of_v<google::protobuf::MessageLite, T>);
  std::optional<std::string> bytes = cache.Get(key);
  if (!bytes) return std::nullopt;
  T message;
  if (!message.ParseFromString(*bytes)) return std::nullopt;
  return message;
}

inline void SetProto(Cache& cache, std::string_view key,
                     const google::protobuf::MessageLite& message, std::chrono::seconds ttl) {
  std::string bytes;
  if (message.SerializeToString(&bytes)) cache.Set(key, bytes, ttl);
}

}  // namespace mgi
