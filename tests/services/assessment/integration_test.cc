// Integration: the real mgi-catalog and mgi-assessment binaries over gRPC, every RPC and every
// error class, seeding, and durability across kill -9 and restart.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "harness.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "test_profiles.h"

namespace mgi::assessment {
namespace {

namespace av1 = mgi::assessment::v1;
using mgi::testing::StartService;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The field paths of BadRequest or PreconditionFailure details of a gRPC error.
std::vector<std::string> DetailFields(const grpc::Status& s) {
  std::vector<std::string> out;
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(s.error_details())) return out;
  for (const auto& any : rpc.details()) {
    google::rpc::BadRequest bad;
    google::rpc::PreconditionFailure pre;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) out.push_back(v.field());
    } else if (any.UnpackTo(&pre)) {
      for (const auto& v : pre.violations()) out.push_back(v.subject());
    }
  }
  return out;
}

class AssessmentIntegrationTest : public ::testing::Test {
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
    db_ = mgi::testing::TempDir("assessment-it") + "/a.db";
    StartAssessment();
  }
  void StartAssessment() {
    auto s = StartService("mgi-assessment",
                          {"--db=" + db_, "--catalog-addr=" + catalog_->address,
                           "--seed-dir=" + mgi::testing::SourceDir() + "/data/profiles"},
                          // Development mode of access control: every caller is an admin named by
                          // x-mgi-actor, so these tests exercise the service, not the tokens.
                          {"MGI_AUTH_DISABLED=true"});
    ASSERT_TRUE(s.has_value()) << "mgi-assessment did not start";
    service_ = std::move(*s);
    stub_ = av1::AssessmentService::NewStub(
        grpc::CreateChannel(service_.address, grpc::InsecureChannelCredentials()));
    // Seeding runs in the background: wait for the seeded profile (with a deadline).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      av1::GetProfileRequest req;
      req.set_name("profiles/gtm-2022");
      av1::Profile p;
      if (stub_->GetProfile(Ctx().get(), req, &p).ok()) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the seed profile never appeared";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval
    }
  }
  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& actor = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!actor.empty()) ctx->AddMetadata("x-mgi-actor", actor);
    return ctx;
  }
  av1::Profile Create(const std::string& id, const av1::Profile& p = testing::CompleteDraft(),
                      const std::string& request_id = "") {
    av1::CreateProfileRequest req;
    *req.mutable_profile() = p;
    req.set_profile_id(id);
    req.set_request_id(request_id);
    av1::Profile out;
    grpc::Status s = stub_->CreateProfile(Ctx("alice").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  static mgi::testing::Service* catalog_;
  std::string db_;
  mgi::testing::Service service_;
  std::unique_ptr<av1::AssessmentService::Stub> stub_;
};

mgi::testing::Service* AssessmentIntegrationTest::catalog_ = nullptr;

TEST_F(AssessmentIntegrationTest, SeededGuatemalaProfileIsServedWithItsTitle) {
  av1::GetProfileRequest req;
  req.set_name("profiles/gtm-2022");
  req.set_language("en");
  av1::Profile p;
  grpc::Status s = stub_->GetProfile(Ctx().get(), req, &p);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(p.display_title(),
            "Migration Governance Profile: Republic of Guatemala - Second Profile");
  EXPECT_EQ(p.state(), av1::PROFILE_STATE_PUBLISHED);
  ASSERT_EQ(p.domains_size(), 6);
  req.set_name("profiles/absent");
  EXPECT_EQ(stub_->GetProfile(Ctx().get(), req, &p).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AssessmentIntegrationTest, WholeWorkflowAndItsErrors) {
  // Create, duplicate, invalid (unknown country, off-scale answer, other-level indicator).
  av1::Profile p = Create("gtm-2018");
  EXPECT_EQ(p.revision(), 1);
  av1::CreateProfileRequest create;
  *create.mutable_profile() = testing::CompleteDraft();
  create.set_profile_id("gtm-2018");
  av1::Profile out;
  EXPECT_EQ(stub_->CreateProfile(Ctx().get(), create, &out).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  create.set_profile_id("bad");
  create.mutable_profile()->set_country("countries/ZZZ");
  auto* a = create.mutable_profile()->add_answers();
  a->set_indicator("indicators/n-1-08");
  a->set_value(mgi::catalog::v1::SCALE_VALUE_PARTIAL);
  a = create.mutable_profile()->add_answers();
  a->set_indicator("indicators/l-1-01");
  a->set_value(mgi::catalog::v1::SCALE_VALUE_PARTIAL);
  a = create.mutable_profile()->add_answers();
  a->set_indicator("indicators/n-9-99");
  a->set_value(mgi::catalog::v1::SCALE_VALUE_PARTIAL);
  grpc::Status s = stub_->CreateProfile(Ctx().get(), create, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailFields(s),
              ElementsAre("profile.country", "profile.answers[0].value",
                          "profile.answers[1].indicator", "profile.answers[2].indicator"));

  // Update: missing etag, unknown mask path, stale etag, success.
  av1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(p.name());
  update.mutable_profile()->mutable_publication_month()->set_year(2019);
  update.mutable_profile()->mutable_publication_month()->set_month(1);
  update.mutable_update_mask()->add_paths("publication_month");
  s = stub_->UpdateProfile(Ctx().get(), update, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailFields(s), ElementsAre("profile.etag"));
  update.mutable_profile()->set_etag(p.etag());
  update.mutable_update_mask()->add_paths("colour");
  s = stub_->UpdateProfile(Ctx().get(), update, &out);
  EXPECT_THAT(DetailFields(s), ElementsAre("update_mask"));
  update.mutable_update_mask()->mutable_paths()->RemoveLast();
  av1::Profile updated;
  s = stub_->UpdateProfile(Ctx("carol").get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.revision(), 2);
  EXPECT_EQ(stub_->UpdateProfile(Ctx().get(), update, &out).error_code(),
            grpc::StatusCode::ABORTED);

  // Publish, then the published profile is read-only.
  av1::PublishProfileRequest publish;
  publish.set_name(p.name());
  publish.set_etag(updated.etag());
  av1::Profile published;
  s = stub_->PublishProfile(Ctx("bob").get(), publish, &published);
  ASSERT_TRUE(s.ok()) << s.error_message();
  update.mutable_profile()->set_etag(published.etag());
  EXPECT_EQ(stub_->UpdateProfile(Ctx().get(), update, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  av1::DeleteProfileRequest del;
  del.set_name(p.name());
  del.set_etag(published.etag());
  google::protobuf::Empty empty;
  EXPECT_EQ(stub_->DeleteProfile(Ctx().get(), del, &empty).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // New edition, compare, revisions.
  av1::StartNewEditionRequest ne;
  ne.set_name(p.name());
  ne.set_profile_id("gtm-2022-draft");
  av1::Profile next;
  s = stub_->StartNewEdition(Ctx().get(), ne, &next);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(next.edition(), 2);
  EXPECT_EQ(next.previous_edition(), p.name());
  av1::CompareProfilesRequest cmp;
  cmp.set_name("profiles/gtm-2022");
  cmp.set_other(p.name());
  av1::CompareProfilesResponse diff;
  s = stub_->CompareProfiles(Ctx().get(), cmp, &diff);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(diff.domains_size(), 6);
  EXPECT_EQ(diff.domains(0).well_developed().added_size(), 4);
  EXPECT_EQ(diff.domains(0).well_developed().removed_size(), 1);

  av1::ListRevisionsRequest lr;
  lr.set_name(p.name());
  av1::ListRevisionsResponse revs;
  ASSERT_TRUE(stub_->ListRevisions(Ctx().get(), lr, &revs).ok());
  ASSERT_EQ(revs.revisions_size(), 3);
  EXPECT_EQ(revs.revisions(0).action(), av1::Revision::ACTION_PUBLISH);
  EXPECT_EQ(revs.revisions(0).actor(), "bob");
  EXPECT_EQ(revs.revisions(1).actor(), "carol");
  EXPECT_EQ(revs.revisions(2).actor(), "alice");
  av1::GetRevisionRequest gr;
  gr.set_name(p.name() + "/revisions/1");
  av1::Revision r1;
  ASSERT_TRUE(stub_->GetRevision(Ctx().get(), gr, &r1).ok());
  EXPECT_EQ(r1.snapshot().publication_month().year(), 2018);

  // Archive; delete the draft edition.
  av1::ArchiveProfileRequest arch;
  arch.set_name(p.name());
  arch.set_etag(published.etag());
  av1::Profile archived;
  ASSERT_TRUE(stub_->ArchiveProfile(Ctx().get(), arch, &archived).ok());
  EXPECT_EQ(archived.state(), av1::PROFILE_STATE_ARCHIVED);
  del.set_name(next.name());
  del.set_etag(next.etag());
  ASSERT_TRUE(stub_->DeleteProfile(Ctx().get(), del, &empty).ok());
  av1::GetProfileRequest get;
  get.set_name(next.name());
  EXPECT_EQ(stub_->GetProfile(Ctx().get(), get, &out).error_code(), grpc::StatusCode::NOT_FOUND);

  // List with a filter.
  av1::ListProfilesRequest list;
  list.set_filter("country = \"GTM\" AND state = ARCHIVED");
  av1::ListProfilesResponse listed;
  ASSERT_TRUE(stub_->ListProfiles(Ctx().get(), list, &listed).ok());
  ASSERT_EQ(listed.profiles_size(), 1);
  EXPECT_EQ(listed.profiles(0).name(), p.name());
  list.set_filter("state = SHINY");
  s = stub_->ListProfiles(Ctx().get(), list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailFields(s), ElementsAre("filter"));
}

TEST_F(AssessmentIntegrationTest, PublishOfAnIncompleteDraftListsTheGaps) {
  av1::Profile draft = testing::CompleteDraft();
  draft.mutable_domains()->DeleteSubrange(2, 1);
  av1::Profile p = Create("gtm-gap", draft);
  av1::PublishProfileRequest publish;
  publish.set_name(p.name());
  publish.set_etag(p.etag());
  av1::Profile out;
  grpc::Status s = stub_->PublishProfile(Ctx().get(), publish, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(DetailFields(s), ElementsAre("domains"));
  EXPECT_THAT(s.error_message(), HasSubstr("not ready to publish"));
}

TEST_F(AssessmentIntegrationTest, ExportImportRoundTripAndBadDocuments) {
  av1::ExportProfilesRequest ex;
  ex.set_name("profiles/gtm-2022");
  av1::ProfileDocument doc;
  ASSERT_TRUE(stub_->ExportProfiles(Ctx().get(), ex, &doc).ok());
  ASSERT_EQ(doc.profiles_size(), 1);
  EXPECT_EQ(doc.format(), "mgi.profiles/v1");
  av1::ImportProfilesRequest im;
  *im.mutable_document() = doc;
  av1::ImportProfilesResponse resp;
  ASSERT_TRUE(stub_->ImportProfiles(Ctx().get(), im, &resp).ok());
  EXPECT_THAT(resp.unchanged(), ElementsAre("profiles/gtm-2022"));

  im.mutable_document()->mutable_profiles(0)->set_name("profiles/gtm-copy");
  auto* bad = im.mutable_document()->add_profiles();
  *bad = doc.profiles(0);
  bad->set_name("profiles/gtm-bad");
  bad->mutable_domains(2)->mutable_well_developed(1)->mutable_text()->clear();
  bad->mutable_publication_month()->set_month(0);
  grpc::Status s = stub_->ImportProfiles(Ctx().get(), im, &resp);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(DetailFields(s), ElementsAre("profiles[1].publication_month.month",
                                           "profiles[1].domains[2].well_developed[1].text",
                                           "profiles[1].domains[2].well_developed[1].text"));
  av1::GetProfileRequest get;
  get.set_name("profiles/gtm-copy");
  av1::Profile out;
  EXPECT_EQ(stub_->GetProfile(Ctx().get(), get, &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AssessmentIntegrationTest, AcknowledgedWritesAndRequestIdsSurviveKillNine) {
  av1::Profile p = Create("gtm-durable", testing::CompleteDraft(), "rq-durable");
  ASSERT_TRUE(service_.process->Signal(SIGKILL));
  ASSERT_TRUE(service_.process->Wait(std::chrono::seconds(10)).has_value());
  StartAssessment();
  av1::GetProfileRequest get;
  get.set_name(p.name());
  av1::Profile stored;
  ASSERT_TRUE(stub_->GetProfile(Ctx().get(), get, &stored).ok());
  EXPECT_EQ(stored.etag(), p.etag());
  // The retried create with the same request id returns the same profile, not ALREADY_EXISTS.
  av1::Profile again = Create("gtm-durable", testing::CompleteDraft(), "rq-durable");
  EXPECT_EQ(again.etag(), p.etag());
  // Seeding a second time changed nothing.
  get.set_name("profiles/gtm-2022");
  ASSERT_TRUE(stub_->GetProfile(Ctx().get(), get, &stored).ok());
  EXPECT_EQ(stored.revision(), 1);
}

// Waits until `process` has logged `text`, polling its log until the deadline.
bool WaitForLog(mgi::testing::Process& process, const std::string& text,
                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (process.Log().find(text) != std::string::npos) return true;
    if (!process.Running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, not a sync
  }
  return false;
}

// Issue 17: with --seed-dir and the catalog down, mgi-assessment serves at once, seeds when the
// catalog comes back, and honours SIGTERM while it waits.
class AssessmentStartupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_port_ = mgi::testing::FreePort();  // nothing listens there yet
    db_ = mgi::testing::TempDir("assessment-startup") + "/a.db";
  }
  std::vector<std::string> Args() {
    return {"--db=" + db_, "--catalog-addr=127.0.0.1:" + std::to_string(catalog_port_),
            "--seed-dir=" + mgi::testing::SourceDir() + "/data/profiles"};
  }
  int catalog_port_ = 0;
  std::string db_;
};

TEST_F(AssessmentStartupTest, ServesAtOnceWithTheCatalogDownAndSeedsWhenItComesBack) {
  auto assessment = StartService("mgi-assessment", Args(), {"MGI_AUTH_DISABLED=true"},
                                 std::chrono::seconds(15));
  ASSERT_TRUE(assessment.has_value()) << "mgi-assessment does not serve while the catalog is down";
  auto stub = av1::AssessmentService::NewStub(
      grpc::CreateChannel(assessment->address, grpc::InsecureChannelCredentials()));
  auto get = [&](av1::Profile* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    av1::GetProfileRequest req;
    req.set_name("profiles/gtm-2022");
    return stub->GetProfile(&ctx, req, out);
  };
  av1::Profile p;
  EXPECT_EQ(get(&p).error_code(), grpc::StatusCode::NOT_FOUND);  // not seeded yet
  EXPECT_TRUE(WaitForLog(*assessment->process, "seeding waits for the catalog",
                         std::chrono::seconds(10)));

  auto catalog = StartService("mgi-catalog", {"--port=" + std::to_string(catalog_port_)});
  ASSERT_TRUE(catalog.has_value());
  // Seeded in the background once the catalog answers (retries back off to 2 s at most).
  ASSERT_TRUE(WaitForLog(*assessment->process, "seeding done", std::chrono::seconds(20)))
      << assessment->process->Log();
  grpc::Status s = get(&p);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(p.state(), av1::PROFILE_STATE_PUBLISHED);
  EXPECT_EQ(p.display_title(),
            "Migration Governance Profile: Republic of Guatemala - Second Profile");

  ASSERT_TRUE(assessment->process->Signal(SIGTERM));
  auto code = assessment->process->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "still running after SIGTERM";
  EXPECT_EQ(*code, 0);
}

TEST_F(AssessmentStartupTest, HonoursSigtermWhileWaitingForTheCatalog) {
  std::vector<std::string> args = Args();
  args.insert(args.end(), {"--host=127.0.0.1",
                           "--port=" + std::to_string(mgi::testing::FreePort()),
                           "--metrics-port=-1", "--shutdown-grace=2s"});
  auto process = mgi::testing::Process::Start(mgi::testing::BinaryPath("mgi-assessment"), args,
                                              {"MGI_AUTH_DISABLED=true"});
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(WaitForLog(*process, "seeding waits for the catalog", std::chrono::seconds(15)))
      << process->Log();
  ASSERT_TRUE(process->Signal(SIGTERM));
  auto code = process->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value()) << "SIGTERM ignored while waiting for the catalog:\n"
                                << process->Log();
  EXPECT_EQ(*code, 0);
  EXPECT_THAT(process->Log(), HasSubstr("seeding stopped before it was done"));
}

TEST_F(AssessmentStartupTest, GivesUpAfterTheSeedTimeoutWithExitCodeOne) {
  std::vector<std::string> args = Args();
  args.insert(args.end(), {"--host=127.0.0.1",
                           "--port=" + std::to_string(mgi::testing::FreePort()),
                           "--metrics-port=-1", "--seed-timeout=1s", "--shutdown-grace=2s"});
  auto process = mgi::testing::Process::Start(mgi::testing::BinaryPath("mgi-assessment"), args,
                                              {"MGI_AUTH_DISABLED=true"});
  ASSERT_NE(process, nullptr);
  auto code = process->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "should have given up seeding";
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(process->Log(), HasSubstr("UNAVAILABLE"));
}

}  // namespace
}  // namespace mgi::assessment
