// mgi-cache-bench: what a cache hit costs against what it saves. Reads a published profile
// (~20 KB as protobuf) from its source (the JSON document on disk, parsed into the proto, as the
// assessment service's import does) and from Redis through mgi::RedisCache (GetProto), plus a
// miss, a read while Redis is down (breaker open) and a multi-threaded warm read.
// Usage: mgi-cache-bench [--iterations=2000] [--threads=4] [--profile=<json>] [--copies=2]
//        [--redis-addr=...]   (--copies repeats the profile's domain findings: 2 gives ~19 KB)
// Without --redis-addr it starts its own redis-server on a free loopback port.
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "services/common/cache_config.h"
#include "services/common/config.h"
#include "services/common/redis_cache.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#ifdef MGI_BENCH_SQLITE
#include "services/assessment/sqlite_profile_store.h"
#endif

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

// A redis-server of our own on a free loopback port, without persistence.
class OwnRedis {
 public:
  bool Start() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      close(fd);
      return false;
    }
    close(fd);
    port_ = ntohs(addr.sin_port);
    std::string port = std::to_string(port_);
    pid_ = fork();
    if (pid_ == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execl("/usr/bin/redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--loglevel", "warning",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      timeval tv{0, 100000};
      redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
      bool up = c != nullptr && c->err == 0;
      if (c) redisFree(c);
      if (up) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling with a deadline
    }
    return false;
  }
  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  ~OwnRedis() { Kill(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

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

  std::unique_ptr<OwnRedis> own_redis;
  if (cache_config.addr.empty()) {
    own_redis = std::make_unique<OwnRedis>();
    if (!own_redis->Start()) {
      std::fprintf(stderr, "could not start redis-server\n");
      return 1;
    }
    cache_config.addr = own_redis->address();
  }
  if (cache_config.hmac_key_file.empty()) {  // the bench's own key (values are authenticated)
    cache_config.hmac_key_file = std::filesystem::temp_directory_path() /
                                 ("mgi-cache-bench-key-" + std::to_string(getpid()));
    std::ofstream(cache_config.hmac_key_file) << "cache-bench-key-0123456789abcdef0123456789\n";
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
#ifdef MGI_BENCH_SQLITE
  // The assessment service's source of truth: a point read in its SQLite store.
  char dir_template[] = "/tmp/mgi-cache-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return 1;
  std::string db_path = std::string(dir_template) + "/assessment.db";
  auto store = mgi::assessment::SqliteProfileStore::Open(db_path);
  if (!store.ok()) {
    std::fprintf(stderr, "sqlite: %s\n", store.status().ToString().c_str());
    return 1;
  }
  {
    mgi::assessment::ProfileWrite write;
    write.profile = profile;
    write.revision.set_name(profile.name() + "/revisions/1");
    write.revision.set_revision(1);
    *write.revision.mutable_snapshot() = profile;
    if (auto st = (*store)->Commit({write}); !st.ok()) {
      std::fprintf(stderr, "sqlite: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  Row("source: SqliteProfileStore::Get (point read)", Measure(iterations, [&] {
        if (!(*store)->Get(profile.name()).ok()) std::abort();
      }));
#endif
  Row("cache hit: GetProto from Redis", Measure(iterations, [&] {
        if (!mgi::GetProto<Profile>(*cache, key)) std::abort();
      }));
  Row("cache miss: absent key", Measure(iterations, [&] {
        if (mgi::GetProto<Profile>(*cache, "absent")) std::abort();
      }));
  Row("cache set: SetProto",
      Measure(iterations, [&] { mgi::SetProto(*cache, key, profile, std::chrono::seconds(600)); }));

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
