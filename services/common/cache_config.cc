#include "services/common/cache_config.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "services/common/redis_cache.h"

namespace mgi {
namespace {

struct HostPort {
  std::string host;
  int port = 0;
};

absl::Status ParseHostPort(const std::string& addr, HostPort* out) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == addr.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", addr, "' is not host:port (e.g. 127.0.0.1:6379)"));
  }
  std::string host = addr.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:6379
  }
  int port = 0;
  const char* begin = addr.data() + colon + 1;
  const char* end = addr.data() + addr.size();
  auto [ptr, ec] = std::from_chars(begin, end, port);
  if (ec != std::errc() || ptr != end || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("'", addr, "' has no valid port (1..65535)"));
  }
  out->host = std::move(host);
  out->port = port;
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRedisAddress(const std::string& addr) {
  HostPort hp;
  return ParseHostPort(addr, &hp);
}

absl::Status ReadPasswordFile(const std::string& path, std::string* password) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read password file '", path, "'"));
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("password file '", path, "' is empty"));
  }
  *password = std::move(line);
  return absl::OkStatus();
}

absl::Status ReadCacheKeyFile(const std::string& path, std::string* key) {
  std::string line;
  if (auto st = ReadPasswordFile(path, &line); !st.ok()) {
    return absl::Status(st.code(), absl::StrCat("cache key: ", st.message()));
  }
  if (line.size() < kMinCacheKeyLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("cache key file '", path, "' holds ", line.size(), " bytes; at least ",
                     kMinCacheKeyLength, " are needed (e.g. `openssl rand -hex 32`)"));
  }
  *key = std::move(line);
  return absl::OkStatus();
}

void RegisterCacheFlags(Config& config, CacheConfig* out) {
  config.String(
      "redis-addr", &out->addr, "Redis host:port for the cache; empty disables caching",
      [](const std::string& v) { return v.empty() ? absl::OkStatus() : ValidateRedisAddress(v); });
  config.String("redis-password-file", &out->password_file,
                "File whose first line is the Redis password (AUTH); empty: no AUTH",
                [](const std::string& v) {
                  if (v.empty()) return absl::OkStatus();
                  std::string ignored;
                  return ReadPasswordFile(v, &ignored);
                });
  config.String("cache-hmac-key-file", &out->hmac_key_file,
                "File whose first line (32 bytes or more, e.g. `openssl rand -hex 32`) is the key "
                "that authenticates every cached value; required with redis-addr, the same for "
                "every replica",
                [](const std::string& v) {
                  if (v.empty()) return absl::OkStatus();
                  std::string ignored;
                  return ReadCacheKeyFile(v, &ignored);
                });
  config.Int("redis-db", &out->db, "Redis database number (SELECT)", 0, 1023);
  config.String("redis-prefix", &out->prefix, "Prefix of every cache key");
  config.Duration("redis-connect-timeout", &out->connect_timeout,
                  "Timeout to open a Redis connection");
  config.Duration("redis-command-timeout", &out->command_timeout,
                  "Timeout of one Redis command: the most a slow Redis adds to a request");
  config.Int("redis-pool-size", &out->pool_size, "Redis connections per process", 1, 256);
  config.Duration("redis-ttl", &out->ttl, "Default lifetime of cache entries");
  config.Int("redis-breaker-failures", &out->breaker_failures,
             "Consecutive Redis failures that open the circuit breaker", 1, 1000);
  config.Duration("redis-breaker-cooldown", &out->breaker_cooldown,
                  "Time the open breaker waits before one probe (doubles per failed probe, "
                  "up to 30s)");
  config.Check([out]() -> absl::Status {
    if (!out->addr.empty() && out->hmac_key_file.empty()) {
      return absl::InvalidArgumentError(
          "--redis-addr is set but --cache-hmac-key-file is not (MGI_CACHE_HMAC_KEY_FILE): "
          "cached values must be authenticated; give every replica the same key file, e.g. "
          "`openssl rand -hex 32 > cache-key`, or unset redis-addr to run without a cache");
    }
    return absl::OkStatus();
  });
  config.SuiteWide({"redis-addr", "redis-password-file", "cache-hmac-key-file", "redis-db",
                    "redis-prefix", "redis-connect-timeout", "redis-command-timeout",
                    "redis-pool-size", "redis-ttl", "redis-breaker-failures",
                    "redis-breaker-cooldown"});
}

std::unique_ptr<Cache> MakeCache(const CacheConfig& config, MetricsRegistry* metrics,
                                 std::string name) {
  if (config.addr.empty()) {
    spdlog::info("cache {}: disabled (no redis-addr)", name);
    return std::make_unique<NullCache>();
  }
  HostPort hp;
  if (auto st = ParseHostPort(config.addr, &hp); !st.ok()) {
    spdlog::error("cache {}: disabled: redis-addr {}", name, std::string(st.message()));
    return std::make_unique<NullCache>();
  }
  RedisCacheOptions options;
  options.host = hp.host;
  options.port = hp.port;
  if (!config.password_file.empty()) {
    if (auto st = ReadPasswordFile(config.password_file, &options.password); !st.ok()) {
      spdlog::error("cache {}: disabled: {}", name, std::string(st.message()));
      return std::make_unique<NullCache>();
    }
  }
  if (config.hmac_key_file.empty()) {
    spdlog::error("cache {}: disabled: redis-addr is set but cache-hmac-key-file is not", name);
    return std::make_unique<NullCache>();
  }
  if (auto st = ReadCacheKeyFile(config.hmac_key_file, &options.hmac_key); !st.ok()) {
    spdlog::error("cache {}: disabled: {}", name, std::string(st.message()));
    return std::make_unique<NullCache>();
  }
  options.db = static_cast<int>(config.db);
  options.prefix = config.prefix;
  options.connect_timeout = config.connect_timeout;
  options.command_timeout = config.command_timeout;
  options.pool_size = static_cast<int>(config.pool_size);
  options.default_ttl = std::chrono::duration_cast<std::chrono::seconds>(config.ttl);
  if (options.default_ttl.count() <= 0) options.default_ttl = std::chrono::seconds(1);
  options.breaker_failures = static_cast<int>(config.breaker_failures);
  options.breaker_cooldown = config.breaker_cooldown;
  return std::make_unique<RedisCache>(std::move(options), metrics, std::move(name));
}


namespace internal {

std::string JoinKey(std::string_view kind, const std::vector<std::string>& parts) {
  std::string out(kind);
  for (const std::string& part : parts) {
    out.push_back(':');
    for (char c : part) {
      if (c == '%')
        out.append("%25");
      else if (c == ':')
        out.append("%3A");
      else
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace internal
}  // namespace mgi
