// mgi-cache-bench: what a cache hit costs against what it saves. Reads a published profile
// (~20 KB as protobuf) from its source (the JSON document on disk, parsed into the proto, as the
// assessment service's import does) and from Redis through mgi::RedisCache (GetProto), plus a
// miss, a read while Redis is down (breaker open) and a multi-threaded warm read.
// Usage: mgi-cache-bench [--iterations=2000] [--threads=4] [--profile=<json>] [--copies=2]
//        [--redis-addr=...]   (--copies repeats the profile's domain findings: 2 gives ~19 KB)
// Without --redis-addr it starts its own redis-server on a free loopback port.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include "common/cache_config.h"
#include "common/config.h"
#include "common/redis_cache.h"
#include "harness.h"
#include "mgi/assessment/v1/assessment_service.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
using mgi::assessment::v1::Profile;
using mgi::assessment::v1::ProfileDocument;

struct Stats {
  double p50, p90, p99, mean;
};

Stats Measure(int64_t iterations, const std::function<void()>& body) {
  for (int i = 0; i < std::min<int64_t>(iterations / 10 + 1, 100); ++i) body();  // warm-up
  std::vector<double> us;
  us.reserve(iterations);
  for (int64_t i = 0; i < iterations; ++i) {
    auto start = Clock::now();
    body();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  auto at = [&](double q) { return us[std::min(us.size() - 1, size_t(q * us.size()))]; };
  return {at(0.5), at(0.9), at(0.99), sum / us.size()};
}

void Row(const char* what, const Stats& s) {
  std::printf("| %-44s | %9.1f | %9.1f | %9.1f | %9.1f |\n", what, s.p50, s.p90, s.p99, s.mean);
}

bool ReadProfile(const std::string& path, Profile* out) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  ProfileDocument doc;
  if (!in || !google::protobuf::util::JsonStringToMessage(text.str(), &doc).ok() ||
      doc.profiles_size() == 0) {
    return false;
  }
  *out = doc.profiles(0);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  mgi::Config config("cache-bench");
  int64_t iterations = 2000;
  int64_t threads = 4;
  std::string profile_path = std::string(MGI_DATA_DIR) + "/profiles/gtm-2022.json";
  mgi::CacheConfig cache_config;
  config.Int("iterations", &iterations, "Measured calls per case", 10, 10'000'000);
  config.Int("threads", &threads, "Threads for the concurrent warm read", 1, 64);
  config.String("profile", &profile_path, "A ProfileDocument JSON file (its first profile)");
  int64_t copies = 2;
  config.Int("copies", &copies, "Times the profile's domain findings are repeated (size)", 1, 100);
  mgi::RegisterCacheFlags(config, &cache_config);
  if (int rc = mgi::ParseOrExit(config, argc, argv); rc >= 0) return rc;
  spdlog::set_level(spdlog::level::err);  // the fail-open warning would cut the table

  std::unique_ptr<mgi::testing::RedisServer> own_redis;
  if (cache_config.addr.empty()) {
    own_redis = mgi::testing::RedisServer::Start();
    if (!own_redis) {
      std::fprintf(stderr, "could not start redis-server\n");
      return 1;
    }
    cache_config.addr = own_redis->address();
  }
  cache_config.prefix = "mgi-bench:";
  Profile profile;
  if (!ReadProfile(profile_path, &profile)) {
    std::fprintf(stderr, "cannot read a profile from %s\n", profile_path.c_str());
    return 1;
  }
  const Profile original = profile;
  for (int64_t i = 1; i < copies; ++i) {
    for (const auto& d : original.domains()) *profile.add_domains() = d;
  }
  std::string bytes = profile.SerializeAsString();
  mgi::MetricsRegistry metrics;
  auto cache = mgi::MakeCache(cache_config, &metrics, "bench");
  const std::string key = mgi::CacheKey("profile", profile.name(), "bench-revision");
  mgi::SetProto(*cache, key, profile, std::chrono::seconds(600));
  if (!mgi::GetProto<Profile>(*cache, key)) {
    std::fprintf(stderr, "redis at %s did not return what was set\n", cache_config.addr.c_str());
    return 1;
  }

  std::printf("profile %s (findings x%lld): %zu bytes as protobuf; redis %s; %lld iterations\n\n",
              profile.name().c_str(), static_cast<long long>(copies), bytes.size(),
              cache_config.addr.c_str(), static_cast<long long>(iterations));
  std::printf("| %-44s | %9s | %9s | %9s | %9s |\n", "case (microseconds per call)", "p50", "p90",
              "p99", "mean");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str());
  Row("source: read JSON file + parse to proto", Measure(iterations, [&] {
        Profile p;
        if (!ReadProfile(profile_path, &p)) std::abort();
        for (int64_t i = 1; i < copies; ++i) {
          for (const auto& d : original.domains()) *p.add_domains() = d;
        }
      }));
  Row("proto parse only (from memory)", Measure(iterations, [&] {
        Profile p;
        if (!p.ParseFromString(bytes)) std::abort();
      }));
  Row("cache hit: GetProto from Redis", Measure(iterations, [&] {
        if (!mgi::GetProto<Profile>(*cache, key)) std::abort();
      }));
  Row("cache miss: absent key", Measure(iterations, [&] {
        if (mgi::GetProto<Profile>(*cache, "absent")) std::abort();
      }));
  Row("cache set: SetProto", Measure(iterations, [&] {
        mgi::SetProto(*cache, key, profile, std::chrono::seconds(600));
      }));

  // Concurrent warm reads: wall time per call across `threads` threads.
  {
    auto start = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (int64_t i = 0; i < iterations; ++i) {
          if (!mgi::GetProto<Profile>(*cache, key)) std::abort();
        }
      });
    }
    for (auto& t : pool) t.join();
    double total_us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    double per_call = total_us / double(iterations * threads);
    char label[64];
    std::snprintf(label, sizeof label, "cache hit, %lld threads (wall time / call)",
                  static_cast<long long>(threads));
    Row(label, {per_call, per_call, per_call, per_call});
  }

  if (own_redis) {
    own_redis->Kill();
    for (int i = 0; i < 10 && cache->Get(key); ++i) {
    }
    Row("redis down, breaker open: Get (miss)", Measure(iterations, [&] {
          if (mgi::GetProto<Profile>(*cache, key)) std::abort();
        }));
  }
  std::printf("\n%s", metrics.Render().c_str());
  return 0;
}
