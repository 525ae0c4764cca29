// The cache seam. Every service reads through a Cache; the Redis implementation (fail-open,
// circuit breaker) lives beside it, and NullCache stands in when no Redis is configured.
// Calls may block for at most the configured command timeout: call them from an Executor,
// never from a gRPC callback thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mgi {

class Cache {
 public:
  virtual ~Cache() = default;
  // The value, or nullopt on a miss or on any error (errors are counted and logged, not returned:
  // the cache is optional and the caller reads the source of truth instead).
  virtual std::optional<std::string> Get(std::string_view key) = 0;
  virtual void Set(std::string_view key, std::string_view value, std::chrono::seconds ttl) = 0;
  virtual void Delete(std::string_view key) = 0;
};

// Caches nothing.
class NullCache final : public Cache {
 public:
  std::optional<std::string> Get(std::string_view) override { return std::nullopt; }
  void Set(std::string_view, std::string_view, std::chrono::seconds) override {}
  void Delete(std::string_view) override {}
};

}  // namespace mgi
