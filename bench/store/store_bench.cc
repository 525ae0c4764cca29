// mgi-store-bench: the assessment's two stores side by side. For each store: GetProfile (Get of
// one of N published profiles), ListProfiles (a page of 50 in the default order) and UpdateProfile
// (read, then the etag compare-and-swap commit of a new revision, retried on ABORTED), each for a
// fixed time on --threads threads. Prints operations per second and PostgreSQL / SQLite ratios.
// Then, on PostgreSQL, the change feed's wake-up of another replica: the delay from the start of
// a commit through one store instance to the LISTEN/NOTIFY call-back of another (p50/p99), next
// to the commit's own latency in the same run.
// Usage: mgi-store-bench [--seconds=3] [--threads=4] [--profiles=200]
// [--database-url=postgresql://...] Without --database-url it starts its own PostgreSQL (initdb
// into a temporary directory).
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "pg_server.h"
#include "services/assessment/store_factory.h"

namespace {

using mgi::assessment::Profile;
using mgi::assessment::ProfileStore;
using mgi::assessment::ProfileWrite;

struct Options {
  double seconds = 3;
  int threads = 4;
  int profiles = 200;
  std::string url;
};

Profile Sample() {
  std::ifstream in(mgi::testing::SourceDir() + "/data/profiles/gtm-2022.json");
  std::stringstream buf;
  buf << in.rdbuf();
  mgi::assessment::v1::ProfileDocument doc;
  if (!google::protobuf::util::JsonStringToMessage(buf.str(), &doc).ok() ||
      doc.profiles().empty()) {
    std::fprintf(stderr, "cannot read data/profiles/gtm-2022.json\n");
    std::exit(1);
  }
  return doc.profiles(0);
}

// Operations per second of `op` on `threads` threads for `seconds`.
double Throughput(const Options& o, const std::function<bool(int thread, int64_t i)>& op) {
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0; !stop; ++i) {
        if (!op(t, i)) failed = true;
        ++done;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));  // the measuring window
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) std::fprintf(stderr, "warning: some operations failed\n");
  return done / elapsed;
}

struct Result {
  double get, list, update;
};

Result Run(const Options& o, ProfileStore& store) {
  Profile base = Sample();
  base.set_state(mgi::assessment::v1::PROFILE_STATE_PUBLISHED);
  for (int i = 0; i < o.profiles; ++i) {
    ProfileWrite w;
    w.profile = base;
    w.profile.set_name("profiles/bench-" + std::to_string(i));
    w.profile.set_edition(1 + i % 5);
    w.profile.set_revision(1);
    w.profile.set_etag("\"b" + std::to_string(i) + "-1\"");
    w.revision.set_action(mgi::assessment::v1::Revision::ACTION_CREATE);
    if (auto s = store.Commit({w}); !s.ok()) {
      std::fprintf(stderr, "seeding: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  auto name = [&](int64_t i) { return "profiles/bench-" + std::to_string(i % o.profiles); };
  Result r;
  r.get = Throughput(o, [&](int, int64_t i) { return store.Get(name(i * 7919)).ok(); });
  r.list =
      Throughput(o, [&](int, int64_t i) { return store.List({}, (i * 50) % o.profiles, 50).ok(); });
  r.update = Throughput(o, [&](int t, int64_t i) {
    // Each thread its own profiles: the cost of a write, not of contention.
    std::string n = name(t + o.threads * (i % (o.profiles / o.threads)));
    for (;;) {
      auto p = store.Get(n);
      if (!p.ok()) return false;
      ProfileWrite w;
      w.kind = ProfileWrite::Kind::kReplace;
      w.expected_etag = p->etag();
      w.profile = *p;
      w.profile.set_revision(p->revision() + 1);
      w.profile.set_etag("\"" + n + "-" + std::to_string(p->revision() + 1) + "\"");
      w.revision.set_action(mgi::assessment::v1::Revision::ACTION_UPDATE);
      absl::Status s = store.Commit({w});
      if (!absl::IsAborted(s)) return s.ok();
    }
  });
  return r;
}

// The delay from the start of a commit through `writer` to the change call-back on `watched`
// (another instance on the same database), and the commit's own latency, over `n` commits one
// after the other; milliseconds, sorted.
struct WakeDelays {
  std::vector<double> wake, commit;
};
WakeDelays MeasureWake(ProfileStore& writer, ProfileStore& watched, int n) {
  using Clock = std::chrono::steady_clock;
  std::mutex mu;
  std::condition_variable cv;
  int64_t calls = 0;
  Clock::time_point last_call;
  auto subscription = watched.SubscribeChanges([&] {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    last_call = Clock::now();
    cv.notify_all();
  });
  WakeDelays d;
  if (!subscription) return d;
  {  // the listener's first call (it is listening now)
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls > 0; });
  }
  Profile p = Sample();
  p.set_name("profiles/bench-wake");
  for (int i = 1; i <= n; ++i) {
    ProfileWrite w;
    w.kind = i == 1 ? ProfileWrite::Kind::kCreate : ProfileWrite::Kind::kReplace;
    w.expected_etag = p.etag();
    p.set_revision(i);
    p.set_etag("\"wake-" + std::to_string(i) + "\"");
    w.profile = p;
    w.revision.set_action(mgi::assessment::v1::Revision::ACTION_UPDATE);
    int64_t before;
    {
      std::lock_guard<std::mutex> lock(mu);
      before = calls;
    }
    auto start = Clock::now();
    if (!writer.Commit({w}).ok()) return d;
    auto committed = Clock::now();
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls > before; })) return d;
    d.wake.push_back(std::chrono::duration<double, std::milli>(last_call - start).count());
    d.commit.push_back(std::chrono::duration<double, std::milli>(committed - start).count());
  }
  std::sort(d.wake.begin(), d.wake.end());
  std::sort(d.commit.begin(), d.commit.end());
  return d;
}

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) { return a.substr(std::strlen(flag)); };
    if (a.rfind("--seconds=", 0) == 0)
      o.seconds = std::stod(value("--seconds="));
    else if (a.rfind("--threads=", 0) == 0)
      o.threads = std::stoi(value("--threads="));
    else if (a.rfind("--profiles=", 0) == 0)
      o.profiles = std::stoi(value("--profiles="));
    else if (a.rfind("--database-url=", 0) == 0)
      o.url = value("--database-url=");
    else {
      std::fprintf(stderr,
                   "usage: %s [--seconds=3] [--threads=4] [--profiles=200] "
                   "[--database-url=postgresql://...]\n",
                   argv[0]);
      return 2;
    }
  }
  std::unique_ptr<mgi::testing::PostgresServer> server;
  if (o.url.empty()) {
    server = mgi::testing::PostgresServer::Start();
    if (!server) return 1;
    o.url = server->Url(server->CreateDatabase());
  }
  mgi::assessment::DatabaseOptions db;
  db.pool_size = o.threads;
  std::string sqlite_url = "sqlite:" + mgi::testing::TempDir("store-bench") + "/bench.db";
  auto sqlite = mgi::assessment::OpenProfileStore(sqlite_url, db);
  auto pg = mgi::assessment::OpenProfileStore(o.url, db);
  if (!sqlite.ok() || !pg.ok()) {
    std::fprintf(stderr, "%s %s\n", sqlite.status().ToString().c_str(),
                 pg.status().ToString().c_str());
    return 1;
  }
  std::printf("mgi-store-bench: %d profiles (~%zu KB each), %d threads, %.1f s per operation\n",
              o.profiles, Sample().ByteSizeLong() / 1024, o.threads, o.seconds);
  Result s = Run(o, **sqlite);
  Result p = Run(o, **pg);
  std::printf("%-14s %14s %14s %18s\n", "operation", "SQLite op/s", "PostgreSQL op/s",
              "PostgreSQL/SQLite");
  auto row = [](const char* op, double a, double b) {
    std::printf("%-14s %14.0f %14.0f %18.2f\n", op, a, b, b / a);
  };
  row("GetProfile", s.get, p.get);
  row("ListProfiles", s.list, p.list);
  row("UpdateProfile", s.update, p.update);

  auto other = mgi::assessment::OpenProfileStore(o.url, db);
  if (!other.ok()) return 1;
  WakeDelays d = MeasureWake(**pg, **other, 200);
  if (d.wake.size() != 200) {
    std::fprintf(stderr, "the other replica was not woken by every commit\n");
    return 1;
  }
  std::printf("\nchange feed on PostgreSQL, %zu commits through one replica, LISTEN/NOTIFY on another:\n",
              d.wake.size());
  std::printf("%-28s %10s %10s\n", "", "p50 ms", "p99 ms");
  std::printf("%-28s %10.2f %10.2f\n", "commit (its own latency)", Quantile(d.commit, 0.5),
              Quantile(d.commit, 0.99));
  std::printf("%-28s %10.2f %10.2f\n", "commit start -> other woken", Quantile(d.wake, 0.5),
              Quantile(d.wake, 0.99));
  std::printf("%-28s %10.2f %10.2f\n", "ratio woken / commit",
              Quantile(d.wake, 0.5) / Quantile(d.commit, 0.5),
              Quantile(d.wake, 0.99) / Quantile(d.commit, 0.99));
  return 0;
}
