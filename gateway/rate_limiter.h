// The HTTP rate limiter: a token bucket per client (the SHA-256 of its Authorization header, else
// its address), used by the transport (http_server.cc) before a request reaches the gateway.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"

namespace mgi::gateway {

// Per-client token buckets: each client may make `burst` requests at once and
// `rate_per_second` on average. Clients are keyed by ClientKey(). Thread-safe.
class RateLimiter {
 public:
  struct Options {
    double rate_per_second = 20;
    double burst = 40;
    size_t max_clients = 100000;  // above this, idle (full) buckets are dropped
  };
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit RateLimiter(Options options, Clock clock = nullptr);

  // Takes one request from `key`'s bucket: nullopt when allowed, else how long until the next
  // request would be (for Retry-After; at least 1 s once rounded up to seconds by the caller).
  std::optional<std::chrono::milliseconds> Acquire(const std::string& key);
  size_t clients() const;

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };
  void Refill(Bucket& bucket, std::chrono::steady_clock::time_point now) const;
  Options options_;
  Clock clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// The rate-limit key of an HTTP client: its bearer token (as a SHA-256, never the token itself)
// when it sends one, else its address.
std::string ClientKey(const std::string& authorization_header, const std::string& remote_address);

}  // namespace mgi::gateway
