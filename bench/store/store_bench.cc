// mgi-store-bench: the assessment's two stores side by side. For each store: GetProfile (Get of
// one of N published profiles), ListProfiles (a page of 50 in the default order) and UpdateProfile
// (read, then the etag compare-and-swap commit of a new revision, retried on ABORTED), each for a
// fixed time on --threads threads. Prints operations per second and PostgreSQL / SQLite ratios.
// Usage: mgi-store-bench [--seconds=3] [--threads=4] [--profiles=200]
// [--database-url=postgresql://...] Without --database-url it starts its own PostgreSQL (initdb
// into a temporary directory).
#include <google/protobuf/util/json_util.h>

#include <atomic>
#include <chrono>
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
  return 0;
}
