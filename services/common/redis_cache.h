// The Redis implementation of mgi::Cache (hiredis 0.14): a thread-safe connection pool with
// connect and command timeouts, a circuit breaker with backoff, fail-open behaviour and a
// rate-limited warning, and per-cache metrics.
//
// Threading contract: every call may block, for at most about command_timeout (plus
// connect_timeout when a new connection must be opened). Call it from an mgi::Executor worker
// (inside mgi::Offload), never from a gRPC callback (reactor) thread. Any number of threads may
// share one RedisCache.
//
// Failure contract (fail-open): when Redis is down, killed mid-run, slow or refuses a command,
// Get returns nullopt (a miss) and Set/Delete are dropped; nothing throws and nothing is
// returned to the caller. After `breaker_failures` consecutive failures the breaker opens and
// calls cost one flag check (no network) until a single probe is let through after a
// cool-down that doubles on each failed probe (up to `breaker_max_cooldown`). The warning that
// the cache is unavailable is logged at most once per `warn_interval`. The cache never affects
// health.
//
// Integrity contract: every value is stored as "mgi1" + HMAC-SHA256(hmac_key, key, value) +
// value, where key is the full Redis key (prefix included), so an entry cannot be forged, altered
// or moved to another key by someone who can write to Redis but does not hold the key. Get
// verifies the tag in constant time; an entry that fails (forged, corrupted, written by a
// deployment with another key, or by a version without tags) is a miss, counted in
// mgi_cache_rejected_total and logged (key only, never the value). See docs/cache.md.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "services/common/cache.h"
#include "services/common/metrics.h"

struct redisContext;
struct evp_mac_ctx_st;

namespace mgi {

// Monotonic time, injectable for tests.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point Now() const = 0;
};

// std::chrono::steady_clock; a process-wide instance.
const Clock* SteadyClock();

// closed -> open after `failure_threshold` consecutive failures -> half-open (one probe) after
// the cool-down -> closed on the probe's success, or open again with a doubled cool-down.
class CircuitBreaker {
 public:
  enum class State { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
  struct Options {
    int failure_threshold = 3;
    std::chrono::milliseconds cooldown{1000};
    std::chrono::milliseconds max_cooldown{30000};
  };

  CircuitBreaker(Options options, const Clock* clock);

  // Whether a call may go to Redis now. Closed: always (an atomic load). Open: no, until the
  // cool-down has passed; then exactly one caller gets true (the half-open probe). Every caller
  // that got true must report with exactly one of RecordSuccess/RecordFailure/RecordNeutral.
  bool Allow();
  // Return the new state when the call changed it (for logging), nullopt otherwise.
  std::optional<State> RecordSuccess();
  std::optional<State> RecordFailure();
  // The call never reached Redis for a reason that says nothing about Redis (every pooled
  // connection busy): no change, except that a half-open probe is handed to the next caller.
  void RecordNeutral();

  State state() const { return state_.load(std::memory_order_acquire); }
  // The cool-down the next opening (or the current open period) uses.
  std::chrono::milliseconds current_cooldown() const;

 private:
  const Options options_;
  const Clock* clock_;
  // Written under mu_; read without it on the fast path (closed).
  std::atomic<State> state_{State::kClosed};
  mutable std::mutex mu_;
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  bool probe_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point open_until_ ABSL_GUARDED_BY(mu_){};
  std::chrono::milliseconds cooldown_ ABSL_GUARDED_BY(mu_);
};

const char* BreakerStateName(CircuitBreaker::State state);

// Throttles a log line: lets one event through per interval and counts the ones it held back.
class LogThrottle {
 public:
  LogThrottle(std::chrono::milliseconds interval, const Clock* clock)
      : interval_(interval), clock_(clock) {}
  // True if the event should be reported now; `*suppressed` is then the number of events held
  // back since the last report.
  bool Allow(uint64_t* suppressed);

 private:
  const std::chrono::milliseconds interval_;
  const Clock* clock_;
  std::mutex mu_;
  bool reported_once_ ABSL_GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point last_ ABSL_GUARDED_BY(mu_){};
  uint64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

// Authenticates cache values: HMAC-SHA256 over a domain label, the key's length, the key and
// the value. Thread-safe (each call works on its own copy of a keyed context).
class CacheSigner {
 public:
  static constexpr size_t kTagSize = 32;
  static constexpr std::string_view kMagic = "mgi1";
  // `key` must not be empty.
  explicit CacheSigner(std::string_view key);
  ~CacheSigner();
  CacheSigner(const CacheSigner&) = delete;
  CacheSigner& operator=(const CacheSigner&) = delete;

  // kMagic + tag + value.
  std::string Seal(std::string_view key, std::string_view value) const;
  // The value if `stored` carries a valid tag for `key`, else nullopt.
  std::optional<std::string> Open(std::string_view key, std::string_view stored) const;

 private:
  bool Tag(std::string_view key, std::string_view value, unsigned char* out) const;
  evp_mac_ctx_st* keyed_;  // initialised with the key; duplicated per call, never used directly
};

struct RedisCacheOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // empty: no AUTH. Never logged.
  // Authenticates every value (see the integrity contract above). Never logged. Empty: a random
  // key for this process only (entries of other processes are then rejected); the services never
  // run that way: they refuse to start with redis-addr but no cache-hmac-key-file.
  std::string hmac_key;
  int db = 0;  // SELECT when not 0
  std::string prefix = "mgi:";
  std::chrono::milliseconds connect_timeout{250};
  std::chrono::milliseconds command_timeout{100};
  int pool_size = 8;
  std::chrono::seconds default_ttl{3600};  // used when Set is given ttl <= 0
  int breaker_failures = 3;
  std::chrono::milliseconds breaker_cooldown{1000};
  std::chrono::milliseconds breaker_max_cooldown{30000};
  std::chrono::milliseconds warn_interval{30000};
};

class RedisCache final : public Cache {
 public:
  // `metrics` may be null (the cache then keeps its own registry); `clock` may be null
  // (steady clock). `name` labels the metrics and the logs ("catalog", "report"...).
  RedisCache(RedisCacheOptions options, MetricsRegistry* metrics, std::string name,
             const Clock* clock = nullptr);
  ~RedisCache() override;
  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  std::optional<std::string> Get(std::string_view key) override;
  void Set(std::string_view key, std::string_view value, std::chrono::seconds ttl) override;
  void Delete(std::string_view key) override;

  CircuitBreaker::State breaker_state() const { return breaker_.state(); }
  const std::string& name() const { return name_; }
  // Connections currently open (idle or in use).
  int open_connections();

 private:
  enum class Outcome { kOk, kBypassed, kFailed };
  struct Reply;
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
  // Runs one command (argv form, binary-safe) with a pooled connection and the breaker.
  Outcome Run(const std::vector<std::string_view>& argv, Reply* reply);
  // Null on failure: *busy is then true when no connection freed up in time (the pool is
  // saturated; Redis may be fine), false when connecting failed.
  ContextPtr Acquire(std::chrono::steady_clock::time_point deadline, bool* reused, bool* busy,
                     std::string* error);
  void Release(ContextPtr ctx, bool broken);
  void DiscardIdle();
  ContextPtr Connect(std::string* error);
  void OnFailure(const std::string& what);
  void OnTransition(std::optional<CircuitBreaker::State> state, const std::string& why);
  std::string Key(std::string_view key) const;

  const RedisCacheOptions options_;
  const std::string name_;
  const std::string address_;
  const Clock* clock_;
  std::unique_ptr<MetricsRegistry> own_metrics_;
  CircuitBreaker breaker_;
  LogThrottle warn_limiter_;
  LogThrottle busy_limiter_;
  LogThrottle rejected_limiter_;
  std::unique_ptr<CacheSigner> signer_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<ContextPtr> idle_ ABSL_GUARDED_BY(pool_mu_);
  int open_ ABSL_GUARDED_BY(pool_mu_) = 0;  // connections open, idle or in use

  Counter* hits_;
  Counter* misses_;
  Counter* errors_;
  Counter* bypassed_;
  Counter* dropped_writes_;
  Counter* rejected_;
  Gauge* breaker_gauge_;
  Histogram* latency_;
};

}  // namespace mgi
