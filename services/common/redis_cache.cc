#include "services/common/redis_cache.h"

#include <hiredis/hiredis.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/time.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace mgi {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class SteadyClockImpl final : public Clock {
 public:
  steady_clock::time_point Now() const override { return steady_clock::now(); }
};

timeval ToTimeval(milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// hiredis writes with write(2): a peer that closed the socket would raise SIGPIPE and kill the
// process. Ignore it unless the program installed its own handler.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
}

}  // namespace

const Clock* SteadyClock() {
  static const SteadyClockImpl clock;
  return &clock;
}

const char* BreakerStateName(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half-open";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// CircuitBreaker

CircuitBreaker::CircuitBreaker(Options options, const Clock* clock)
    : options_(options), clock_(clock ? clock : SteadyClock()), cooldown_(options.cooldown) {}

bool CircuitBreaker::Allow() {
  if (state_.load(std::memory_order_acquire) == State::kClosed) return true;
  std::lock_guard<std::mutex> lock(mu_);
  switch (state_.load(std::memory_order_relaxed)) {
    case State::kClosed:
      return true;
    case State::kHalfOpen:
      return false;  // the probe is in flight
    case State::kOpen:
      if (clock_->Now() < open_until_) return false;
      state_.store(State::kHalfOpen, std::memory_order_release);
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

std::optional<CircuitBreaker::State> CircuitBreaker::RecordSuccess() {
  std::lock_guard<std::mutex> lock(mu_);
  State s = state_.load(std::memory_order_relaxed);
  if (s == State::kClosed) {
    consecutive_failures_ = 0;
    return std::nullopt;
  }
  if (s == State::kHalfOpen && probe_in_flight_) {
    probe_in_flight_ = false;
    consecutive_failures_ = 0;
    cooldown_ = options_.cooldown;
    state_.store(State::kClosed, std::memory_order_release);
    return State::kClosed;
  }
  return std::nullopt;  // a late success of a call started before the breaker opened
}

std::optional<CircuitBreaker::State> CircuitBreaker::RecordFailure() {
  std::lock_guard<std::mutex> lock(mu_);
  State s = state_.load(std::memory_order_relaxed);
  if (s == State::kClosed) {
    if (++consecutive_failures_ < options_.failure_threshold) return std::nullopt;
    open_until_ = clock_->Now() + cooldown_;
    state_.store(State::kOpen, std::memory_order_release);
    return State::kOpen;
  }
  if (s == State::kHalfOpen && probe_in_flight_) {
    probe_in_flight_ = false;
    cooldown_ = std::min(cooldown_ * 2, options_.max_cooldown);
    open_until_ = clock_->Now() + cooldown_;
    state_.store(State::kOpen, std::memory_order_release);
    return State::kOpen;
  }
  return std::nullopt;  // already open: late failures of calls in flight change nothing
}

void CircuitBreaker::RecordNeutral() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_.load(std::memory_order_relaxed) == State::kHalfOpen && probe_in_flight_) {
    probe_in_flight_ = false;
    open_until_ = clock_->Now();  // the next caller probes
    state_.store(State::kOpen, std::memory_order_release);
  }
}

std::chrono::milliseconds CircuitBreaker::current_cooldown() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cooldown_;
}

// ---------------------------------------------------------------------------------------------
// LogThrottle

bool LogThrottle::Allow(uint64_t* suppressed) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = clock_->Now();
  if (reported_once_ && now - last_ < interval_) {
    ++suppressed_;
    return false;
  }
  reported_once_ = true;
  last_ = now;
  if (suppressed) *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

// ---------------------------------------------------------------------------------------------
// CacheSigner

namespace {
constexpr std::string_view kTagDomain = "mgi-cache-v1";
}  // namespace

CacheSigner::CacheSigner(std::string_view key) {
  if (key.empty()) throw std::invalid_argument("CacheSigner: empty key");
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw std::runtime_error("CacheSigner: no HMAC in OpenSSL");
  keyed_ = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context keeps its own reference
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (keyed_ == nullptr || EVP_MAC_init(keyed_, reinterpret_cast<const unsigned char*>(key.data()),
                                        key.size(), params) != 1) {
    EVP_MAC_CTX_free(keyed_);
    throw std::runtime_error("CacheSigner: HMAC-SHA256 initialisation failed");
  }
}

CacheSigner::~CacheSigner() { EVP_MAC_CTX_free(keyed_); }

bool CacheSigner::Tag(std::string_view key, std::string_view value, unsigned char* out) const {
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_dup(keyed_),
                                                                &EVP_MAC_CTX_free);
  if (!ctx) return false;
  // domain label, then the key's length (8 bytes, big-endian) so key and value cannot be
  // re-split, then key and value.
  unsigned char length[8];
  uint64_t n = key.size();
  for (int i = 7; i >= 0; --i, n >>= 8) length[i] = static_cast<unsigned char>(n & 0xff);
  auto update = [&](const void* p, size_t size) {
    return EVP_MAC_update(ctx.get(), static_cast<const unsigned char*>(p), size) == 1;
  };
  size_t written = 0;
  return update(kTagDomain.data(), kTagDomain.size()) && update(length, sizeof length) &&
         update(key.data(), key.size()) && update(value.data(), value.size()) &&
         EVP_MAC_final(ctx.get(), out, &written, kTagSize) == 1 && written == kTagSize;
}

std::string CacheSigner::Seal(std::string_view key, std::string_view value) const {
  unsigned char tag[kTagSize];
  if (!Tag(key, value, tag)) return {};
  std::string out;
  out.reserve(kMagic.size() + kTagSize + value.size());
  out.append(kMagic);
  out.append(reinterpret_cast<const char*>(tag), kTagSize);
  out.append(value);
  return out;
}

std::optional<std::string> CacheSigner::Open(std::string_view key, std::string_view stored) const {
  if (stored.size() < kMagic.size() + kTagSize || stored.substr(0, kMagic.size()) != kMagic) {
    return std::nullopt;
  }
  std::string_view value = stored.substr(kMagic.size() + kTagSize);
  unsigned char expected[kTagSize];
  if (!Tag(key, value, expected)) return std::nullopt;
  if (CRYPTO_memcmp(expected, stored.data() + kMagic.size(), kTagSize) != 0) return std::nullopt;
  return std::string(value);
}

// ---------------------------------------------------------------------------------------------
// RedisCache

void RedisCache::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

struct RedisCache::Reply {
  redisReply* reply = nullptr;
  ~Reply() {
    if (reply) freeReplyObject(reply);
  }
};

RedisCache::RedisCache(RedisCacheOptions options, MetricsRegistry* metrics, std::string name,
                       const Clock* clock)
    : options_(std::move(options)),
      name_(std::move(name)),
      address_(options_.host + ":" + std::to_string(options_.port)),
      clock_(clock ? clock : SteadyClock()),
      breaker_(
          {options_.breaker_failures, options_.breaker_cooldown, options_.breaker_max_cooldown},
          clock_),
      warn_limiter_(options_.warn_interval, clock_),
      busy_limiter_(options_.warn_interval, clock_),
      rejected_limiter_(options_.warn_interval, clock_) {
  IgnoreSigpipeOnce();
  if (options_.hmac_key.empty()) {
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("RAND_bytes failed");
    signer_ = std::make_unique<CacheSigner>(
        std::string_view(reinterpret_cast<const char*>(random), sizeof random));
    spdlog::warn(
        "cache {}: no HMAC key given: using a random key for this process; entries written by "
        "other processes (replicas, restarts) will be rejected",
        name_);
  } else {
    signer_ = std::make_unique<CacheSigner>(options_.hmac_key);
  }
  if (metrics == nullptr) {
    own_metrics_ = std::make_unique<MetricsRegistry>();
    metrics = own_metrics_.get();
  }
  Labels labels{{"cache", name_}};
  hits_ = metrics->GetCounter("mgi_cache_hits_total", "Cache reads that found a value.", labels);
  misses_ = metrics->GetCounter("mgi_cache_misses_total",
                                "Cache reads that found nothing (including reads that failed or "
                                "were skipped).",
                                labels);
  errors_ =
      metrics->GetCounter("mgi_cache_errors_total",
                          "Cache calls that failed (connection, timeout, Redis error).", labels);
  bypassed_ =
      metrics->GetCounter("mgi_cache_bypassed_total",
                          "Cache calls skipped because the circuit breaker was open.", labels);
  dropped_writes_ = metrics->GetCounter("mgi_cache_dropped_writes_total",
                                        "Sets and deletes that did not reach Redis.", labels);
  rejected_ = metrics->GetCounter(
      "mgi_cache_rejected_total",
      "Cache entries refused because their HMAC did not verify (forged, corrupted or written "
      "with another cache-hmac-key); each is also a miss.",
      labels);
  breaker_gauge_ = metrics->GetGauge(
      "mgi_cache_breaker_state", "Circuit breaker state: 0 closed, 1 open, 2 half-open.", labels);
  latency_ = metrics->GetHistogram("mgi_cache_request_seconds",
                                   "Latency of cache calls that went to Redis.", labels);
  breaker_gauge_->Set(0);
  spdlog::info("cache {}: redis {} db={} prefix='{}' pool={} command-timeout={}ms auth={}", name_,
               address_, options_.db, options_.prefix, options_.pool_size,
               options_.command_timeout.count(), options_.password.empty() ? "no" : "yes");
}

RedisCache::~RedisCache() {
  std::lock_guard<std::mutex> lock(pool_mu_);
  idle_.clear();
}

int RedisCache::open_connections() {
  std::lock_guard<std::mutex> lock(pool_mu_);
  return open_;
}

std::string RedisCache::Key(std::string_view key) const {
  std::string out;
  out.reserve(options_.prefix.size() + key.size());
  out.append(options_.prefix);
  out.append(key);
  return out;
}

RedisCache::ContextPtr RedisCache::Connect(std::string* error) {
  ContextPtr owned(redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                           ToTimeval(options_.connect_timeout)));
  redisContext* c = owned.get();
  if (c == nullptr) {
    *error = "connect: out of memory";
    return nullptr;
  }
  if (c->err) {
    *error = std::string("connect: ") + c->errstr;
    return nullptr;
  }
  redisSetTimeout(c, ToTimeval(options_.command_timeout));
  redisEnableKeepAlive(c);
  auto handshake = [&](std::vector<std::string_view> argv, const char* what) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (auto a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
    if (r == nullptr) {
      *error = std::string(what) + ": " + c->errstr;
      return false;
    }
    bool ok = r->type != REDIS_REPLY_ERROR;
    // Redis's error replies never echo the password; cap their length anyway.
    if (!ok) *error = std::string(what) + ": " + std::string(r->str, r->len).substr(0, 80);
    freeReplyObject(r);
    return ok;
  };
  if (!options_.password.empty() && !handshake({"AUTH", options_.password}, "AUTH")) {
    return nullptr;
  }
  if (options_.db != 0) {
    std::string db = std::to_string(options_.db);
    if (!handshake({"SELECT", db}, "SELECT")) return nullptr;
  }
  return owned;
}

RedisCache::ContextPtr RedisCache::Acquire(steady_clock::time_point deadline, bool* reused,
                                           bool* busy, std::string* error) {
  *busy = false;
  {
    std::unique_lock<std::mutex> lock(pool_mu_);
    while (idle_.empty() && open_ >= options_.pool_size) {
      if (breaker_.state() == CircuitBreaker::State::kOpen) {
        *error = "circuit opened while waiting for a connection";
        *busy = true;
        return nullptr;
      }
      // The pool's wait uses real time: it is bounded by the command timeout.
      if (pool_cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= options_.pool_size) {
        *error = "no free connection within the command timeout";
        *busy = true;
        return nullptr;
      }
    }
    if (!idle_.empty()) {
      ContextPtr c = std::move(idle_.back());
      idle_.pop_back();
      *reused = true;
      return c;
    }
    ++open_;  // reserve a slot, connect outside the lock
  }
  *reused = false;
  ContextPtr c = Connect(error);
  if (c == nullptr) {
    std::lock_guard<std::mutex> lock(pool_mu_);
    --open_;
    pool_cv_.notify_one();
  }
  return c;
}

void RedisCache::Release(ContextPtr ctx, bool broken) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (broken || ctx->err) {
    ctx.reset();
    --open_;
  } else {
    idle_.push_back(std::move(ctx));
  }
  pool_cv_.notify_one();
}

void RedisCache::DiscardIdle() {
  std::vector<ContextPtr> stale;  // closed outside the lock
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    stale.swap(idle_);
    open_ -= static_cast<int>(stale.size());
    pool_cv_.notify_all();
  }
}

void RedisCache::OnFailure(const std::string& what) {
  errors_->Inc();
  OnTransition(breaker_.RecordFailure(), what);
  uint64_t suppressed = 0;
  if (warn_limiter_.Allow(&suppressed)) {
    spdlog::warn(
        "cache {}: redis {} unavailable ({}); serving without cache: reads miss, writes are "
        "dropped; {} similar events since the last warning; next warning in {}s at most",
        name_, address_, what, suppressed,
        std::chrono::duration_cast<std::chrono::seconds>(options_.warn_interval).count());
  }
}

void RedisCache::OnTransition(std::optional<CircuitBreaker::State> state, const std::string& why) {
  if (!state) return;
  breaker_gauge_->Set(static_cast<double>(*state));
  if (*state == CircuitBreaker::State::kOpen) {
    DiscardIdle();  // the server they belong to failed; a probe must use a fresh connection
    spdlog::debug("cache {}: circuit open for {}ms after: {}", name_,
                  breaker_.current_cooldown().count(), why);
  } else if (*state == CircuitBreaker::State::kClosed) {
    spdlog::info("cache {}: redis {} reachable again, circuit closed", name_, address_);
  }
}

RedisCache::Outcome RedisCache::Run(const std::vector<std::string_view>& argv, Reply* out) {
  if (!breaker_.Allow()) {
    bypassed_->Inc();
    uint64_t suppressed = 0;
    if (warn_limiter_.Allow(&suppressed)) {
      spdlog::warn(
          "cache {}: redis {} unavailable (circuit open); serving without cache: reads miss, "
          "writes are dropped; {} similar events since the last warning",
          name_, address_, suppressed);
    }
    return Outcome::kBypassed;
  }
  if (breaker_.state() == CircuitBreaker::State::kHalfOpen) {
    breaker_gauge_->Set(static_cast<double>(CircuitBreaker::State::kHalfOpen));
  }
  auto start = steady_clock::now();
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (auto a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  // One retry, only when a reused connection turns out to be closed by the server (a Redis
  // restart): that error is immediate, so the retry does not double a timeout.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = false, busy = false;
    std::string error;
    ContextPtr c = Acquire(start + options_.command_timeout, &reused, &busy, &error);
    if (c == nullptr && busy) {
      // Saturation, not a Redis failure: the breaker must not open because of it.
      breaker_.RecordNeutral();
      breaker_gauge_->Set(static_cast<double>(breaker_.state()));
      errors_->Inc();
      uint64_t suppressed = 0;
      if (busy_limiter_.Allow(&suppressed)) {
        spdlog::warn(
            "cache {}: all {} redis connections busy ({}); the call missed; {} similar "
            "events since the last warning (raise redis-pool-size to match the workers)",
            name_, options_.pool_size, error, suppressed);
      }
      return Outcome::kFailed;
    }
    if (c == nullptr) {
      OnFailure(error);
      return Outcome::kFailed;
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(argv.size()), ptrs.data(), lens.data()));
    if (r == nullptr) {
      int err = c->err;
      error = std::string(argv[0]) + ": " + c->errstr;
      Release(std::move(c), /*broken=*/true);
      if (err == REDIS_ERR_EOF && reused && attempt == 0) {
        DiscardIdle();
        continue;
      }
      OnFailure(error);
      return Outcome::kFailed;
    }
    Release(std::move(c), /*broken=*/false);
    latency_->Observe(std::chrono::duration<double>(steady_clock::now() - start).count());
    // Redis answered: the server is healthy even if the command was refused.
    OnTransition(breaker_.RecordSuccess(), "");
    if (r->type == REDIS_REPLY_ERROR) {
      errors_->Inc();
      uint64_t suppressed = 0;
      if (warn_limiter_.Allow(&suppressed)) {
        spdlog::warn("cache {}: redis {} refused {}: {} ({} similar events since the last warning)",
                     name_, address_, std::string(argv[0]), std::string(r->str, r->len),
                     suppressed);
      }
      freeReplyObject(r);
      return Outcome::kFailed;
    }
    out->reply = r;
    return Outcome::kOk;
  }
  return Outcome::kFailed;  // not reached
}

std::optional<std::string> RedisCache::Get(std::string_view key) {
  std::string k = Key(key);
  Reply reply;
  if (Run({"GET", k}, &reply) != Outcome::kOk || reply.reply->type != REDIS_REPLY_STRING) {
    misses_->Inc();
    return std::nullopt;
  }
  std::optional<std::string> value =
      signer_->Open(k, std::string_view(reply.reply->str, reply.reply->len));
  if (!value) {
    rejected_->Inc();
    misses_->Inc();
    uint64_t suppressed = 0;
    if (rejected_limiter_.Allow(&suppressed)) {
      // The key only: the value is untrusted and may hold anything.
      spdlog::error(
          "cache {}: entry '{}' failed authentication (forged, corrupted, or written with another "
          "cache-hmac-key): treated as a miss; {} similar events since the last report",
          name_, k.substr(0, 200), suppressed);
    }
    return std::nullopt;
  }
  hits_->Inc();
  return value;
}

void RedisCache::Set(std::string_view key, std::string_view value, std::chrono::seconds ttl) {
  if (ttl.count() <= 0) ttl = options_.default_ttl;
  std::string k = Key(key);
  std::string ms = std::to_string(std::chrono::duration_cast<milliseconds>(ttl).count());
  std::string sealed = signer_->Seal(k, value);
  Reply reply;
  if (sealed.empty() || Run({"SET", k, sealed, "PX", ms}, &reply) != Outcome::kOk) {
    dropped_writes_->Inc();
  }
}

void RedisCache::Delete(std::string_view key) {
  std::string k = Key(key);
  Reply reply;
  if (Run({"DEL", k}, &reply) != Outcome::kOk) dropped_writes_->Inc();
}

}  // namespace mgi
