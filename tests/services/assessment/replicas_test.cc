// Integration: real mgi-assessment replicas sharing one real PostgreSQL (started by the test),
// with the real mgi-catalog and a real redis-server as their shared profile cache. A write
// through one replica is read back through the other at once; N replicas seeding at once leave
// exactly one Guatemala profile; with PostgreSQL down calls fail fast with UNAVAILABLE and the
// replica goes NOT_SERVING, then recovers by itself; kill -9 of a replica mid-burst and a fast
// restart of PostgreSQL lose no acknowledged write. The report's kept profiles (revalidated
// against the replica it calls) show a write made through the other replica at once. WatchProfiles across replicas: a watcher on
// one replica gets the writes made through the other (LISTEN/NOTIFY, not the poll), in revision
// order, resumes after a restart missing nothing, and misses nothing of many concurrent writers.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/status/statusor.h"
#include "google/protobuf/empty.pb.h"
#include "services/common/channel.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "harness.h"
#include "google/api/httpbody.pb.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "mgi/report/v1/report_service.grpc.pb.h"
#include "pg_server.h"
#include "test_profiles.h"

namespace mgi::assessment {
namespace {

namespace av1 = mgi::assessment::v1;
using mgi::testing::PostgresServer;
using mgi::testing::StartService;

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& actor = "alice") {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ctx->AddMetadata("x-mgi-actor", actor);
  return ctx;
}

// The overall health of `address` (SERVING, NOT_SERVING; UNKNOWN when it does not answer).
grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  if (!stub->Check(&ctx, req, &resp).ok()) return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  return resp.status();
}

// Polls `done` until true or the deadline (a poll interval, not a synchronisation by sleeping).
bool Eventually(const std::function<bool()>& done, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

using Event = av1::ProfileEvent;

// One open watch: a reader with its own context.
struct Watch {
  std::unique_ptr<grpc::ClientContext> context = std::make_unique<grpc::ClientContext>();
  std::unique_ptr<grpc::ClientReader<Event>> reader;
  // The next event that is not a heartbeat; false when the stream ended.
  bool Next(Event* e) {
    while (reader->Read(e)) {
      if (e->type() != Event::TYPE_HEARTBEAT) return true;
    }
    return false;
  }
  void End() {
    context->TryCancel();
    Event e;
    while (reader->Read(&e)) {
    }
    reader->Finish().ok();
  }
};

// "TYPE_UPDATED profiles/x 2": what a test compares.
std::string Describe(const Event& e) {
  return Event::Type_Name(e.type()) + " " + e.name() + " " + std::to_string(e.revision());
}

struct Replica {
  mgi::testing::Service service;
  std::unique_ptr<av1::AssessmentService::Stub> stub;
};

class ReplicasTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = StartService("mgi-catalog");
    ASSERT_TRUE(c.has_value()) << "mgi-catalog did not start";
    catalog_ = new mgi::testing::Service(std::move(*c));
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(catalog_, nullptr);
    pg_ = PostgresServer::Start();
    ASSERT_NE(pg_, nullptr) << "PostgreSQL did not start (Debian package postgresql)";
    url_ = pg_->Url(pg_->CreateDatabase());
    redis_ = mgi::testing::RedisServer::Start();
    ASSERT_NE(redis_, nullptr);
    key_file_ = mgi::testing::TempDir("replicas-key") + "/cache-hmac-key";
    std::ofstream(key_file_) << "replicas-test-key-0123456789abcdef0123456789abcdef\n";
  }
  std::vector<std::string> Args(bool seed = true) {
    std::vector<std::string> args = {
        "--catalog-addr=" + catalog_->address, "--redis-addr=" + redis_->address(),
        "--cache-hmac-key-file=" + key_file_, "--database-pool-size=4"};
    if (seed) args.push_back("--seed-dir=" + mgi::testing::SourceDir() + "/data/profiles");
    return args;
  }
  std::optional<Replica> StartReplica(bool seed = true, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = Args(seed);
    args.insert(args.end(), extra.begin(), extra.end());
    auto s = StartService("mgi-assessment", args,
                          {"MGI_AUTH_DISABLED=true", "MGI_ASSESSMENT_DATABASE_URL=" + url_});
    if (!s) return std::nullopt;
    Replica r{std::move(*s), nullptr};
    r.stub = av1::AssessmentService::NewStub(
        grpc::CreateChannel(r.service.address, grpc::InsecureChannelCredentials()));
    return r;
  }
  absl::StatusOr<av1::Profile> Get(Replica& r, const std::string& name) {
    av1::GetProfileRequest req;
    req.set_name(name);
    av1::Profile p;
    grpc::Status s = r.stub->GetProfile(Ctx().get(), req, &p);
    if (!s.ok())
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    return p;
  }
  // A watch on `r` from `token` (empty: from the present), set up once this returns.
  Watch OpenWatch(Replica& r, const std::string& token = "",
                  std::chrono::seconds timeout = std::chrono::seconds(60)) {
    Watch w;
    w.context->set_deadline(std::chrono::system_clock::now() + timeout);
    w.context->AddMetadata("x-mgi-actor", "watcher");
    av1::WatchProfilesRequest req;
    req.set_resume_token(token);
    w.reader = r.stub->WatchProfiles(w.context.get(), req);
    w.reader->WaitForInitialMetadata();  // the server answers once the watch is in place
    return w;
  }
  absl::StatusOr<av1::Profile> Create(Replica& r, const std::string& id) {
    av1::CreateProfileRequest req;
    *req.mutable_profile() = testing::CompleteDraft();
    req.set_profile_id(id);
    av1::Profile p;
    grpc::Status s = r.stub->CreateProfile(Ctx().get(), req, &p);
    if (!s.ok())
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    return p;
  }
  // The next edition number, with the etag `p` carries (ABORTED when it is stale).
  absl::StatusOr<av1::Profile> Bump(Replica& r, const av1::Profile& p) {
    av1::UpdateProfileRequest up;
    up.mutable_profile()->set_name(p.name());
    up.mutable_profile()->set_etag(p.etag());
    up.mutable_profile()->set_edition(p.edition() + 1);
    up.mutable_update_mask()->add_paths("edition");
    av1::Profile out;
    grpc::Status s = r.stub->UpdateProfile(Ctx().get(), up, &out);
    if (!s.ok())
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    return out;
  }
  bool WaitForSeed(Replica& r) {
    return Eventually([&] { return Get(r, "profiles/gtm-2022").ok(); }, std::chrono::seconds(30));
  }
  int64_t CountGuatemala(Replica& r) {
    av1::ListProfilesRequest req;
    req.set_filter("country = \"GTM\"");
    av1::ListProfilesResponse resp;
    grpc::Status s = r.stub->ListProfiles(Ctx().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.total_size();
  }

  static mgi::testing::Service* catalog_;
  std::unique_ptr<PostgresServer> pg_;
  std::unique_ptr<mgi::testing::RedisServer> redis_;
  std::string url_;
  std::string key_file_;
};

mgi::testing::Service* ReplicasTest::catalog_ = nullptr;

TEST_F(ReplicasTest, ReplicasSeedingAtOnceLeaveExactlyOneGuatemalaProfile) {
  std::vector<std::optional<Replica>> replicas(3);
  std::vector<std::thread> starts;
  for (auto& r : replicas) starts.emplace_back([&] { r = StartReplica(); });
  for (auto& t : starts) t.join();
  for (auto& r : replicas) {
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(WaitForSeed(*r));
  }
  for (auto& r : replicas) EXPECT_EQ(CountGuatemala(*r), 1);
  av1::ListRevisionsRequest req;
  req.set_name("profiles/gtm-2022");
  av1::ListRevisionsResponse resp;
  ASSERT_TRUE(replicas[0]->stub->ListRevisions(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.revisions_size(), 1);  // imported once, by one replica
  for (auto& r : replicas) EXPECT_TRUE(r->service.process->Running()) << r->service.process->Log();
}

TEST_F(ReplicasTest, AWriteThroughOneReplicaIsReadThroughTheOtherAtOnce) {
  auto a = StartReplica();
  auto b = StartReplica();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(WaitForSeed(*a) && WaitForSeed(*b));
  // B reads the published profile twice: it is in B's (shared, Redis) profile cache now.
  auto before = Get(*b, "profiles/gtm-2022");
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(Get(*b, "profiles/gtm-2022").ok());
  EXPECT_NE(redis_->Command("DBSIZE"), ":0");
  // A archives it; B answers the new revision and etag at once, not its cached copy.
  av1::ArchiveProfileRequest archive;
  archive.set_name("profiles/gtm-2022");
  archive.set_etag(before->etag());
  av1::Profile archived;
  grpc::Status s = a->stub->ArchiveProfile(Ctx("paula").get(), archive, &archived);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto after = Get(*b, "profiles/gtm-2022");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->state(), av1::PROFILE_STATE_ARCHIVED);
  EXPECT_EQ(after->revision(), before->revision() + 1);
  EXPECT_EQ(after->etag(), archived.etag());
  // Drafts too: create through B, update through A, read through B.
  av1::CreateProfileRequest create;
  *create.mutable_profile() = testing::CompleteDraft();
  create.set_profile_id("gtm-2018");
  av1::Profile draft;
  ASSERT_TRUE(b->stub->CreateProfile(Ctx().get(), create, &draft).ok());
  av1::UpdateProfileRequest up;
  up.mutable_profile()->set_name(draft.name());
  up.mutable_profile()->set_etag(draft.etag());
  up.mutable_profile()->set_edition(3);
  up.mutable_update_mask()->add_paths("edition");
  av1::Profile updated;
  s = a->stub->UpdateProfile(Ctx().get(), up, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto seen = Get(*b, draft.name());
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->edition(), 3);
  EXPECT_EQ(seen->etag(), updated.etag());
  // The stale etag B's caller still holds is refused through either replica.
  up.mutable_profile()->set_edition(4);
  EXPECT_EQ(b->stub->UpdateProfile(Ctx().get(), up, &updated).error_code(),
            grpc::StatusCode::ABORTED);
}

TEST_F(ReplicasTest, DatabaseDownIsUnavailableAndNotServingThenRecoversByItself) {
  auto a = StartReplica();
  ASSERT_TRUE(a);
  ASSERT_TRUE(WaitForSeed(*a));
  ASSERT_TRUE(pg_->Stop());
  auto down = Get(*a, "profiles/gtm-2022");
  EXPECT_TRUE(absl::IsUnavailable(down.status())) << down.status();
  EXPECT_TRUE(Eventually(
      [&] {
        return Health(a->service.address) == grpc::health::v1::HealthCheckResponse::NOT_SERVING;
      },
      std::chrono::seconds(20)));
  ASSERT_TRUE(pg_->Restart());
  // No restart of the replica: its probe sees the server again and it serves again.
  EXPECT_TRUE(mgi::testing::WaitForServing(a->service.address, std::chrono::seconds(20)));
  auto up = Get(*a, "profiles/gtm-2022");
  EXPECT_TRUE(up.ok()) << up.status();
  EXPECT_TRUE(a->service.process->Running());
}

// The migration path: an operator stops the SQLite replica, runs the copy command, and starts
// replicas on PostgreSQL: every profile with every revision is there.
TEST_F(ReplicasTest, TheCopyCommandMovesSqliteToPostgresqlWithEveryRevision) {
  std::string db = mgi::testing::TempDir("replicas-copy") + "/a.db";
  auto old = StartService("mgi-assessment",
                          [&] {
                            auto args = Args();
                            args.push_back("--db=" + db);
                            return args;
                          }(),
                          {"MGI_AUTH_DISABLED=true"});
  ASSERT_TRUE(old.has_value());
  Replica sqlite{std::move(*old), nullptr};
  sqlite.stub = av1::AssessmentService::NewStub(
      grpc::CreateChannel(sqlite.service.address, grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(WaitForSeed(sqlite));
  av1::CreateProfileRequest create;
  *create.mutable_profile() = testing::CompleteDraft();
  create.set_profile_id("gtm-2018");
  av1::Profile draft;
  ASSERT_TRUE(sqlite.stub->CreateProfile(Ctx().get(), create, &draft).ok());
  av1::UpdateProfileRequest up;
  up.mutable_profile()->set_name(draft.name());
  up.mutable_profile()->set_etag(draft.etag());
  up.mutable_profile()->set_edition(2);
  up.mutable_update_mask()->add_paths("edition");
  av1::Profile updated;
  ASSERT_TRUE(sqlite.stub->UpdateProfile(Ctx().get(), up, &updated).ok());
  ASSERT_TRUE(sqlite.service.process->Signal(SIGTERM));
  ASSERT_EQ(sqlite.service.process->Wait(std::chrono::seconds(30)), 0);

  auto copy = mgi::testing::Process::Start(mgi::testing::BinaryPath("mgi-assessment"),
                                           {"--copy-from=sqlite:" + db, "--database-url=" + url_});
  ASSERT_TRUE(copy);
  ASSERT_EQ(copy->Wait(std::chrono::seconds(60)), 0) << copy->Log();
  EXPECT_NE(copy->Log().find("profiles=2 revisions=3"), std::string::npos) << copy->Log();
  // Again: nothing to do (an interrupted copy can be rerun).
  auto again = mgi::testing::Process::Start(mgi::testing::BinaryPath("mgi-assessment"),
                                            {"--copy-from=sqlite:" + db, "--database-url=" + url_});
  ASSERT_EQ(again->Wait(std::chrono::seconds(60)), 0) << again->Log();
  EXPECT_NE(again->Log().find("skipped=2"), std::string::npos) << again->Log();

  auto pg = StartReplica(/*seed=*/false);
  ASSERT_TRUE(pg);
  auto moved = Get(*pg, draft.name());
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->etag(), updated.etag());
  EXPECT_EQ(moved->edition(), 2);
  av1::ListRevisionsRequest revs;
  revs.set_name(draft.name());
  av1::ListRevisionsResponse history;
  ASSERT_TRUE(pg->stub->ListRevisions(Ctx().get(), revs, &history).ok());
  ASSERT_EQ(history.revisions_size(), 2);
  EXPECT_EQ(history.revisions(0).action(), av1::Revision::ACTION_UPDATE);
  EXPECT_EQ(history.revisions(1).action(), av1::Revision::ACTION_CREATE);
  EXPECT_EQ(CountGuatemala(*pg), 2);
}

// The suite's peer channels (gateway, report) spread calls over every address a peer name
// resolves to: two replicas behind one "ipv4:A,B" address both serve, on one shared database.
TEST_F(ReplicasTest, OnePeerAddressOfTwoReplicasSpreadsTheCalls) {
  auto a = StartReplica(/*seed=*/false);
  auto b = StartReplica(/*seed=*/false);
  ASSERT_TRUE(a && b);
  auto channel = mgi::MakeChannel("ipv4:" + a->service.address + "," + b->service.address,
                                  mgi::ChannelConfig());
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stub = av1::AssessmentService::NewStub(*channel);
  for (int i = 0; i < 10; ++i) {
    av1::CreateProfileRequest req;
    *req.mutable_profile() = testing::CompleteDraft();
    req.set_profile_id("rr-" + std::to_string(i));
    av1::Profile p;
    grpc::Status s = stub->CreateProfile(Ctx().get(), req, &p);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_NE(a->service.process->Log().find("profile create"), std::string::npos);
  EXPECT_NE(b->service.process->Log().find("profile create"), std::string::npos);
  av1::ListProfilesRequest list;
  av1::ListProfilesResponse resp;
  ASSERT_TRUE(a->stub->ListProfiles(Ctx().get(), list, &resp).ok());
  EXPECT_EQ(resp.total_size(), 10);
}

// What the README describes: two replicas on one PostgreSQL behind one gateway, whose
// --assessment-addr names both; HTTP creates land on both replicas, reads see every write.
TEST_F(ReplicasTest, TwoReplicasBehindOneGateway) {
  auto a = StartReplica();
  auto b = StartReplica();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(WaitForSeed(*a));
  int port = mgi::testing::FreePort();
  auto gateway = mgi::testing::Process::Start(
      mgi::testing::BinaryPath("mgi-gateway"),
      {"--host=127.0.0.1", "--port=" + std::to_string(port), "--metrics-port=-1",
       "--catalog-addr=" + catalog_->address,
       "--assessment-addr=ipv4:" + a->service.address + "," + b->service.address,
       "--report-addr=127.0.0.1:1"},
      {"MGI_AUTH_DISABLED=true"});
  ASSERT_TRUE(gateway);
  ASSERT_TRUE(mgi::testing::WaitForHttp(port, "/v1/profiles/gtm-2022", std::chrono::seconds(20)))
      << gateway->Log();
  std::string body;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(testing::CompleteDraft(), &body).ok());
  std::string body_file = mgi::testing::TempDir("replicas-gw") + "/profile.json";
  std::ofstream(body_file) << body;
  for (int i = 0; i < 8; ++i) {
    auto curl = mgi::testing::Process::Start(
        "/usr/bin/curl", {"-sS", "--fail-with-body", "-X", "POST", "-H",
                          "Content-Type: application/json", "--data-binary", "@" + body_file,
                          "http://127.0.0.1:" + std::to_string(port) +
                              "/v1/profiles?profile_id=gw-" + std::to_string(i)});
    ASSERT_EQ(curl->Wait(std::chrono::seconds(20)), 0) << curl->Log();
  }
  EXPECT_NE(a->service.process->Log().find("profile create"), std::string::npos);
  EXPECT_NE(b->service.process->Log().find("profile create"), std::string::npos);
  for (int i = 0; i < 8; ++i) {
    std::string got = mgi::testing::HttpGetBody(port, "/v1/profiles/gw-" + std::to_string(i));
    EXPECT_NE(got.find("\"profiles/gw-" + std::to_string(i) + "\""), std::string::npos) << got;
  }
}

// The report keeps the profiles it reads and revalidates them against the replica it calls: a
// write made through the other replica is in the very next report.
TEST_F(ReplicasTest, TheReportsKeptProfilesShowTheOtherReplicasWriteAtOnce) {
  auto a = StartReplica();
  auto b = StartReplica();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(WaitForSeed(*a) && WaitForSeed(*b));
  int report_metrics = mgi::testing::FreePort();
  auto report = StartService("mgi-report",
                             {"--catalog-addr=" + catalog_->address,
                              "--assessment-addr=" + b->service.address,
                              "--metrics-port=" + std::to_string(report_metrics)},
                             {"MGI_AUTH_DISABLED=true"});
  ASSERT_TRUE(report.has_value());
  auto stub = mgi::report::v1::ReportService::NewStub(
      grpc::CreateChannel(report->address, grpc::InsecureChannelCredentials()));
  auto markdown = [&] {
    mgi::report::v1::GetReportRequest req;
    req.set_name("profiles/gtm-2022/report");
    req.set_format("markdown");
    google::api::HttpBody body;
    grpc::Status s = stub->GetReport(Ctx().get(), req, &body);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return body.data();
  };
  auto kept_hits = [&] {
    std::string page = mgi::testing::HttpGetBody(report_metrics, "/metrics");
    const std::string series = "mgi_near_cache_hits_total{cache=\"report_profiles\"} ";
    size_t at = page.find(series);
    return at == std::string::npos ? -1.0 : std::stod(page.substr(at + series.size()));
  };
  const std::string first = markdown();
  EXPECT_EQ(markdown(), first);
  EXPECT_EQ(kept_hits(), 1) << "the second report used the kept profile";
  // Through A: the first finding's English text changes (an import with overwrite).
  av1::ExportProfilesRequest ex;
  ex.set_name("profiles/gtm-2022");
  av1::ProfileDocument doc;
  ASSERT_TRUE(a->stub->ExportProfiles(Ctx().get(), ex, &doc).ok());
  (*doc.mutable_profiles(0)->mutable_domains(0)->mutable_well_developed(0)->mutable_text())["en"] =
      "Written through the other replica.";
  av1::ImportProfilesRequest imp;
  *imp.mutable_document() = doc;
  imp.set_allow_overwrite(true);
  av1::ImportProfilesResponse imported;
  grpc::Status s = a->stub->ImportProfiles(Ctx().get(), imp, &imported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string after = markdown();
  EXPECT_NE(after.find("Written through the other replica."), std::string::npos);
  EXPECT_EQ(first.find("Written through the other replica."), std::string::npos);
  EXPECT_EQ(kept_hits(), 1) << "the changed profile was fetched, not the kept one served";
  EXPECT_EQ(markdown(), after);
  EXPECT_EQ(kept_hits(), 2);
}

// Writers create profiles through two replicas; one replica is killed with SIGKILL mid-burst and
// PostgreSQL gets a fast restart mid-burst. Every create that was acknowledged is there after.
TEST_F(ReplicasTest, KillNineOfAReplicaAndAFastDatabaseRestartLoseNoAcknowledgedWrite) {
  auto a = StartReplica(/*seed=*/false);
  auto b = StartReplica(/*seed=*/false);
  ASSERT_TRUE(a && b);
  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> count{0};
  auto writer = [&](av1::AssessmentService::Stub* stub, int id) {
    for (int i = 0; !stop; ++i) {
      av1::CreateProfileRequest req;
      *req.mutable_profile() = testing::CompleteDraft();
      req.set_profile_id("w" + std::to_string(id) + "-" + std::to_string(i));
      av1::Profile p;
      auto ctx = Ctx();
      ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      if (stub->CreateProfile(ctx.get(), req, &p).ok()) {
        std::lock_guard<std::mutex> lock(mu);
        acked.insert(p.name());
        ++count;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(writer, a->stub.get(), i);
  for (int i = 4; i < 8; ++i) threads.emplace_back(writer, b->stub.get(), i);
  ASSERT_TRUE(Eventually([&] { return count >= 40; }, std::chrono::seconds(60)));
  ASSERT_TRUE(a->service.process->Signal(SIGKILL));
  int at_kill = count;
  ASSERT_TRUE(Eventually([&] { return count >= at_kill + 20; }, std::chrono::seconds(60)));
  ASSERT_TRUE(pg_->Restart());  // fast shutdown (SIGINT) and start, while B's writers write
  int at_restart = count;
  EXPECT_TRUE(Eventually([&] { return count >= at_restart + 20; }, std::chrono::seconds(60)))
      << "B did not recover after the database restart";
  stop = true;
  for (auto& t : threads) t.join();
  auto c = StartReplica(/*seed=*/false);
  ASSERT_TRUE(c);
  std::vector<std::string> lost;
  for (const auto& name : acked) {
    if (!Get(*c, name).ok()) lost.push_back(name);
  }
  EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged creates lost, e.g. " << lost[0];
  RecordProperty("acknowledged", static_cast<int>(acked.size()));
}

// A watcher on replica B receives the writes made through replica A, in revision order. Both
// poll the change log only once an hour: what brings A's commits to B is LISTEN/NOTIFY. B is
// then stopped; A writes meanwhile; the watcher resumes on the restarted B with its last token
// and receives exactly what it missed.
TEST_F(ReplicasTest, AWatcherOnOneReplicaGetsTheOthersWritesAndResumesAfterARestart) {
  const std::vector<std::string> slow_poll = {"--watch-poll-interval=1h"};
  auto a = StartReplica(/*seed=*/false, slow_poll);
  auto b = StartReplica(/*seed=*/false, slow_poll);
  ASSERT_TRUE(a && b);
  // Far below the hour-long poll: an event that needs the poll fails the test.
  Watch w = OpenWatch(*b, "", std::chrono::seconds(30));
  auto p = Create(*a, "feed-1");
  ASSERT_TRUE(p.ok()) << p.status();
  for (int i = 0; i < 2; ++i) {
    p = Bump(*a, *p);
    ASSERT_TRUE(p.ok()) << p.status();
  }
  std::vector<std::string> got;
  Event e;
  for (int i = 0; i < 3 && w.Next(&e); ++i) got.push_back(Describe(e));
  EXPECT_THAT(got, ::testing::ElementsAre("TYPE_CREATED profiles/feed-1 1",
                                          "TYPE_UPDATED profiles/feed-1 2",
                                          "TYPE_UPDATED profiles/feed-1 3"));
  EXPECT_EQ(e.etag(), p->etag());
  EXPECT_EQ(e.actor(), "alice");
  std::string token = e.resume_token();
  w.End();

  ASSERT_TRUE(b->service.process->Signal(SIGTERM));
  ASSERT_EQ(b->service.process->Wait(std::chrono::seconds(30)), 0);
  p = Bump(*a, *p);
  ASSERT_TRUE(p.ok()) << p.status();
  auto other = Create(*a, "feed-2");
  ASSERT_TRUE(other.ok()) << other.status();
  av1::DeleteProfileRequest del;
  del.set_name(other->name());
  del.set_etag(other->etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(a->stub->DeleteProfile(Ctx().get(), del, &empty).ok());

  b = StartReplica(/*seed=*/false, slow_poll);
  ASSERT_TRUE(b);
  Watch again = OpenWatch(*b, token, std::chrono::seconds(30));
  got.clear();
  for (int i = 0; i < 3 && again.Next(&e); ++i) got.push_back(Describe(e));
  EXPECT_THAT(got, ::testing::ElementsAre("TYPE_UPDATED profiles/feed-1 4",
                                          "TYPE_CREATED profiles/feed-2 1",
                                          "TYPE_DELETED profiles/feed-2 1"));
  // And live again: a write through A after the resumption.
  p = Bump(*a, *p);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE(again.Next(&e));
  EXPECT_EQ(Describe(e), "TYPE_UPDATED profiles/feed-1 5");
  again.End();
}

// Eight writers, four on each replica, create and update profiles (some racing on shared ones)
// while one watcher on replica B follows: every acknowledged revision arrives exactly once, and
// each profile's in revision order.
TEST_F(ReplicasTest, AWatcherMissesNoneOfManyConcurrentWritersOnBothReplicas) {
  auto a = StartReplica(/*seed=*/false);
  auto b = StartReplica(/*seed=*/false);
  ASSERT_TRUE(a && b);
  auto shared = Create(*a, "shared");
  ASSERT_TRUE(shared.ok()) << shared.status();
  Watch w = OpenWatch(*b, "", std::chrono::seconds(120));
  std::mutex mu;
  std::set<std::pair<std::string, int64_t>> acked;
  auto ack = [&](const av1::Profile& p) {
    std::lock_guard<std::mutex> lock(mu);
    acked.insert({p.name(), p.revision()});
  };
  constexpr int kWriters = 8, kProfiles = 3, kUpdates = 3;
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    Replica* r = t % 2 ? &*b : &*a;
    writers.emplace_back([&, r, t] {
      for (int i = 0; i < kProfiles; ++i) {
        auto p = Create(*r, "c" + std::to_string(t) + "-" + std::to_string(i));
        if (!p.ok()) {
          ADD_FAILURE() << p.status();
          continue;
        }
        ack(*p);
        for (int u = 0; u < kUpdates && p.ok(); ++u) {
          p = Bump(*r, *p);
          if (p.ok()) ack(*p);
        }
        EXPECT_TRUE(p.ok()) << p.status();
        // The shared profile: read, update; ABORTED when another writer got there first.
        auto s = Get(*r, "profiles/shared");
        if (!s.ok()) continue;
        auto bumped = Bump(*r, *s);
        if (bumped.ok()) ack(*bumped);
        EXPECT_TRUE(bumped.ok() || absl::IsAborted(bumped.status())) << bumped.status();
      }
    });
  }
  for (auto& t : writers) t.join();
  std::set<std::pair<std::string, int64_t>> seen;
  std::map<std::string, int64_t> last;
  Event e;
  while (seen.size() < acked.size() && w.Next(&e)) {
    EXPECT_TRUE(seen.insert({e.name(), e.revision()}).second)
        << e.name() << " revision " << e.revision() << " twice";
    EXPECT_GT(e.revision(), last[e.name()]) << e.name() << " out of revision order";
    last[e.name()] = e.revision();
  }
  EXPECT_EQ(seen, acked);
  w.End();
  RecordProperty("events", static_cast<int>(seen.size()));
}

}  // namespace
}  // namespace mgi::assessment
