// The Redis cache through the real binaries and a real redis-server on a free loopback port:
// hits and misses seen in each service's /metrics, invalidation after every kind of write with
// two assessment replicas sharing one SQLite file and one Redis, and the failure cases (Redis
// killed during a burst, restarted, paused with SIGSTOP): no call fails and health stays SERVING.
#include <arpa/inet.h>
#include <google/api/httpbody.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>

#include "services/common/auth.h"
#include "harness.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"
#include "mgi/report/v1/report_service.grpc.pb.h"

namespace mgi {
namespace {

namespace av1 = mgi::assessment::v1;
namespace cv1 = mgi::catalog::v1;
namespace rv1 = mgi::report::v1;
using mgi::testing::FreePort;
using mgi::testing::RedisServer;
using mgi::testing::StartService;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const std::vector<std::string> kEnv = {"MGI_AUTH_DISABLED=true"};
// Access control on, no token file, public read on: every caller is anonymous, as on the
// internet; only what an anonymous caller may read is publicly cacheable.
const std::vector<std::string> kPublicEnv = {"MGI_PUBLIC_READ=true"};

struct HttpReply {
  int status = 0;
  std::string head;  // status line and headers, lower-cased
  std::string body;
  // The value of header `name` (lower case), "" when absent.
  std::string Header(const std::string& name) const {
    size_t p = head.find("\r\n" + name + ":");
    if (p == std::string::npos) return "";
    p += name.size() + 3;
    while (p < head.size() && head[p] == ' ') ++p;
    return head.substr(p, head.find("\r\n", p) - p);
  }
};

// GET http://127.0.0.1:port/path with `headers` ("Name: value" lines); status 0 on failure.
HttpReply HttpGet(int port, const std::string& path, const std::string& headers = "") {
  HttpReply reply;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + "\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  size_t end = out.find("\r\n\r\n");
  if (end == std::string::npos || out.size() < 12) return reply;
  reply.status = std::atoi(out.substr(9, 3).c_str());
  reply.head = out.substr(0, end + 2);
  for (char& c : reply.head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  reply.body = out.substr(end + 4);
  return reply;
}

// The value of `name{cache="<cache>"}` on the metrics page of `port` (-1 when absent).
double Metric(int metrics_port, const std::string& series) {
  std::istringstream page(HttpGet(metrics_port, "/metrics").body);
  std::string prefix = series + " ";
  for (std::string line; std::getline(page, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
  }
  return -1;
}
double CacheMetric(int metrics_port, const std::string& name, const std::string& cache) {
  return Metric(metrics_port, name + "{cache=\"" + cache + "\"}");
}

std::unique_ptr<grpc::ClientContext> Ctx(milliseconds deadline = milliseconds(10000)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  ctx->AddMetadata("x-mgi-actor", "alice");
  return ctx;
}

// A service started with a metrics port.
struct Monitored {
  mgi::testing::Service service;
  int metrics_port = 0;
  double Metric(const std::string& name, const std::string& cache) const {
    return CacheMetric(metrics_port, name, cache);
  }
};

Monitored Start(const std::string& binary, std::vector<std::string> args) {
  Monitored m;
  m.metrics_port = FreePort();
  args.push_back("--metrics-port=" + std::to_string(m.metrics_port));
  auto s = StartService(binary, args, kEnv);
  EXPECT_TRUE(s.has_value()) << binary << " did not start";
  if (s) m.service = std::move(*s);
  return m;
}

// The deployment's cache HMAC key file (one for every test process, like one per release).
const std::string& KeyFile() {
  static const std::string path = [] {
    std::string p = mgi::testing::TempDir("cache-key") + "/cache-hmac-key";
    std::ofstream(p) << "integration-test-key-0123456789abcdef0123456789abcdef\n";
    return p;
  }();
  return path;
}

std::vector<std::string> RedisArgs(const RedisServer& redis) {
  return {"--redis-addr=" + redis.address(), "--redis-command-timeout=100ms",
          "--redis-connect-timeout=250ms", "--redis-breaker-cooldown=200ms",
          "--cache-hmac-key-file=" + KeyFile()};
}

// A raw, binary-safe Redis client behind the services' backs: what an attacker on the network
// with access to an unauthenticated Redis could do.
class RawRedis {
 public:
  explicit RawRedis(int port) : c_(redisConnect("127.0.0.1", port)) {}
  ~RawRedis() { redisFree(c_); }
  // Every key matching `pattern`.
  std::vector<std::string> Keys(const std::string& pattern) {
    std::vector<std::string> out;
    auto* r = static_cast<redisReply*>(redisCommand(c_, "KEYS %b", pattern.data(), pattern.size()));
    if (r == nullptr) return out;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; ++i) {
      out.emplace_back(r->element[i]->str, r->element[i]->len);
    }
    freeReplyObject(r);
    return out;
  }
  bool Set(const std::string& key, const std::string& value) {
    auto* r = static_cast<redisReply*>(
        redisCommand(c_, "SET %b %b", key.data(), key.size(), value.data(), value.size()));
    bool ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
    if (r) freeReplyObject(r);
    return ok;
  }

 private:
  redisContext* c_;
};

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Runs `call` from `threads` threads, `per_thread` times each; after `trigger_after` calls have
// completed, runs `action` once (from the calling thread) while the burst goes on. Returns the
// number of failed calls and the slowest call.
struct BurstResult {
  int failures = 0;
  milliseconds slowest{0};
  std::string first_error;
};
BurstResult Burst(int threads, int per_thread, int trigger_after,
                  const std::function<grpc::Status()>& call, const std::function<void()>& action) {
  std::atomic<int> done{0}, failures{0};
  std::atomic<int64_t> slowest_ms{0};
  std::mutex mu;
  std::string first_error;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        auto start = Clock::now();
        grpc::Status s = call();
        int64_t ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
        for (int64_t cur = slowest_ms; ms > cur && !slowest_ms.compare_exchange_weak(cur, ms);) {
        }
        if (!s.ok()) {
          failures++;
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.empty()) first_error = s.error_message();
        }
        done++;
      }
    });
  }
  while (done < trigger_after && done < threads * per_thread) std::this_thread::yield();
  action();
  for (auto& t : pool) t.join();
  return {failures.load(), milliseconds(slowest_ms.load()), first_error};
}

// Calls `call` until the metric `name` of `m` exceeds `above`, or the deadline passes.
bool CallUntilMetricAbove(const Monitored& m, const std::string& name, const std::string& cache,
                          double above, const std::function<grpc::Status()>& call) {
  auto deadline = Clock::now() + milliseconds(15000);
  while (Clock::now() < deadline) {
    EXPECT_TRUE(call().ok());
    if (m.Metric(name, cache) > above) return true;
  }
  return false;
}

bool Serving(const Monitored& m) {
  return mgi::testing::WaitForServing(m.service.address, milliseconds(2000));
}

// ---------------------------------------------------------------------------------------------
// Catalog

class CacheCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = RedisServer::Start();
    ASSERT_NE(redis_, nullptr);
    catalog_ = Start("mgi-catalog", RedisArgs(*redis_));
    stub_ = cv1::CatalogService::NewStub(
        grpc::CreateChannel(catalog_.service.address, grpc::InsecureChannelCredentials()));
  }
  grpc::Status List(cv1::ListIndicatorsResponse* out, const std::string& language = "en") {
    cv1::ListIndicatorsRequest req;
    req.set_page_size(7);
    req.set_language(language);
    return stub_->ListIndicators(Ctx().get(), req, out);
  }
  double Hits() { return catalog_.Metric("mgi_cache_hits_total", "catalog"); }
  double Misses() { return catalog_.Metric("mgi_cache_misses_total", "catalog"); }

  std::unique_ptr<RedisServer> redis_;
  Monitored catalog_;
  std::unique_ptr<cv1::CatalogService::Stub> stub_;
};

// The catalog's data is immutable and in memory: it keeps Redis off its read path even when the
// suite gives it a Redis address (a round trip costs more than the lookup; docs/performance.md).
TEST_F(CacheCatalogTest, ReadsNeverTouchRedisEvenWhenConfigured) {
  cv1::ListIndicatorsResponse first, second, french;
  ASSERT_TRUE(List(&first).ok());
  ASSERT_TRUE(List(&second).ok());
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  ASSERT_GT(first.indicators_size(), 0);
  ASSERT_TRUE(List(&french, "fr").ok());
  EXPECT_NE(french.indicators(0).text(), first.indicators(0).text());
  cv1::GetIndicatorRequest get;
  get.set_name(first.indicators(0).name());
  cv1::Indicator a;
  ASSERT_TRUE(stub_->GetIndicator(Ctx().get(), get, &a).ok());
  cv1::SearchIndicatorsRequest search;
  search.set_query("migration");
  cv1::SearchIndicatorsResponse s1;
  ASSERT_TRUE(stub_->SearchIndicators(Ctx().get(), search, &s1).ok());
  cv1::GetCountryRequest country;
  country.set_name("countries/GTM");
  cv1::Country c;
  ASSERT_TRUE(stub_->GetCountry(Ctx().get(), country, &c).ok());
  EXPECT_EQ(redis_->Command("DBSIZE"), ":0");
  EXPECT_LE(Hits(), 0);
  EXPECT_LE(Misses(), 0);
}

TEST_F(CacheCatalogTest, AKilledOrPausedRedisChangesNothing) {
  cv1::ListIndicatorsResponse out;
  ASSERT_TRUE(List(&out).ok());
  auto call = [&] {
    cv1::ListIndicatorsResponse r;
    grpc::Status s = List(&r);
    if (s.ok() && r.SerializeAsString() != out.SerializeAsString()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "different answer");
    }
    return s;
  };
  redis_->Pause();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(call().ok()) << "call " << i;
  redis_->Resume();
  BurstResult r = Burst(6, 60, 60, call, [&] { redis_->Kill(); });
  EXPECT_EQ(r.failures, 0) << r.first_error;
  EXPECT_TRUE(Serving(catalog_));
  EXPECT_LE(catalog_.Metric("mgi_cache_errors_total", "catalog"), 0);
}

// ---------------------------------------------------------------------------------------------
// Assessment: two replicas on one SQLite file and one Redis.

class CacheAssessmentTest : public ::testing::Test {
 protected:
  // These tests are about the shared Redis cache: the in-process near cache in front of it is
  // off (NearCacheAssessmentTest below covers it).
  virtual std::vector<std::string> NearCacheArgs() const { return {"--near-cache-entries=0"}; }
  void SetUp() override {
    redis_ = RedisServer::Start();
    ASSERT_NE(redis_, nullptr);
    auto c = StartService("mgi-catalog", {"--country-languages=fr,es"}, kEnv);
    ASSERT_TRUE(c.has_value());
    catalog_ = std::move(*c);
    std::string db = mgi::testing::TempDir("cache-assessment") + "/a.db";
    auto common = Concat(Concat(RedisArgs(*redis_), {"--db=" + db, "--catalog-addr=" + catalog_.address}),
                         NearCacheArgs());
    a_ = Start("mgi-assessment",
               Concat(common, {"--seed-dir=" + mgi::testing::DataDir() + "/profiles"}));
    b_ = Start("mgi-assessment", common);
    stub_a_ = av1::AssessmentService::NewStub(
        grpc::CreateChannel(a_.service.address, grpc::InsecureChannelCredentials()));
    stub_b_ = av1::AssessmentService::NewStub(
        grpc::CreateChannel(b_.service.address, grpc::InsecureChannelCredentials()));
  }
  av1::Profile Get(av1::AssessmentService::Stub* stub, const std::string& name,
                   const std::string& language = "en") {
    av1::GetProfileRequest req;
    req.set_name(name);
    req.set_language(language);
    av1::Profile p;
    grpc::Status s = stub->GetProfile(Ctx().get(), req, &p);
    EXPECT_TRUE(s.ok()) << name << ": " << s.error_message();
    return p;
  }
  grpc::Status GetStatus(av1::AssessmentService::Stub* stub, const std::string& name) {
    av1::GetProfileRequest req;
    req.set_name(name);
    req.set_language("en");
    av1::Profile p;
    return stub->GetProfile(Ctx().get(), req, &p);
  }

  std::unique_ptr<RedisServer> redis_;
  mgi::testing::Service catalog_;
  Monitored a_, b_;
  std::unique_ptr<av1::AssessmentService::Stub> stub_a_, stub_b_;
};

constexpr char kGtm[] = "profiles/gtm-2022";

TEST_F(CacheAssessmentTest, PublishedProfileMissThenHitOnBothReplicasInEveryLanguage) {
  av1::Profile en = Get(stub_b_.get(), kGtm);
  EXPECT_EQ(b_.Metric("mgi_cache_misses_total", "assessment"), 1);
  EXPECT_EQ(b_.Metric("mgi_cache_hits_total", "assessment"), 0);
  av1::Profile again = Get(stub_b_.get(), kGtm);
  EXPECT_EQ(b_.Metric("mgi_cache_hits_total", "assessment"), 1);
  EXPECT_EQ(en.SerializeAsString(), again.SerializeAsString());
  // Replica A finds what B stored; the display fields follow the language asked for.
  av1::Profile fr = Get(stub_a_.get(), kGtm, "fr");
  EXPECT_EQ(a_.Metric("mgi_cache_hits_total", "assessment"), 1);
  EXPECT_EQ(en.display_title(),
            "Migration Governance Profile: Republic of Guatemala - Second Profile");
  EXPECT_NE(fr.display_title(), en.display_title());
  EXPECT_EQ(fr.etag(), en.etag());
}

TEST_F(CacheAssessmentTest, EveryWriteOnOneReplicaIsSeenAtOnceOnTheOther) {
  // Warm B's entry of the published profile.
  av1::Profile published = Get(stub_b_.get(), kGtm);
  Get(stub_b_.get(), kGtm);
  ASSERT_EQ(b_.Metric("mgi_cache_hits_total", "assessment"), 1);

  // Import with overwrite through A: B serves the new text at once.
  av1::ExportProfilesRequest ex;
  ex.set_name(kGtm);
  av1::ProfileDocument doc;
  ASSERT_TRUE(stub_a_->ExportProfiles(Ctx().get(), ex, &doc).ok());
  ASSERT_EQ(doc.profiles_size(), 1);
  auto* finding = doc.mutable_profiles(0)->mutable_domains(0)->mutable_well_developed(0);
  (*finding->mutable_text())["en"] = "Changed by an import with overwrite.";
  av1::ImportProfilesRequest imp;
  *imp.mutable_document() = doc;
  imp.set_allow_overwrite(true);
  av1::ImportProfilesResponse imported;
  grpc::Status s = stub_a_->ImportProfiles(Ctx().get(), imp, &imported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  av1::Profile after_import = Get(stub_b_.get(), kGtm);
  EXPECT_NE(after_import.etag(), published.etag());
  EXPECT_EQ(after_import.domains(0).well_developed(0).display_text(),
            "Changed by an import with overwrite.");

  // New edition through A (a draft), updated, then published: B sees each step.
  av1::StartNewEditionRequest ne;
  ne.set_name(kGtm);
  ne.set_profile_id("gtm-2026");
  av1::Profile draft;
  s = stub_a_->StartNewEdition(Ctx().get(), ne, &draft);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Get(stub_b_.get(), draft.name()).state(), av1::PROFILE_STATE_DRAFT);
  av1::UpdateProfileRequest up;
  up.mutable_profile()->set_name(draft.name());
  up.mutable_profile()->set_etag(draft.etag());
  up.mutable_profile()->mutable_publication_month()->set_year(2026);
  up.mutable_profile()->mutable_publication_month()->set_month(11);
  up.mutable_update_mask()->add_paths("publication_month");
  av1::Profile updated;
  s = stub_a_->UpdateProfile(Ctx().get(), up, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Get(stub_b_.get(), draft.name()).publication_month().year(), 2026);
  av1::PublishProfileRequest pub;
  pub.set_name(draft.name());
  pub.set_etag(updated.etag());
  av1::Profile published2;
  s = stub_a_->PublishProfile(Ctx().get(), pub, &published2);
  ASSERT_TRUE(s.ok()) << s.error_message();
  av1::Profile seen = Get(stub_b_.get(), draft.name());
  EXPECT_EQ(seen.state(), av1::PROFILE_STATE_PUBLISHED);
  EXPECT_EQ(seen.etag(), published2.etag());
  double hits = b_.Metric("mgi_cache_hits_total", "assessment");
  EXPECT_EQ(Get(stub_b_.get(), draft.name()).etag(), published2.etag());
  EXPECT_EQ(b_.Metric("mgi_cache_hits_total", "assessment"), hits + 1);

  // Archive through A: B no longer serves the cached published version.
  av1::ArchiveProfileRequest arch;
  arch.set_name(draft.name());
  arch.set_etag(published2.etag());
  av1::Profile archived;
  ASSERT_TRUE(stub_a_->ArchiveProfile(Ctx().get(), arch, &archived).ok());
  seen = Get(stub_b_.get(), draft.name());
  EXPECT_EQ(seen.state(), av1::PROFILE_STATE_ARCHIVED);
  EXPECT_EQ(seen.etag(), archived.etag());

  // Delete (of a draft) through A: B answers NOT_FOUND.
  ne.set_name(kGtm);
  ne.set_profile_id("gtm-2027");
  av1::Profile other;
  ASSERT_TRUE(stub_a_->StartNewEdition(Ctx().get(), ne, &other).ok());
  Get(stub_b_.get(), other.name());
  av1::DeleteProfileRequest del;
  del.set_name(other.name());
  del.set_etag(other.etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub_a_->DeleteProfile(Ctx().get(), del, &empty).ok());
  EXPECT_EQ(GetStatus(stub_b_.get(), other.name()).error_code(), grpc::StatusCode::NOT_FOUND);
}

// The same two replicas with the near cache on (the default): a replica answers a published
// profile from memory, and never after another replica's write.
class NearCacheAssessmentTest : public CacheAssessmentTest {
 protected:
  std::vector<std::string> NearCacheArgs() const override { return {}; }
  double NearHits(const Monitored& m) { return m.Metric("mgi_near_cache_hits_total", "assessment"); }
};

TEST_F(NearCacheAssessmentTest, RepeatedReadsHitAndEveryWriteOnTheOtherReplicaIsSeenAtOnce) {
  av1::Profile published = Get(stub_b_.get(), kGtm);
  av1::Profile again = Get(stub_b_.get(), kGtm);
  EXPECT_EQ(NearHits(b_), 1);
  EXPECT_EQ(published.SerializeAsString(), again.SerializeAsString());
  // Another language is another entry, with its own display fields.
  av1::Profile fr = Get(stub_b_.get(), kGtm, "fr");
  EXPECT_EQ(NearHits(b_), 1);
  EXPECT_NE(fr.display_title(), published.display_title());
  EXPECT_EQ(Get(stub_b_.get(), kGtm, "fr").display_title(), fr.display_title());
  EXPECT_EQ(NearHits(b_), 2);

  // Import with overwrite through A: B's next read is the new text, in both languages.
  av1::ExportProfilesRequest ex;
  ex.set_name(kGtm);
  av1::ProfileDocument doc;
  ASSERT_TRUE(stub_a_->ExportProfiles(Ctx().get(), ex, &doc).ok());
  auto* finding = doc.mutable_profiles(0)->mutable_domains(0)->mutable_well_developed(0);
  (*finding->mutable_text())["en"] = "Changed by an import with overwrite.";
  av1::ImportProfilesRequest imp;
  *imp.mutable_document() = doc;
  imp.set_allow_overwrite(true);
  av1::ImportProfilesResponse imported;
  grpc::Status s = stub_a_->ImportProfiles(Ctx().get(), imp, &imported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  av1::Profile after = Get(stub_b_.get(), kGtm);
  EXPECT_NE(after.etag(), published.etag());
  EXPECT_EQ(after.domains(0).well_developed(0).display_text(),
            "Changed by an import with overwrite.");
  EXPECT_EQ(Get(stub_b_.get(), kGtm, "fr").etag(), after.etag());
  double hits = NearHits(b_);
  EXPECT_EQ(Get(stub_b_.get(), kGtm).SerializeAsString(), after.SerializeAsString());
  EXPECT_EQ(NearHits(b_), hits + 1);

  // A new edition published through A, then archived: B follows each step.
  av1::StartNewEditionRequest ne;
  ne.set_name(kGtm);
  ne.set_profile_id("gtm-2026");
  av1::Profile draft;
  ASSERT_TRUE(stub_a_->StartNewEdition(Ctx().get(), ne, &draft).ok());
  EXPECT_EQ(Get(stub_b_.get(), draft.name()).state(), av1::PROFILE_STATE_DRAFT);
  av1::PublishProfileRequest pub;
  pub.set_name(draft.name());
  pub.set_etag(draft.etag());
  av1::Profile published2;
  s = stub_a_->PublishProfile(Ctx().get(), pub, &published2);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Get(stub_b_.get(), draft.name()).etag(), published2.etag());
  EXPECT_EQ(Get(stub_b_.get(), draft.name()).etag(), published2.etag());  // a hit
  av1::ArchiveProfileRequest arch;
  arch.set_name(draft.name());
  arch.set_etag(published2.etag());
  av1::Profile archived;
  ASSERT_TRUE(stub_a_->ArchiveProfile(Ctx().get(), arch, &archived).ok());
  av1::Profile seen = Get(stub_b_.get(), draft.name());
  EXPECT_EQ(seen.state(), av1::PROFILE_STATE_ARCHIVED);
  EXPECT_EQ(seen.etag(), archived.etag());
  // Unknown and malformed names keep their errors.
  EXPECT_EQ(GetStatus(stub_b_.get(), "profiles/none-1999").error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetStatus(stub_b_.get(), "nonsense").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CacheAssessmentTest, RedisKilledDuringABurstThenRestartedAndUsedAgain) {
  av1::Profile expected = Get(stub_b_.get(), kGtm);
  auto call = [&] {
    av1::GetProfileRequest req;
    req.set_name(kGtm);
    req.set_language("en");
    av1::Profile p;
    grpc::Status s = stub_b_->GetProfile(Ctx().get(), req, &p);
    if (s.ok() && p.etag() != expected.etag()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "different profile");
    }
    return s;
  };
  BurstResult r = Burst(6, 60, 60, call, [&] { redis_->Kill(); });
  EXPECT_EQ(r.failures, 0) << r.first_error;
  EXPECT_LT(r.slowest, milliseconds(1500));
  EXPECT_TRUE(Serving(b_));
  EXPECT_EQ(b_.Metric("mgi_cache_breaker_state", "assessment"), 1);
  ASSERT_TRUE(redis_->Restart());
  // The restarted Redis is empty: the first call fills it, the next ones hit.
  double hits = b_.Metric("mgi_cache_hits_total", "assessment");
  EXPECT_TRUE(CallUntilMetricAbove(b_, "mgi_cache_hits_total", "assessment", hits, call));
}

TEST_F(CacheAssessmentTest, PausedRedisAddsAtMostTheCommandTimeout) {
  Get(stub_b_.get(), kGtm);
  redis_->Pause();
  for (int i = 0; i < 20; ++i) {
    auto start = Clock::now();
    EXPECT_TRUE(GetStatus(stub_b_.get(), kGtm).ok());
    EXPECT_LT(Clock::now() - start, milliseconds(600)) << "call " << i;
  }
  EXPECT_TRUE(Serving(b_));
  redis_->Resume();
}

// ---------------------------------------------------------------------------------------------
// Report: the rendered-report cache survives a Redis killed during a burst.

TEST(CacheReportTest, RedisKilledDuringABurstThenRestartedAndUsedAgain) {
  auto redis = RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  auto catalog = StartService("mgi-catalog", {}, kEnv);
  ASSERT_TRUE(catalog.has_value());
  std::string db = mgi::testing::TempDir("cache-report") + "/a.db";
  auto assessment = StartService("mgi-assessment",
                                 {"--db=" + db, "--catalog-addr=" + catalog->address,
                                  "--seed-dir=" + mgi::testing::DataDir() + "/profiles"},
                                 kEnv);
  ASSERT_TRUE(assessment.has_value());
  Monitored report =
      Start("mgi-report", Concat(RedisArgs(*redis), {"--catalog-addr=" + catalog->address,
                                                     "--assessment-addr=" + assessment->address}));
  auto stub = rv1::ReportService::NewStub(
      grpc::CreateChannel(report.service.address, grpc::InsecureChannelCredentials()));
  auto call = [&] {
    rv1::GetReportRequest req;
    req.set_name("profiles/gtm-2022/report");
    req.set_format("html");
    req.set_language("en");
    google::api::HttpBody body;
    grpc::Status s = stub->GetReport(Ctx(milliseconds(20000)).get(), req, &body);
    if (s.ok() && body.data().find("Guatemala") == std::string::npos) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "not the Guatemala report");
    }
    return s;
  };
  ASSERT_TRUE(call().ok());
  ASSERT_TRUE(call().ok());
  EXPECT_EQ(report.Metric("mgi_cache_hits_total", "report"), 1);
  BurstResult r = Burst(4, 40, 20, call, [&] { redis->Kill(); });
  EXPECT_EQ(r.failures, 0) << r.first_error;
  EXPECT_TRUE(Serving(report));
  EXPECT_EQ(report.Metric("mgi_cache_breaker_state", "report"), 1);
  ASSERT_TRUE(redis->Restart());
  double hits = report.Metric("mgi_cache_hits_total", "report");
  EXPECT_TRUE(CallUntilMetricAbove(report, "mgi_cache_hits_total", "report", hits, call));
}

// Issue 21: an entry written straight into Redis under a published report's key (a forged
// HttpBody with a script) is never served; the genuine report is rendered again instead.
TEST(CacheReportTest, ForgedEntryUnderAPublishedReportKeyIsNeverServed) {
  auto redis = RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  auto catalog = StartService("mgi-catalog", {}, kEnv);
  ASSERT_TRUE(catalog.has_value());
  std::string db = mgi::testing::TempDir("cache-forged") + "/a.db";
  auto assessment = StartService("mgi-assessment",
                                 {"--db=" + db, "--catalog-addr=" + catalog->address,
                                  "--seed-dir=" + mgi::testing::DataDir() + "/profiles"},
                                 kEnv);
  ASSERT_TRUE(assessment.has_value());
  Monitored report =
      Start("mgi-report", Concat(RedisArgs(*redis), {"--catalog-addr=" + catalog->address,
                                                     "--assessment-addr=" + assessment->address}));
  auto stub = rv1::ReportService::NewStub(
      grpc::CreateChannel(report.service.address, grpc::InsecureChannelCredentials()));
  auto get = [&](google::api::HttpBody* body) {
    rv1::GetReportRequest req;
    req.set_name("profiles/gtm-2022/report");
    req.set_format("html");
    req.set_language("en");
    return stub->GetReport(Ctx(milliseconds(20000)).get(), req, body);
  };
  google::api::HttpBody genuine;
  ASSERT_TRUE(get(&genuine).ok());
  RawRedis raw(redis->port());
  std::vector<std::string> keys = raw.Keys("mgi:report:*");
  ASSERT_EQ(keys.size(), 1u);

  google::api::HttpBody forged;
  forged.set_content_type("text/html; charset=utf-8");
  forged.set_data("<html><script>alert('forged-by-attacker')</script></html>");
  ASSERT_TRUE(raw.Set(keys[0], forged.SerializeAsString()));
  for (int i = 0; i < 2; ++i) {
    google::api::HttpBody served;
    ASSERT_TRUE(get(&served).ok());
    EXPECT_EQ(served.data().find("forged-by-attacker"), std::string::npos);
    EXPECT_EQ(served.data(), genuine.data());
  }
  // The first read refused the forgery (and stored the genuine report again): the second hit.
  EXPECT_EQ(report.Metric("mgi_cache_rejected_total", "report"), 1);
  EXPECT_EQ(report.Metric("mgi_cache_hits_total", "report"), 1);
  EXPECT_EQ(report.service.process->Log().find("forged-by-attacker"), std::string::npos);
}

// Issue 21: a draft is never written to Redis, neither as a profile (assessment) nor as a
// rendered report (report), in any format; published profiles still are.
TEST(CacheReportTest, DraftsNeverReachRedis) {
  auto redis = RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  auto catalog = StartService("mgi-catalog", {}, kEnv);
  ASSERT_TRUE(catalog.has_value());
  std::string db = mgi::testing::TempDir("cache-draft") + "/a.db";
  Monitored assessment =
      Start("mgi-assessment",
            Concat(RedisArgs(*redis), {"--db=" + db, "--catalog-addr=" + catalog->address,
                                       "--seed-dir=" + mgi::testing::DataDir() + "/profiles"}));
  Monitored report = Start(
      "mgi-report", Concat(RedisArgs(*redis), {"--catalog-addr=" + catalog->address,
                                               "--assessment-addr=" + assessment.service.address}));
  auto assessment_stub = av1::AssessmentService::NewStub(
      grpc::CreateChannel(assessment.service.address, grpc::InsecureChannelCredentials()));
  auto report_stub = rv1::ReportService::NewStub(
      grpc::CreateChannel(report.service.address, grpc::InsecureChannelCredentials()));
  av1::StartNewEditionRequest ne;
  ne.set_name("profiles/gtm-2022");
  ne.set_profile_id("gtm-2031");
  av1::Profile draft;
  grpc::Status s = assessment_stub->StartNewEdition(Ctx().get(), ne, &draft);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(draft.state(), av1::PROFILE_STATE_DRAFT);

  for (const std::string& name : {draft.name(), std::string("profiles/gtm-2022")}) {
    for (int i = 0; i < 2; ++i) {
      av1::GetProfileRequest req;
      req.set_name(name);
      req.set_language("en");
      av1::Profile p;
      s = assessment_stub->GetProfile(Ctx().get(), req, &p);
      ASSERT_TRUE(s.ok()) << s.error_message();
      for (const char* format : {"html", "markdown", "svg"}) {
        rv1::GetReportRequest rr;
        rr.set_name(name + "/report");
        rr.set_format(format);
        rr.set_language("fr");
        google::api::HttpBody body;
        s = report_stub->GetReport(Ctx(milliseconds(20000)).get(), rr, &body);
        ASSERT_TRUE(s.ok()) << name << " " << format << ": " << s.error_message();
      }
    }
  }
  RawRedis raw(redis->port());
  EXPECT_EQ(raw.Keys("*gtm-2031*"), std::vector<std::string>{});
  // The published profile and its reports are there: the check above can see keys.
  EXPECT_EQ(raw.Keys("mgi:profile:*gtm-2022*").size(), 1u);
  EXPECT_EQ(raw.Keys("mgi:report:*gtm-2022*").size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// Gateway: the report's ETag and its shared cache.

TEST(CacheGatewayTest, ReportOfAPublishedProfileHasTheReportEtagAndIsShared) {
  auto catalog = StartService("mgi-catalog", {}, kPublicEnv);
  ASSERT_TRUE(catalog.has_value());
  std::string db = mgi::testing::TempDir("cache-gateway") + "/a.db";
  auto assessment = StartService("mgi-assessment",
                                 {"--db=" + db, "--catalog-addr=" + catalog->address,
                                  "--seed-dir=" + mgi::testing::DataDir() + "/profiles"},
                                 kPublicEnv);
  ASSERT_TRUE(assessment.has_value());
  auto report = StartService(
      "mgi-report",
      {"--catalog-addr=" + catalog->address, "--assessment-addr=" + assessment->address},
      kPublicEnv);
  ASSERT_TRUE(report.has_value());
  int port = FreePort();
  int metrics_port = FreePort();
  auto gateway = mgi::testing::Process::Start(
      mgi::testing::BinaryPath("mgi-gateway"),
      {"--port=" + std::to_string(port), "--metrics-port=" + std::to_string(metrics_port),
       "--catalog-addr=" + catalog->address, "--assessment-addr=" + assessment->address,
       "--report-addr=" + report->address, "--cache-ttl=60s"},
      kPublicEnv);
  ASSERT_TRUE(mgi::testing::WaitForHttp(port, "/healthz", milliseconds(20000))) << gateway->Log();

  // The ETag is the one the report service computed (its gRPC initial metadata).
  auto stub = rv1::ReportService::NewStub(
      grpc::CreateChannel(report->address, grpc::InsecureChannelCredentials()));
  rv1::GetReportRequest req;
  req.set_name("profiles/gtm-2022/report");
  req.set_format("html");
  req.set_language("en");
  google::api::HttpBody body;
  auto ctx = Ctx();
  ASSERT_TRUE(stub->GetReport(ctx.get(), req, &body).ok());
  auto etag = ctx->GetServerInitialMetadata().find("etag");
  ASSERT_NE(etag, ctx->GetServerInitialMetadata().end());
  std::string report_etag(etag->second.data(), etag->second.size());
  ASSERT_FALSE(report_etag.empty());

  const std::string path = "/v1/profiles/gtm-2022/report?format=html&language=en";
  HttpReply first = HttpGet(port, path);
  ASSERT_EQ(first.status, 200) << first.head << first.body;
  std::string quoted = report_etag.front() == '"' ? report_etag : "\"" + report_etag + "\"";
  std::string lower = quoted;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(first.Header("etag"), lower);
  EXPECT_NE(first.Header("cache-control").find("public"), std::string::npos) << first.head;
  EXPECT_EQ(first.body, body.data());

  // If-None-Match with that ETag: 304 without a body.
  HttpReply not_modified = HttpGet(port, path, "If-None-Match: " + quoted + "\r\n");
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  // The second request came from the gateway's shared cache.
  EXPECT_GE(Metric(metrics_port, "mgi_gateway_cache_hits_total"), 1);
  HttpReply again = HttpGet(port, path);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_GE(Metric(metrics_port, "mgi_gateway_cache_hits_total"), 2);
}

// ---------------------------------------------------------------------------------------------
// Gateway <-> services: conditional revalidation (common/revalidation.h). A caller with a token
// gets the gateway's kept copy once the backend said "not modified", never after a change, and
// never without its own authorization checked.

// A catalog and a seeded assessment that know a viewer's and an admin's token (the token file in
// a fresh directory named after `name`); `auth` is the flag for further services.
struct SignedInBackends {
  std::string dir;
  std::string auth;
  std::optional<mgi::testing::Service> catalog;
  std::optional<mgi::testing::Service> assessment;
};
SignedInBackends StartSignedIn(const std::string& name, const std::string& viewer,
                               const std::string& admin) {
  SignedInBackends b;
  b.dir = mgi::testing::TempDir(name);
  std::ofstream(b.dir + "/tokens") << HexDigest(Sha256(viewer)) << " viewer vera\n"
                                   << HexDigest(Sha256(admin)) << " admin ada\n";
  b.auth = "--auth-tokens-file=" + b.dir + "/tokens";
  b.catalog = StartService("mgi-catalog", {b.auth});
  if (!b.catalog) return b;
  b.assessment = StartService(
      "mgi-assessment", {b.auth, "--db=" + b.dir + "/a.db", "--catalog-addr=" + b.catalog->address,
                         "--seed-dir=" + mgi::testing::DataDir() + "/profiles"});
  return b;
}

// Sets the English text of gtm-2022's first finding, straight to the assessment at `address` (an
// export, then an import with overwrite, as `admin`).
grpc::Status SetFirstFindingText(const std::string& address, const std::string& admin,
                                 const std::string& text) {
  auto stub = av1::AssessmentService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  auto as_admin = [&] {
    auto ctx = Ctx();
    ctx->AddMetadata("authorization", "Bearer " + admin);
    return ctx;
  };
  av1::ExportProfilesRequest ex;
  ex.set_name("profiles/gtm-2022");
  av1::ProfileDocument doc;
  grpc::Status s = stub->ExportProfiles(as_admin().get(), ex, &doc);
  if (!s.ok()) return s;
  (*doc.mutable_profiles(0)->mutable_domains(0)->mutable_well_developed(0)->mutable_text())["en"] =
      text;
  av1::ImportProfilesRequest imp;
  *imp.mutable_document() = doc;
  imp.set_allow_overwrite(true);
  av1::ImportProfilesResponse imported;
  return stub->ImportProfiles(as_admin().get(), imp, &imported);
}

TEST(RevalidationTest, SignedInReadsAreRevalidatedAndNeverStaleOrUnauthorized) {
  const std::string viewer = "tok-viewer-revalidation-1", admin = "tok-admin-revalidation-2";
  auto backends = StartSignedIn("revalidation", viewer, admin);
  ASSERT_TRUE(backends.catalog && backends.assessment);
  const std::string& auth = backends.auth;
  auto& catalog = backends.catalog;
  auto& assessment = backends.assessment;
  auto report = StartService("mgi-report", {auth, "--catalog-addr=" + catalog->address,
                                            "--assessment-addr=" + assessment->address});
  ASSERT_TRUE(report.has_value());
  int port = FreePort();
  int metrics_port = FreePort();
  auto gateway = mgi::testing::Process::Start(
      mgi::testing::BinaryPath("mgi-gateway"),
      {"--port=" + std::to_string(port), "--metrics-port=" + std::to_string(metrics_port),
       "--catalog-addr=" + catalog->address, "--assessment-addr=" + assessment->address,
       "--report-addr=" + report->address, "--cache-ttl=0", "--rate-limit-rps=0"});
  ASSERT_TRUE(mgi::testing::WaitForHttp(port, "/healthz", milliseconds(20000))) << gateway->Log();
  auto revalidated = [&] { return Metric(metrics_port, "mgi_gateway_revalidated_total"); };
  const std::string as_viewer = "Authorization: Bearer " + viewer + "\r\n";
  const std::string path = "/v1/profiles/gtm-2022";

  HttpReply first = HttpGet(port, path, as_viewer);
  ASSERT_EQ(first.status, 200) << first.head << first.body;
  EXPECT_LE(revalidated(), 0);
  HttpReply second = HttpGet(port, path, as_viewer);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.Header("etag"), first.Header("etag"));
  EXPECT_EQ(revalidated(), 1);
  // The kept copy is never an answer to a caller the backend refuses.
  EXPECT_EQ(HttpGet(port, path, "Authorization: Bearer tok-unknown-0\r\n").status, 401);
  // Another language is another representation.
  HttpReply french = HttpGet(port, path + "?language=fr", as_viewer);
  ASSERT_EQ(french.status, 200);
  EXPECT_NE(french.body, first.body);

  // A change (an import with overwrite, straight to the service): the next read is the new text.
  grpc::Status s = SetFirstFindingText(assessment->address, admin, "Revalidated after an import.");
  ASSERT_TRUE(s.ok()) << s.error_message();
  double before = revalidated();
  HttpReply changed = HttpGet(port, path, as_viewer);
  ASSERT_EQ(changed.status, 200);
  EXPECT_NE(changed.body.find("Revalidated after an import."), std::string::npos);
  EXPECT_NE(changed.Header("etag"), first.Header("etag"));
  EXPECT_EQ(revalidated(), before);
  EXPECT_EQ(HttpGet(port, path, as_viewer).body, changed.body);
  EXPECT_EQ(revalidated(), before + 1);

  // The catalog too: its data version is the version of every answer.
  HttpReply c1 = HttpGet(port, "/v1/countries/GTM?language=fr", as_viewer);
  ASSERT_EQ(c1.status, 200) << c1.head;
  before = revalidated();
  HttpReply c2 = HttpGet(port, "/v1/countries/GTM?language=fr", as_viewer);
  EXPECT_EQ(c2.body, c1.body);
  EXPECT_EQ(revalidated(), before + 1);
  EXPECT_NE(HttpGet(port, "/v1/countries/GTM?language=es", as_viewer).body, c1.body);

  // Reports too: the rendering's key is the version.
  const std::string report_path = "/v1/profiles/gtm-2022/report?format=html&language=en";
  HttpReply r1 = HttpGet(port, report_path, as_viewer);
  ASSERT_EQ(r1.status, 200) << r1.head;
  EXPECT_NE(r1.body.find("Revalidated after an import."), std::string::npos);
  before = revalidated();
  HttpReply r2 = HttpGet(port, report_path, as_viewer);
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r2.body, r1.body);
  EXPECT_EQ(revalidated(), before + 1);
}

// The report keeps the profiles it reads by the assessment's version and revalidates them on
// every read (services/report/peers_grpc.h): a kept copy serves the next report (counted), never
// one after a write, never a caller the assessment refuses; drafts are never kept, and a draft's
// comparison with its kept previous edition follows the draft's every change.
TEST(RevalidationTest, TheReportKeepsProfilesByVersionAndNeverRendersAStaleOne) {
  const std::string viewer = "tok-viewer-kept-1", admin = "tok-admin-kept-2";
  auto backends = StartSignedIn("report-kept", viewer, admin);
  ASSERT_TRUE(backends.catalog && backends.assessment);
  const std::string& auth = backends.auth;
  auto& catalog = backends.catalog;
  auto& assessment = backends.assessment;
  int report_metrics = FreePort();
  auto report = StartService("mgi-report", {auth, "--catalog-addr=" + catalog->address,
                                            "--assessment-addr=" + assessment->address,
                                            "--metrics-port=" + std::to_string(report_metrics)});
  ASSERT_TRUE(report.has_value());
  auto as = [](const std::string& token) {  // "": anonymous
    auto ctx = Ctx(milliseconds(20000));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  };
  auto report_stub = rv1::ReportService::NewStub(
      grpc::CreateChannel(report->address, grpc::InsecureChannelCredentials()));
  auto markdown = [&](const std::string& profile, const std::string& token, grpc::Status* status) {
    rv1::GetReportRequest req;
    req.set_name(profile + "/report");
    req.set_format("markdown");
    req.set_language("en");
    google::api::HttpBody body;
    *status = report_stub->GetReport(as(token).get(), req, &body);
    return body.data();
  };
  auto kept_hits = [&] {
    return CacheMetric(report_metrics, "mgi_near_cache_hits_total", "report_profiles");
  };

  grpc::Status s;
  const std::string first = markdown(kGtm, viewer, &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LE(kept_hits(), 0);
  EXPECT_EQ(markdown(kGtm, viewer, &s), first);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(kept_hits(), 1);
  // The kept copy is no answer to a caller the assessment refuses.
  markdown(kGtm, "tok-unknown-0", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  EXPECT_EQ(kept_hits(), 1);

  // A write (an import with overwrite, straight to the assessment): the next report has it.
  s = SetFirstFindingText(assessment->address, admin, "Kept no longer after an import.");
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto stub = av1::AssessmentService::NewStub(
      grpc::CreateChannel(assessment->address, grpc::InsecureChannelCredentials()));
  const std::string changed = markdown(kGtm, viewer, &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(changed.find("Kept no longer after an import."), std::string::npos);
  EXPECT_EQ(kept_hits(), 1);
  EXPECT_EQ(markdown(kGtm, viewer, &s), changed);
  EXPECT_EQ(kept_hits(), 2);

  // A draft (a new edition) is never kept; its report compares it with the kept edition before.
  av1::StartNewEditionRequest ne;
  ne.set_name(kGtm);
  ne.set_profile_id("gtm-2026");
  av1::Profile draft;
  s = stub->StartNewEdition(as(admin).get(), ne, &draft);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string d1 = markdown(draft.name(), admin, &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(kept_hits(), 3) << "the previous edition, gtm-2022, was kept";
  markdown(draft.name(), "", &s);
  EXPECT_FALSE(s.ok()) << "an anonymous caller reads no draft, kept copies or not";
  EXPECT_EQ(markdown(kGtm, "", &s), changed) << "but the published edition (public read is on)";
  EXPECT_EQ(kept_hits(), 4);
  av1::UpdateProfileRequest up;
  up.mutable_profile()->set_name(draft.name());
  up.mutable_profile()->set_etag(draft.etag());
  auto* finding = up.mutable_profile()->add_domains();
  *finding = draft.domains(0);
  (*finding->mutable_well_developed(0)->mutable_text())["en"] = "A draft's own new finding.";
  for (int i = 1; i < draft.domains_size(); ++i) *up.mutable_profile()->add_domains() = draft.domains(i);
  up.mutable_update_mask()->add_paths("domains");
  av1::Profile updated;
  s = stub->UpdateProfile(as(admin).get(), up, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string d2 = markdown(draft.name(), admin, &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(d2, d1);
  EXPECT_NE(d2.find("A draft's own new finding."), std::string::npos);
  EXPECT_EQ(d1.find("A draft's own new finding."), std::string::npos);
  EXPECT_EQ(kept_hits(), 5) << "the draft read again, never kept; its previous edition kept";
}

}  // namespace
}  // namespace mgi
