#include "gateway/rate_limiter.h"

#include <algorithm>

#include "services/common/auth.h"  // Sha256, HexDigest

namespace mgi::gateway {

RateLimiter::RateLimiter(Options options, Clock clock)
    : options_(options),
      clock_(clock ? std::move(clock) : [] { return std::chrono::steady_clock::now(); }) {}

void RateLimiter::Refill(Bucket& bucket, std::chrono::steady_clock::time_point now) const {
  double seconds = std::chrono::duration<double>(now - bucket.updated).count();
  if (seconds > 0) {
    bucket.tokens = std::min(options_.burst, bucket.tokens + seconds * options_.rate_per_second);
    bucket.updated = now;
  }
}

std::optional<std::chrono::milliseconds> RateLimiter::Acquire(const std::string& key) {
  auto now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_clients) {
      // Forget the clients whose buckets are full again: they lose nothing.
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        Refill(b->second, now);
        b = b->second.tokens >= options_.burst ? buckets_.erase(b) : std::next(b);
      }
    }
    it = buckets_.emplace(key, Bucket{options_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::nullopt;
  }
  double wait = (1 - bucket.tokens) / options_.rate_per_second;
  return std::chrono::milliseconds(static_cast<int64_t>(wait * 1000) + 1);
}

size_t RateLimiter::clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

std::string ClientKey(const std::string& authorization_header, const std::string& remote_address) {
  if (authorization_header.empty()) return "addr:" + remote_address;
  return "token:" + HexDigest(Sha256(authorization_header));
}

}  // namespace mgi::gateway
