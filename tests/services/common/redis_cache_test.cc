// The Redis cache: breaker and key units with a fake clock, then a real redis-server on a free
// loopback port (tests/support/harness.h): hits and misses, AUTH and SELECT, TTL expiry, Redis
// killed during a multi-threaded burst, restarted, and paused (slow).
#include "services/common/redis_cache.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "services/common/cache_config.h"
#include "google/rpc/error_details.pb.h"
#include "harness.h"

namespace mgi {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using State = CircuitBreaker::State;

class FakeClock final : public Clock {
 public:
  steady_clock::time_point Now() const override {
    return steady_clock::time_point(std::chrono::nanoseconds(ns_.load()));
  }
  void Advance(std::chrono::nanoseconds d) { ns_ += d.count(); }

 private:
  std::atomic<int64_t> ns_{1'000'000'000};
};

// Captures what spdlog's default logger prints while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string Text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }
  int Count(const std::string& needle) {
    std::string text = Text();
    int n = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + 1)) {
      ++n;
    }
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// ------------------------------------------------------------------------------------------
// Circuit breaker and log throttle (fake clock)

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailuresOnly) {
  FakeClock clock;
  CircuitBreaker b({3, 1000ms, 8000ms}, &clock);
  EXPECT_TRUE(b.Allow());
  EXPECT_EQ(b.RecordFailure(), std::nullopt);
  EXPECT_EQ(b.RecordFailure(), std::nullopt);
  EXPECT_EQ(b.RecordSuccess(), std::nullopt);  // resets the count
  EXPECT_EQ(b.RecordFailure(), std::nullopt);
  EXPECT_EQ(b.RecordFailure(), std::nullopt);
  EXPECT_EQ(b.state(), State::kClosed);
  EXPECT_EQ(b.RecordFailure(), State::kOpen);
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_FALSE(b.Allow());
  EXPECT_EQ(b.RecordFailure(), std::nullopt);  // a late failure changes nothing
}

TEST(CircuitBreakerTest, HalfOpenLetsExactlyOneProbeThroughAfterCooldown) {
  FakeClock clock;
  CircuitBreaker b({1, 1000ms, 8000ms}, &clock);
  b.RecordFailure();
  clock.Advance(999ms);
  EXPECT_FALSE(b.Allow());
  clock.Advance(1ms);
  EXPECT_TRUE(b.Allow());  // the probe
  EXPECT_EQ(b.state(), State::kHalfOpen);
  EXPECT_FALSE(b.Allow());
  EXPECT_FALSE(b.Allow());
  EXPECT_EQ(b.RecordSuccess(), State::kClosed);
  EXPECT_TRUE(b.Allow());
  EXPECT_TRUE(b.Allow());
}

TEST(CircuitBreakerTest, FailedProbesDoubleTheCooldownUpToTheMaximum) {
  FakeClock clock;
  CircuitBreaker b({1, 1000ms, 3000ms}, &clock);
  b.RecordFailure();
  std::vector<milliseconds> waits;
  for (int i = 0; i < 4; ++i) {
    milliseconds waited{0};
    while (!b.Allow()) {
      clock.Advance(100ms);
      waited += 100ms;
      ASSERT_LT(waited, 60s);
    }
    waits.push_back(waited);
    EXPECT_EQ(b.RecordFailure(), State::kOpen);
  }
  EXPECT_EQ(waits, (std::vector<milliseconds>{1000ms, 2000ms, 3000ms, 3000ms}));
  // A successful probe resets the cool-down.
  clock.Advance(3000ms);
  ASSERT_TRUE(b.Allow());
  EXPECT_EQ(b.RecordSuccess(), State::kClosed);
  EXPECT_EQ(b.current_cooldown(), 1000ms);
}

TEST(CircuitBreakerTest, NeutralOutcomeChangesNothingButHandsTheProbeOn) {
  FakeClock clock;
  CircuitBreaker b({2, 1000ms, 8000ms}, &clock);
  b.RecordFailure();
  b.RecordNeutral();                           // a saturated pool is not a Redis failure...
  EXPECT_EQ(b.RecordFailure(), State::kOpen);  // ...nor a success that resets the count
  clock.Advance(1000ms);
  ASSERT_TRUE(b.Allow());
  EXPECT_FALSE(b.Allow());
  b.RecordNeutral();  // the probe gave up without reaching Redis: the next caller probes
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_TRUE(b.Allow());
  EXPECT_EQ(b.RecordSuccess(), State::kClosed);
}

TEST(LogThrottleTest, OnePerIntervalAndCountsTheRest) {
  FakeClock clock;
  LogThrottle limiter(30s, &clock);
  uint64_t suppressed = 99;
  EXPECT_TRUE(limiter.Allow(&suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.Allow(&suppressed));
  clock.Advance(29s);
  EXPECT_FALSE(limiter.Allow(&suppressed));
  clock.Advance(1s);
  EXPECT_TRUE(limiter.Allow(&suppressed));
  EXPECT_EQ(suppressed, 6u);
}

// ------------------------------------------------------------------------------------------
// Keys and configuration

TEST(CacheKeyTest, PartsAreEscapedSoTheyCannotCollide) {
  EXPECT_EQ(CacheKey("report", "guatemala-2022", 7, "pdf", "fr"), "report:guatemala-2022:7:pdf:fr");
  EXPECT_NE(CacheKey("k", "a:b", "c"), CacheKey("k", "a", "b:c"));
  EXPECT_EQ(CacheKey("k", "a:b%"), "k:a%3Ab%25");
  EXPECT_NE(CacheKey("k", "a%3Ab"), CacheKey("k", "a:b"));
}

TEST(CacheKeyTest, DigestIsStableAndSensitive) {
  std::string a = KeyDigest(std::string("\x00\x01request", 9));
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, KeyDigest(std::string("\x00\x01request", 9)));
  EXPECT_NE(a, KeyDigest(std::string("\x00\x02request", 9)));
  EXPECT_EQ(KeyDigest("abc"), "ba7816bf8f01cfea414140de5dae2223");  // SHA-256("abc")[0:16]
}

// A file holding `text` in a fresh directory.
std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = testing::TempDir("cache-config") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

const std::string kKey = "0123456789abcdef0123456789abcdef-test-key";

TEST(CacheConfigTest, FlagsAndSuiteWideVariables) {
  Config config("catalog");
  CacheConfig cache;
  RegisterCacheFlags(config, &cache);
  const char* argv[] = {"mgi-catalog", "--redis-db=4", "--redis-command-timeout=40ms"};
  std::string key_file = "MGI_CACHE_HMAC_KEY_FILE=" + WriteFile("key", kKey + "\n");
  const char* envp[] = {"MGI_REDIS_ADDR=10.0.0.1:6380", key_file.c_str(),
                        "MGI_REDIS_PREFIX=test:", "MGI_CATALOG_REDIS_POOL_SIZE=3", nullptr};
  ASSERT_TRUE(config.Parse(3, argv, envp).ok());
  EXPECT_EQ(cache.addr, "10.0.0.1:6380");
  EXPECT_EQ(cache.prefix, "test:");
  EXPECT_EQ(cache.db, 4);
  EXPECT_EQ(cache.pool_size, 3);
  EXPECT_EQ(cache.command_timeout, 40ms);
  EXPECT_EQ(cache.ttl, std::chrono::hours(1));
  EXPECT_EQ(cache.hmac_key_file, key_file.substr(key_file.find('=') + 1));
}

TEST(CacheConfigTest, BadAddressAndMissingPasswordFileAreErrorsNamingTheOption) {
  for (const char* flag : {"--redis-addr=localhost", "--redis-addr=host:99999",
                           "--redis-password-file=/nonexistent/redis-password"}) {
    Config config("report");
    CacheConfig cache;
    RegisterCacheFlags(config, &cache);
    const char* argv[] = {"mgi-report", flag};
    const char* envp[] = {nullptr};
    absl::Status st = config.Parse(2, argv, envp);
    ASSERT_FALSE(st.ok()) << flag;
    std::string name = std::string(flag).substr(2, std::string(flag).find('=') - 2);
    EXPECT_NE(std::string(st.message()).find(name), std::string::npos) << st;
  }
}

TEST(CacheConfigTest, NoAddressGivesANullCache) {
  MetricsRegistry metrics;
  auto cache = MakeCache(CacheConfig{}, &metrics, "catalog");
  EXPECT_NE(dynamic_cast<NullCache*>(cache.get()), nullptr);
  CacheConfig with_addr;
  with_addr.addr = "127.0.0.1:6379";
  with_addr.hmac_key_file = WriteFile("key", kKey + "\n");
  EXPECT_NE(dynamic_cast<RedisCache*>(MakeCache(with_addr, &metrics, "x").get()), nullptr);
}

TEST(CacheConfigTest, RedisWithoutAnHmacKeyIsRefused) {
  // At parse time: the service does not start.
  for (const char* envvar : {"MGI_REDIS_ADDR=127.0.0.1:6379", "MGI_REPORT_REDIS_ADDR=10.0.0.1:1"}) {
    Config config("report");
    CacheConfig cache;
    RegisterCacheFlags(config, &cache);
    const char* argv[] = {"mgi-report"};
    const char* envp[] = {envvar, nullptr};
    absl::Status st = config.Parse(1, argv, envp);
    ASSERT_FALSE(st.ok()) << envvar;
    EXPECT_NE(std::string(st.message()).find("cache-hmac-key-file"), std::string::npos) << st;
  }
  // A short key and a missing file are errors naming the option.
  for (std::string flag : {"--cache-hmac-key-file=" + WriteFile("short", "too-short\n"),
                           std::string("--cache-hmac-key-file=/nonexistent/key")}) {
    Config config("report");
    CacheConfig cache;
    RegisterCacheFlags(config, &cache);
    const char* argv[] = {"mgi-report", flag.c_str()};
    const char* envp[] = {nullptr};
    absl::Status st = config.Parse(2, argv, envp);
    ASSERT_FALSE(st.ok()) << flag;
    EXPECT_NE(std::string(st.message()).find("cache-hmac-key-file"), std::string::npos) << st;
  }
  // With both, through the suite-wide variables.
  Config config("report");
  CacheConfig cache;
  RegisterCacheFlags(config, &cache);
  std::string key_env = "MGI_CACHE_HMAC_KEY_FILE=" + WriteFile("key", kKey + "\n");
  const char* argv[] = {"mgi-report"};
  const char* envp[] = {"MGI_REDIS_ADDR=127.0.0.1:6379", key_env.c_str(), nullptr};
  ASSERT_TRUE(config.Parse(1, argv, envp).ok());
  // MakeCache, given a config that skipped parsing, never runs Redis unauthenticated.
  MetricsRegistry metrics;
  CacheConfig no_key;
  no_key.addr = "127.0.0.1:6379";
  EXPECT_NE(dynamic_cast<NullCache*>(MakeCache(no_key, &metrics, "x").get()), nullptr);
}

TEST(CacheSignerTest, SealOpenAndEveryKindOfTampering) {
  CacheSigner signer(kKey);
  std::string sealed = signer.Seal("mgi:report:a", std::string("<p>\0binary", 11));
  ASSERT_EQ(sealed.size(), 4 + CacheSigner::kTagSize + 11);
  EXPECT_EQ(sealed.substr(0, 4), "mgi1");
  EXPECT_EQ(signer.Open("mgi:report:a", sealed), std::string("<p>\0binary", 11));
  // The same value under another key, a flipped bit anywhere, a truncation, an unsigned value,
  // an entry sealed with another key: all refused.
  EXPECT_EQ(signer.Open("mgi:report:b", sealed), std::nullopt);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_EQ(signer.Open("mgi:report:a", bad), std::nullopt) << "byte " << i;
  }
  EXPECT_EQ(signer.Open("mgi:report:a", sealed.substr(0, sealed.size() - 1)), std::nullopt);
  EXPECT_EQ(signer.Open("mgi:report:a", "<script>alert(1)</script>"), std::nullopt);
  EXPECT_EQ(signer.Open("mgi:report:a", ""), std::nullopt);
  CacheSigner other(kKey + "x");
  EXPECT_EQ(signer.Open("mgi:report:a", other.Seal("mgi:report:a", "v")), std::nullopt);
  // Key and value cannot be re-split: ("ab", "c") and ("a", "bc") have different tags.
  EXPECT_EQ(signer.Open("a", signer.Seal("ab", "c").replace(4 + 32, 1, "bc")), std::nullopt);
}

// ------------------------------------------------------------------------------------------
// Against a real redis-server

// A raw hiredis client to look behind the cache's back.
class RawRedis {
 public:
  explicit RawRedis(int port, const std::string& password = "", int db = 0) {
    c_ = redisConnect("127.0.0.1", port);
    if (!password.empty()) Command({"AUTH", password});
    if (db) Command({"SELECT", std::to_string(db)});
  }
  ~RawRedis() { redisFree(c_); }
  // The reply as text: the string, the integer, "(nil)", "ERR..." or "(io error)".
  std::string Command(std::vector<std::string> argv) {
    std::vector<const char*> p;
    std::vector<size_t> l;
    for (auto& a : argv) {
      p.push_back(a.data());
      l.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c_, argv.size(), p.data(), l.data()));
    if (!r) return "(io error)";
    std::string out;
    if (r->type == REDIS_REPLY_INTEGER)
      out = std::to_string(r->integer);
    else if (r->type == REDIS_REPLY_NIL)
      out = "(nil)";
    else
      out = std::string(r->str, r->len);
    freeReplyObject(r);
    return out;
  }

 private:
  redisContext* c_;
};

RedisCacheOptions Options(int port) {
  RedisCacheOptions o;
  o.port = port;
  o.hmac_key = kKey;
  o.prefix = "t:";
  o.connect_timeout = 200ms;
  o.command_timeout = 100ms;
  o.pool_size = 4;
  o.breaker_failures = 3;
  o.breaker_cooldown = 100ms;
  o.breaker_max_cooldown = 400ms;
  return o;
}

double CounterValue(MetricsRegistry& m, const std::string& name, const std::string& cache) {
  return m.GetCounter(name, "", {{"cache", cache}})->Value();
}

TEST(RedisCacheTest, HitMissPrefixAndMetrics) {
  auto redis = testing::RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  MetricsRegistry metrics;
  RedisCache cache(Options(redis->port()), &metrics, "catalog");
  EXPECT_EQ(cache.Get("indicator:1"), std::nullopt);
  std::string binary("a\0b\r\n", 5);
  cache.Set("indicator:1", binary, 60s);
  EXPECT_EQ(cache.Get("indicator:1"), binary);
  RawRedis raw(redis->port());
  // The prefix is applied; the value is sealed (magic + HMAC tag + value).
  std::string stored = raw.Command({"GET", "t:indicator:1"});
  EXPECT_EQ(stored, CacheSigner(kKey).Seal("t:indicator:1", binary));
  cache.Delete("indicator:1");
  EXPECT_EQ(cache.Get("indicator:1"), std::nullopt);
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_hits_total", "catalog"), 1);
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_misses_total", "catalog"), 2);
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_errors_total", "catalog"), 0);
  EXPECT_NE(metrics.Render().find("mgi_cache_breaker_state{cache=\"catalog\"} 0"),
            std::string::npos);

  // Typed helpers: a protobuf round trip; bytes that do not parse are a miss.
  google::rpc::BadRequest message;
  auto* v = message.add_field_violations();
  v->set_field("profile.domains[2].well_developed[0].text");
  v->set_description(std::string(20000, 'x'));
  SetProto(cache, CacheKey("proto", 1), message, 60s);
  auto back = GetProto<google::rpc::BadRequest>(cache, CacheKey("proto", 1));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->SerializeAsString(), message.SerializeAsString());
  cache.Set(CacheKey("proto", 2), "\xff\xff\xff", 60s);
  EXPECT_EQ(GetProto<google::rpc::BadRequest>(cache, CacheKey("proto", 2)), std::nullopt);
}

TEST(RedisCacheTest, AuthAndSelectFromConfigAndThePasswordIsNeverLogged) {
  const std::string password = "s3cret-Pa55-for-test";
  auto redis = testing::RedisServer::Start({"--requirepass", password});
  ASSERT_NE(redis, nullptr);
  std::string dir = testing::TempDir("redis-cache");
  std::string file = dir + "/password";
  std::ofstream(file) << password << "\n";

  LogCapture log;
  MetricsRegistry metrics;
  CacheConfig config;
  config.addr = redis->address();
  config.password_file = file;
  config.hmac_key_file = WriteFile("key", kKey + "\n");
  config.db = 5;
  config.prefix = "mgi:";
  auto cache = MakeCache(config, &metrics, "report");
  cache->Set("k", "in-db-5", 60s);
  EXPECT_EQ(cache->Get("k"), "in-db-5");
  EXPECT_EQ(RawRedis(redis->port(), password, 5).Command({"GET", "mgi:k"}),
            CacheSigner(kKey).Seal("mgi:k", "in-db-5"));
  EXPECT_EQ(RawRedis(redis->port(), password, 0).Command({"GET", "mgi:k"}), "(nil)");

  // A wrong password: every call is a miss, errors are counted, nothing throws.
  std::ofstream(file) << "wrong-" << password << "\n";
  auto bad = MakeCache(config, &metrics, "bad");
  EXPECT_EQ(bad->Get("k"), std::nullopt);
  bad->Set("k", "x", 60s);
  EXPECT_GE(CounterValue(metrics, "mgi_cache_errors_total", "bad"), 1);
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_hits_total", "bad"), 0);
  std::string text = log.Text();
  EXPECT_NE(text.find("AUTH"), std::string::npos) << text;    // the failure is explained...
  EXPECT_EQ(text.find(password), std::string::npos) << text;  // ...without the secret
}

TEST(RedisCacheTest, EntriesExpireAfterTheirTtl) {
  auto redis = testing::RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  RedisCache cache(Options(redis->port()), nullptr, "ttl");
  cache.Set("short", "v", 1s);
  cache.Set("long", "v", 0s);  // 0: the configured default (1 h)
  EXPECT_EQ(cache.Get("short"), "v");
  RawRedis raw(redis->port());
  int64_t pttl = std::stoll(raw.Command({"PTTL", "t:short"}));
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 1000);
  EXPECT_GT(std::stoll(raw.Command({"TTL", "t:long"})), 3500);
  // Poll with a deadline until Redis expires it.
  auto deadline = steady_clock::now() + 5s;
  while (cache.Get("short").has_value() && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(cache.Get("short"), std::nullopt);
  EXPECT_EQ(cache.Get("long"), "v");
}

// Someone with write access to Redis but without the key: forged, altered, moved and unsigned
// entries are misses, counted, and logged without their contents; replicas sharing the key
// share entries.
TEST(RedisCacheTest, ForgedOrCorruptedEntriesAreMissesCountedAndLoggedWithoutContents) {
  auto redis = testing::RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  LogCapture log;
  MetricsRegistry metrics;
  RedisCache cache(Options(redis->port()), &metrics, "report");
  RedisCache replica(Options(redis->port()), &metrics, "replica");
  RawRedis raw(redis->port());
  cache.Set("published", "genuine", 60s);
  EXPECT_EQ(replica.Get("published"), "genuine");  // same key: shared

  const std::string forged = "<script>forged-by-attacker</script>";
  raw.Command({"SET", "t:published", forged});  // unsigned
  EXPECT_EQ(cache.Get("published"), std::nullopt);
  std::string genuine = CacheSigner(kKey).Seal("t:published", "genuine");
  std::string flipped = genuine;
  flipped.back() = 'E';
  raw.Command({"SET", "t:published", flipped});  // corrupted
  EXPECT_EQ(cache.Get("published"), std::nullopt);
  raw.Command({"SET", "t:other", genuine});  // moved to another key
  EXPECT_EQ(cache.Get("other"), std::nullopt);
  RedisCacheOptions other_key = Options(redis->port());
  other_key.hmac_key = kKey + "-another-deployment";
  RedisCache other(other_key, nullptr, "other");
  other.Set("published", forged, 60s);  // sealed, with another key
  EXPECT_EQ(cache.Get("published"), std::nullopt);
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_rejected_total", "report"), 4);
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_misses_total", "report"), 4);
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_hits_total", "report"), 0);
  std::string text = log.Text();
  EXPECT_NE(text.find("failed authentication"), std::string::npos) << text;
  EXPECT_NE(text.find("t:published"), std::string::npos) << text;
  EXPECT_EQ(text.find("forged-by-attacker"), std::string::npos) << text;
  // A genuine entry written again is served again.
  cache.Set("published", "genuine", 60s);
  EXPECT_EQ(cache.Get("published"), "genuine");
}

// Several threads hammer the cache; Redis is killed in the middle. Every call returns (a value
// or a miss) within the timeouts; the breaker opens; after a restart the cache works again.
TEST(RedisCacheTest, RedisKilledDuringABurstThenRestarted) {
  auto redis = testing::RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  LogCapture log;
  MetricsRegistry metrics;
  RedisCache cache(Options(redis->port()), &metrics, "burst");
  for (int i = 0; i < 50; ++i) cache.Set("k" + std::to_string(i), "value", 60s);

  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0}, hits{0}, slowest_us{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        auto start = steady_clock::now();
        auto key = "k" + std::to_string((i + t) % 50);
        if (i % 5 == 0)
          cache.Set(key, "value", 60s);
        else if (cache.Get(key) == "value")
          hits++;
        int64_t us =
            std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - start)
                .count();
        int64_t prev = slowest_us.load();
        while (us > prev && !slowest_us.compare_exchange_weak(prev, us)) {
        }
        calls++;
      }
    });
  }
  auto wait_for = [](auto predicate, milliseconds timeout) {
    auto deadline = steady_clock::now() + timeout;
    while (!predicate() && steady_clock::now() < deadline) std::this_thread::yield();
    return predicate();
  };
  ASSERT_TRUE(wait_for([&] { return hits.load() > 500; }, 10s));
  redis->Kill();
  int64_t calls_at_kill = calls.load();
  EXPECT_TRUE(wait_for([&] { return cache.breaker_state() != State::kClosed; }, 5s));
  ASSERT_TRUE(wait_for([&] { return calls.load() > calls_at_kill + 2000; }, 10s));
  int64_t hits_while_down = hits.load();
  ASSERT_TRUE(redis->Restart());
  // Redis came back empty: the writers fill it again and readers hit once the breaker closes.
  EXPECT_TRUE(wait_for([&] { return hits.load() > hits_while_down + 500; }, 10s));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(cache.breaker_state(), State::kClosed);
  EXPECT_GT(CounterValue(metrics, "mgi_cache_errors_total", "burst"), 0);
  EXPECT_GT(CounterValue(metrics, "mgi_cache_bypassed_total", "burst"), 0);
  // No call hung. A call costs at most pool wait (command timeout, 100 ms) + connect (200 ms) +
  // command (100 ms); this is a liveness check, not a speed target, so the bound leaves room for a
  // thread descheduled on a loaded 2-core machine (seen: over 1 s at load 15) and still catches a
  // call stuck on a dead socket (hiredis without timeouts blocks for minutes).
  EXPECT_LT(slowest_us.load(), 5'000'000);
  // One warning for the whole outage (well under the 30 s interval), and the recovery.
  EXPECT_EQ(log.Count("unavailable"), 1) << log.Text();
  EXPECT_EQ(log.Count("reachable again"), 1) << log.Text();
}

// A Redis that stops answering (SIGSTOP): a call costs at most the command timeout; once the
// breaker is open a call never reaches the network; after SIGCONT the cache works again.
TEST(RedisCacheTest, SlowRedisCostsAtMostTheCommandTimeoutThenNothing) {
  auto redis = testing::RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  MetricsRegistry metrics;
  // A cooldown long enough for the 1000 calls below to all fall inside the open window, however
  // slow the machine (under ASan on a loaded 2-core machine they took 0.3 s, longer than the
  // usual 100 ms cooldown, so one became a half-open probe).
  RedisCacheOptions options = Options(redis->port());
  options.breaker_cooldown = 3s;
  options.breaker_max_cooldown = 3s;
  RedisCache cache(options, &metrics, "slow");
  cache.Set("k", "v", 60s);
  ASSERT_EQ(cache.Get("k"), "v");  // the pool holds a live connection

  redis->Pause();
  std::vector<double> ms;
  while (cache.breaker_state() == State::kClosed && ms.size() < 10) {
    auto start = steady_clock::now();
    EXPECT_EQ(cache.Get("k"), std::nullopt);
    ms.push_back(std::chrono::duration<double, std::milli>(steady_clock::now() - start).count());
  }
  ASSERT_EQ(ms.size(), 3u);  // breaker_failures
  for (double m : ms) {
    EXPECT_GE(m, 90);   // it did wait for Redis...
    EXPECT_LT(m, 300);  // ...not much longer than the command timeout (100 ms): CI slack
  }
  // Open: a flag check, no network. Every call is a bypass, none an error (a call that reached the
  // paused Redis would cost the command timeout and count as an error).
  double bypassed = CounterValue(metrics, "mgi_cache_bypassed_total", "slow");
  double errors = CounterValue(metrics, "mgi_cache_errors_total", "slow");
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(cache.Get("k"), std::nullopt);
  EXPECT_EQ(cache.breaker_state(), State::kOpen);
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_bypassed_total", "slow") - bypassed, 1000);
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_errors_total", "slow"), errors);

  redis->Resume();
  auto deadline = steady_clock::now() + 10s;
  while (cache.Get("k") != "v" && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(cache.Get("k"), "v");
  EXPECT_EQ(cache.breaker_state(), State::kClosed);
}

// More threads than connections and a Redis that answers, but slowly (DEBUG SLEEP from another
// client): calls that wait too long for a connection miss, yet the breaker stays closed (a
// saturated pool is no Redis failure) and the warning names the pool, not Redis.
TEST(RedisCacheTest, SaturatedPoolNeverOpensTheBreaker) {
  auto redis = testing::RedisServer::Start({"--enable-debug-command", "yes"});
  ASSERT_NE(redis, nullptr);
  LogCapture log;
  MetricsRegistry metrics;
  RedisCacheOptions o = Options(redis->port());
  o.pool_size = 1;
  o.command_timeout = 150ms;
  o.breaker_failures = 1;  // any Redis failure would open it at once
  RedisCache cache(o, &metrics, "busy");
  cache.Set("k", "v", 60s);
  std::atomic<bool> stop{false};
  std::thread sleeper([&] {
    RawRedis raw(redis->port());
    for (int i = 0; i < 15; ++i) EXPECT_EQ(raw.Command({"DEBUG", "SLEEP", "0.04"}), "OK");
    stop = true;
  });
  std::atomic<int> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        if (cache.Get("k") == "v") hits++;
        EXPECT_EQ(cache.breaker_state(), State::kClosed);
      }
    });
  }
  sleeper.join();
  for (auto& t : threads) t.join();
  EXPECT_GT(hits.load(), 0);
  EXPECT_GT(CounterValue(metrics, "mgi_cache_errors_total", "busy"), 0) << "no saturation seen";
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_bypassed_total", "busy"), 0);
  EXPECT_EQ(log.Count("connections busy"), 1) << log.Text();
  EXPECT_EQ(log.Count("unavailable"), 0) << log.Text();
  EXPECT_EQ(cache.Get("k"), "v");
}

// Nothing listens: with a fake clock, thousands of calls log one warning per interval.
TEST(RedisCacheTest, RedisDownAtStartWarnsOncePerInterval) {
  int port = testing::FreePort();
  FakeClock clock;
  LogCapture log;
  MetricsRegistry metrics;
  RedisCacheOptions o = Options(port);
  o.warn_interval = 30s;
  o.breaker_cooldown = 1s;
  RedisCache cache(o, &metrics, "down", &clock);
  for (int i = 0; i < 2000; ++i) {
    EXPECT_EQ(cache.Get("k"), std::nullopt);
    cache.Set("k", "v", 60s);
    cache.Delete("k");
  }
  EXPECT_EQ(cache.breaker_state(), State::kOpen);
  EXPECT_EQ(log.Count("unavailable"), 1) << log.Text();
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_errors_total", "down"), 3);  // then the breaker
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_dropped_writes_total", "down"), 4000);
  EXPECT_EQ(cache.open_connections(), 0);
  clock.Advance(31s);  // a probe is let through, fails; the interval has passed
  EXPECT_EQ(cache.Get("k"), std::nullopt);
  EXPECT_EQ(log.Count("unavailable"), 2) << log.Text();
  EXPECT_EQ(CounterValue(metrics, "mgi_cache_errors_total", "down"), 4);
}

}  // namespace
}  // namespace mgi
