// The three real binaries on free loopback ports: mgi-catalog, mgi-assessment (seeded with
// data/profiles) and mgi-report. The report fetches over gRPC and renders every format.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "services/common/status.h"
#include "harness.h"
#include "mgi/report/v1/report_service.grpc.pb.h"

namespace mgi::report {
namespace {

using ::testing::HasSubstr;
namespace v1 = ::mgi::report::v1;

class ReportIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    using mgi::testing::StartService;
    auto catalog = StartService("mgi-catalog", {"--country-languages=fr,es"});
    ASSERT_TRUE(catalog.has_value());
    catalog_ = new mgi::testing::Service(std::move(*catalog));
    std::string dir = mgi::testing::TempDir("report-it");
    std::string db = dir + "/assessment.db";
    // The shipped seed plus a test profile written in Swahili only (test text, not IOM's).
    std::filesystem::create_directories(dir + "/seed");
    std::filesystem::copy_file(mgi::testing::DataDir() + "/profiles/gtm-2022.json",
                               dir + "/seed/gtm-2022.json");
    std::filesystem::copy_file(mgi::testing::SourceDir() +
                                   "/tests/services/report/fixtures/seed-sw/mombasa-test.json",
                               dir + "/seed/mombasa-test.json");
    auto assessment = StartService(
        "mgi-assessment",
        {"--db=" + db, "--catalog-addr=" + catalog_->address, "--seed-dir=" + dir + "/seed"});
    ASSERT_TRUE(assessment.has_value());
    assessment_ = new mgi::testing::Service(std::move(*assessment));
    auto report = StartService("mgi-report", {"--catalog-addr=" + catalog_->address,
                                              "--assessment-addr=" + assessment_->address});
    ASSERT_TRUE(report.has_value());
    report_ = new mgi::testing::Service(std::move(*report));
  }
  static void TearDownTestSuite() {
    delete report_;
    delete assessment_;
    delete catalog_;
  }
  void SetUp() override {
    ASSERT_NE(report_, nullptr);
    stub_ = v1::ReportService::NewStub(
        grpc::CreateChannel(report_->address, grpc::InsecureChannelCredentials()));
  }
  grpc::Status Get(const std::string& name, const std::string& format,
                   const std::string& language, google::api::HttpBody* body) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::GetReportRequest request;
    request.set_name(name);
    request.set_format(format);
    request.set_language(language);
    return stub_->GetReport(&context, request, body);
  }
  static mgi::testing::Service* catalog_;
  static mgi::testing::Service* assessment_;
  static mgi::testing::Service* report_;
  std::unique_ptr<v1::ReportService::Stub> stub_;
};
mgi::testing::Service* ReportIntegrationTest::catalog_ = nullptr;
mgi::testing::Service* ReportIntegrationTest::assessment_ = nullptr;
mgi::testing::Service* ReportIntegrationTest::report_ = nullptr;

TEST_F(ReportIntegrationTest, GuatemalaInThreeLanguages) {
  struct Case {
    std::string language, title, month, heading;
  };
  for (const Case& c : std::vector<Case>{
           {"en", "Migration Governance Profile: Republic of Guatemala - Second Profile",
            "August 2022", "Areas with potential for further development"},
           {"fr", "Profil de gouvernance des migrations : République du Guatemala - Deuxième profil",
            "août 2022", "Aspects qui pourraient être renforcés"},
           {"es", "Perfil de gobernanza de la migración: República de Guatemala - Segundo perfil",
            "agosto de 2022", "Áreas con potencial de desarrollo adicional"}}) {
    google::api::HttpBody body;
    grpc::Status status = Get("profiles/gtm-2022/report", "markdown", c.language, &body);
    ASSERT_TRUE(status.ok()) << c.language << ": " << status.error_message();
    EXPECT_EQ(body.content_type(), "text/markdown; charset=utf-8");
    EXPECT_THAT(body.data(), HasSubstr(c.title));
    EXPECT_THAT(body.data(), HasSubstr(c.month));
    EXPECT_THAT(body.data(), HasSubstr(c.heading));
    EXPECT_THAT(body.data(), HasSubstr("Guatemalan Migration Institute"));
    // The findings exist in English only: marked as such in the other languages.
    EXPECT_EQ(body.data().find("*(en") != std::string::npos, c.language != "en");
  }
}

// Issue 17, end to end: a Swahili-only local profile is reported in Swahili (no sw message
// file: headings in English, said so), titled with its assessment year; German is refused.
TEST_F(ReportIntegrationTest, ProfileWrittenInALanguageTheReportTextsLack) {
  google::api::HttpBody body;
  grpc::Status s = Get("profiles/mombasa-test/report", "html", "sw", &body);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(body.data(), HasSubstr("<html lang=\"en\" data-requested-language=\"sw\">"));
  EXPECT_THAT(body.data(),
              HasSubstr("<h1>Local Migration Governance Profile 2022: Kaunti ya Mombasa - First "
                        "Profile</h1>"));
  EXPECT_THAT(body.data(), HasSubstr("<li lang=\"sw\">Maandishi ya majaribio 1: eneo"));
  EXPECT_THAT(body.data(), HasSubstr("Languages: findings in Swahili; headings and other texts in "
                                     "English, as they are not available in Swahili."));
  EXPECT_THAT(body.data(), HasSubstr("Assessment year: 2022"));
  ASSERT_TRUE(Get("profiles/mombasa-test/report", "pdf", "sw", &body).ok());
  s = Get("profiles/mombasa-test/report", "html", "de", &body);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("is written in sw"));
  // In French, the unit's name is the profile's own, marked with its language.
  ASSERT_TRUE(Get("profiles/mombasa-test/report", "html", "fr", &body).ok());
  EXPECT_THAT(body.data(), HasSubstr("Kaunti ya Mombasa (sw)"));
  EXPECT_THAT(body.data(), HasSubstr("(en swahili)"));
}

TEST_F(ReportIntegrationTest, EveryFormatIsDeterministic) {
  for (const std::string format : {"html", "pdf", "markdown", "svg"}) {
    google::api::HttpBody a, b;
    ASSERT_TRUE(Get("profiles/gtm-2022/report", format, "fr", &a).ok()) << format;
    ASSERT_TRUE(Get("profiles/gtm-2022/report", format, "fr", &b).ok()) << format;
    EXPECT_FALSE(a.data().empty());
    EXPECT_EQ(a.data(), b.data()) << format;
  }
}

TEST_F(ReportIntegrationTest, ErrorsReachTheCaller) {
  google::api::HttpBody body;
  grpc::Status missing = Get("profiles/nowhere-1999/report", "html", "en", &body);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND) << missing.error_message();
  grpc::Status format = Get("profiles/gtm-2022/report", "docx", "en", &body);
  EXPECT_EQ(format.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = FieldViolations(FromGrpcStatus(format));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "format");
  grpc::Status language = Get("profiles/gtm-2022/report", "html", "xx", &body);
  EXPECT_EQ(language.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReportIntegrationTest, CatalogDownIsUnavailableNotAWrongReport) {
  // A report service whose catalog address has nothing listening.
  int port = mgi::testing::FreePort();
  auto lonely = mgi::testing::StartService(
      "mgi-report", {"--catalog-addr=127.0.0.1:" + std::to_string(port),
                     "--assessment-addr=" + assessment_->address, "--peer-deadline=2s"});
  ASSERT_TRUE(lonely.has_value());
  auto stub = v1::ReportService::NewStub(
      grpc::CreateChannel(lonely->address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::GetReportRequest request;
  request.set_name("profiles/gtm-2022/report");
  google::api::HttpBody body;
  grpc::Status status = stub->GetReport(&context, request, &body);
  EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
              status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_code() << " " << status.error_message();
}

// The profile is read through gRPC's callback API (no thread waits): an assessment with nothing
// listening is UNAVAILABLE (or the deadline), never a hang or a report.
TEST_F(ReportIntegrationTest, AssessmentDownIsUnavailableNotAWrongReport) {
  int port = mgi::testing::FreePort();
  auto lonely = mgi::testing::StartService(
      "mgi-report", {"--catalog-addr=" + catalog_->address,
                     "--assessment-addr=127.0.0.1:" + std::to_string(port), "--peer-deadline=2s"});
  ASSERT_TRUE(lonely.has_value());
  auto stub = v1::ReportService::NewStub(
      grpc::CreateChannel(lonely->address, grpc::InsecureChannelCredentials()));
  for (const char* format : {"html", "markdown"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    v1::GetReportRequest request;
    request.set_name("profiles/gtm-2022/report");
    request.set_format(format);
    google::api::HttpBody body;
    grpc::Status status = stub->GetReport(&context, request, &body);
    EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
        << status.error_code() << " " << status.error_message();
    EXPECT_TRUE(body.data().empty());
  }
}

}  // namespace
}  // namespace mgi::report
