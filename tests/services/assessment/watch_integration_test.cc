// WatchProfiles on the real mgi-catalog and mgi-assessment binaries over gRPC: events in commit
// order, the filter, resumption after a disconnect, a restart of the service mid-stream (the
// client resumes with its last token and misses nothing), OUT_OF_RANGE for a token the log does
// not cover, and a cancelled watch released on the server (its watchers gauge).
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "harness.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "test_profiles.h"

namespace mgi::assessment {
namespace {

namespace av1 = mgi::assessment::v1;
using Event = av1::ProfileEvent;
using mgi::testing::StartService;

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
  grpc::Status End() {
    context->TryCancel();
    Event e;
    while (reader->Read(&e)) {
    }
    return reader->Finish();
  }
};

class WatchIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalog_ = new mgi::testing::Service();
    auto c = StartService("mgi-catalog");
    ASSERT_TRUE(c.has_value()) << "mgi-catalog did not start";
    *catalog_ = std::move(*c);
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(catalog_, nullptr);
    db_ = mgi::testing::TempDir("assessment-watch") + "/a.db";
    StartAssessment();
  }
  void StartAssessment(const std::vector<std::string>& extra = {}) {
    metrics_port_ = mgi::testing::FreePort();
    std::vector<std::string> args = {"--db=" + db_, "--catalog-addr=" + catalog_->address,
                                     "--metrics-port=" + std::to_string(metrics_port_),
                                     "--watch-heartbeat=1s", "--shutdown-grace=20s"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto s = StartService("mgi-assessment", args, {"MGI_AUTH_DISABLED=true"});
    ASSERT_TRUE(s.has_value()) << "mgi-assessment did not start";
    service_ = std::move(*s);
    stub_ = av1::AssessmentService::NewStub(
        grpc::CreateChannel(service_.address, grpc::InsecureChannelCredentials()));
  }
  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx->AddMetadata("x-mgi-actor", "alice");
    return ctx;
  }
  Watch Open(const std::string& filter = "", const std::string& token = "") {
    Watch w;
    w.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    w.context->AddMetadata("x-mgi-actor", "watcher");
    av1::WatchProfilesRequest req;
    req.set_filter(filter);
    req.set_resume_token(token);
    w.reader = stub_->WatchProfiles(w.context.get(), req);
    // The server sends its initial metadata once the watch is set up: from then on, nothing
    // committed is missed.
    w.reader->WaitForInitialMetadata();
    return w;
  }
  av1::Profile Create(const std::string& id, const std::string& country = "countries/GTM") {
    av1::CreateProfileRequest req;
    *req.mutable_profile() = testing::CompleteDraft();
    req.mutable_profile()->set_country(country);
    req.set_profile_id(id);
    av1::Profile out;
    grpc::Status s = stub_->CreateProfile(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  av1::Profile Publish(const av1::Profile& p) {
    av1::PublishProfileRequest req;
    req.set_name(p.name());
    req.set_etag(p.etag());
    av1::Profile out;
    grpc::Status s = stub_->PublishProfile(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  // mgi_assessment_watchers... from the service's /metrics ("" when unreadable).
  std::string WatchersMetric() {
    std::string body = mgi::testing::HttpGetBody(metrics_port_, "/metrics");
    for (absl::string_view line : absl::StrSplit(body, '\n')) {
      if (absl::StartsWith(line, "mgi_assessment_watchers")) {
        return std::string(line.substr(line.rfind(' ') + 1));
      }
    }
    return "";
  }
  bool WaitForWatchers(const std::string& value) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (WatchersMetric() == value) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval
    }
    return false;
  }

  static mgi::testing::Service* catalog_;
  std::string db_;
  int metrics_port_ = 0;
  mgi::testing::Service service_;
  std::unique_ptr<av1::AssessmentService::Stub> stub_;
};

mgi::testing::Service* WatchIntegrationTest::catalog_ = nullptr;

TEST_F(WatchIntegrationTest, EventsArriveInCommitOrderAndTheFilterSelects) {
  Watch all = Open();
  Watch senegal = Open("country = \"SEN\"");
  av1::Profile a = Create("watch-a");
  Create("watch-s", "countries/SEN");
  Publish(a);
  Event e;
  ASSERT_TRUE(all.Next(&e));
  EXPECT_EQ(e.type(), Event::TYPE_CREATED);
  EXPECT_EQ(e.name(), "profiles/watch-a");
  EXPECT_EQ(e.actor(), "alice");
  EXPECT_EQ(e.etag(), a.etag());
  ASSERT_TRUE(all.Next(&e));
  EXPECT_EQ(e.name(), "profiles/watch-s");
  ASSERT_TRUE(all.Next(&e));
  EXPECT_EQ(e.type(), Event::TYPE_PUBLISHED);
  EXPECT_EQ(e.name(), "profiles/watch-a");
  EXPECT_EQ(e.state(), av1::PROFILE_STATE_PUBLISHED);
  // The filtered watch saw Senegal's profile first and only (its next is Senegal's next change).
  ASSERT_TRUE(senegal.Next(&e));
  EXPECT_EQ(e.name(), "profiles/watch-s");
  Create("watch-s2", "countries/SEN");
  ASSERT_TRUE(senegal.Next(&e));
  EXPECT_EQ(e.name(), "profiles/watch-s2");
  EXPECT_EQ(all.End().error_code(), grpc::StatusCode::CANCELLED);
  senegal.End();
}

TEST_F(WatchIntegrationTest, AClientThatReconnectsWithItsTokenMissesNothing) {
  Watch w = Open();
  Create("watch-r1");
  Event e;
  ASSERT_TRUE(w.Next(&e));
  std::string token = e.resume_token();
  w.End();
  // Meanwhile, with nobody watching:
  av1::Profile r2 = Create("watch-r2");
  Publish(r2);
  Watch again = Open("", token);
  ASSERT_TRUE(again.Next(&e));
  EXPECT_EQ(e.name(), "profiles/watch-r2");
  EXPECT_EQ(e.type(), Event::TYPE_CREATED);
  ASSERT_TRUE(again.Next(&e));
  EXPECT_EQ(e.type(), Event::TYPE_PUBLISHED);
  again.End();
  // A heartbeat carries a token too, and an idle stream gets one (--watch-heartbeat=1s).
  Watch idle = Open();
  ASSERT_TRUE(idle.reader->Read(&e));
  EXPECT_EQ(e.type(), Event::TYPE_HEARTBEAT);
  EXPECT_FALSE(e.resume_token().empty());
  idle.End();
}

TEST_F(WatchIntegrationTest, ARestartMidStreamEndsItCleanlyAndTheClientResumes) {
  Watch w = Open();
  Create("watch-before");
  Event e;
  ASSERT_TRUE(w.Next(&e));
  std::string token = e.resume_token();
  // SIGTERM: the open watch ends at once with UNAVAILABLE (not at the end of the grace period).
  ASSERT_TRUE(service_.process->Signal(SIGTERM));
  while (w.reader->Read(&e)) {
  }
  grpc::Status end = w.reader->Finish();
  EXPECT_EQ(end.error_code(), grpc::StatusCode::UNAVAILABLE) << end.error_message();
  EXPECT_EQ(service_.process->Wait(std::chrono::seconds(15)), 0);
  StartAssessment();
  Create("watch-after");  // committed before the client is back
  Watch resumed = Open("", token);
  ASSERT_TRUE(resumed.Next(&e));
  EXPECT_EQ(e.name(), "profiles/watch-after");
  resumed.End();
}

TEST_F(WatchIntegrationTest, TokensTheLogDoesNotCoverAreRefused) {
  Watch w = Open("", "bm90IGEgdG9rZW4");
  Event e;
  EXPECT_FALSE(w.reader->Read(&e));
  EXPECT_EQ(w.reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // A token from the future (another database): OUT_OF_RANGE, before any event.
  Create("watch-o");
  Watch live = Open();
  Create("watch-o2");
  ASSERT_TRUE(live.Next(&e));
  live.End();
  service_.process->Signal(SIGTERM);
  service_.process->Wait(std::chrono::seconds(15));
  db_ = mgi::testing::TempDir("assessment-watch-other") + "/a.db";
  StartAssessment();
  Watch other = Open("", e.resume_token());
  EXPECT_FALSE(other.reader->Read(&e));
  grpc::Status s = other.reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE) << s.error_message();
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("list the profiles again"));
}

TEST_F(WatchIntegrationTest, ACancelledWatchIsReleasedOnTheServer) {
  ASSERT_TRUE(WaitForWatchers("0"));
  Watch w = Open();
  ASSERT_TRUE(WaitForWatchers("1"));
  w.context->TryCancel();
  ASSERT_TRUE(WaitForWatchers("0"));
}

}  // namespace
}  // namespace mgi::assessment
