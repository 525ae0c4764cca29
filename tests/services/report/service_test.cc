// Tests of ReportService (request checks, peer errors, fetch then render) and of its gRPC adapter
// in-process, with fake peers.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "services/common/digest.h"
#include "services/common/executor.h"
#include "services/common/server.h"
#include "services/common/status.h"
#include "mgi/report/v1/report_service.grpc.pb.h"
#include "services/report/report_grpc_service.h"
#include "services/report/report_service.h"
#include "report_fixtures.h"

namespace mgi::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace mgi::report::testing;

class ReportServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { assessment_.profiles["profiles/gtm-2022"] = Guatemala(); }
  // gtm-2022 as the edition after gtm-2018, each with an etag (current-1, previous-1).
  void TwoEditions() {
    auto current = Guatemala();
    current.set_previous_edition("profiles/gtm-2018");
    current.set_etag("current-1");
    assessment_.profiles["profiles/gtm-2022"] = current;
    auto previous = Guatemala();
    previous.set_etag("previous-1");
    assessment_.profiles["profiles/gtm-2018"] = previous;
  }
  FakeAssessment assessment_;
  FakeCatalog catalog_;
  ReportService service_{TheRenderer(), assessment_, catalog_};
};

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> out;
  for (const auto& v : FieldViolations(status)) out.push_back(v.field);
  return out;
}

TEST_F(ReportServiceTest, ChecksNameFormatAndLanguage) {
  auto bad_name = service_.GetReport({"profiles/gtm-2022", "html", "en", PeerCredentials::Anonymous()});
  EXPECT_EQ(bad_name.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(bad_name.status()), std::vector<std::string>{"name"});
  auto bad_format = service_.GetReport({"profiles/gtm-2022/report", "docx", "en", PeerCredentials::Anonymous()});
  EXPECT_EQ(Fields(bad_format.status()), std::vector<std::string>{"format"});
  EXPECT_THAT(std::string(bad_format.status().message()), HasSubstr("html, pdf, markdown, svg"));
  auto malformed = service_.GetReport({"profiles/gtm-2022/report", "pdf", "not a tag", PeerCredentials::Anonymous()});
  EXPECT_EQ(Fields(malformed.status()), std::vector<std::string>{"language"});
  auto all = service_.GetReport({"", "docx", "x", PeerCredentials::Anonymous()});
  EXPECT_EQ(Fields(all.status()), (std::vector<std::string>{"name", "format", "language"}));
  EXPECT_EQ(assessment_.get_calls, 0) << "bad requests never reach the peers";
  // A well-formed language without message file is decided by the profile's languages.
  auto bad_language = service_.GetReport({"profiles/gtm-2022/report", "pdf", "de", PeerCredentials::Anonymous()});
  EXPECT_EQ(Fields(bad_language.status()), std::vector<std::string>{"language"});
  EXPECT_THAT(std::string(bad_language.status().message()), HasSubstr("en, es, fr"));
  EXPECT_THAT(std::string(bad_language.status().message()),
              HasSubstr("profiles/gtm-2022 is written in en"));
}

// Issue 17: a report in the profile's own language even when the report's texts lack it.
TEST_F(ReportServiceTest, ReportInTheProfilesOwnLanguageWithHeadingsFallingBack) {
  auto mombasa = Guatemala();
  mombasa.set_name("profiles/mombasa-2022");
  mombasa.clear_languages();
  mombasa.add_languages("sw");
  mombasa.set_assessment_year(2022);
  for (auto& d : *mombasa.mutable_domains()) {
    for (auto* g : {d.mutable_well_developed(), d.mutable_further_development()}) {
      for (auto& f : *g) {
        std::string en = f.text().at("en");
        f.mutable_text()->clear();
        (*f.mutable_text())["sw"] = "Kiswahili: " + en;
      }
    }
  }
  assessment_.profiles["profiles/mombasa-2022"] = mombasa;
  auto html = service_.GetReport({"profiles/mombasa-2022/report", "html", "sw", PeerCredentials::Anonymous()});
  ASSERT_TRUE(html.ok()) << html.status();
  // The headings are English (no sw message file), marked on the document; the findings are
  // Swahili, not marked as fallbacks; a note says which language served each part.
  EXPECT_THAT(html->data, HasSubstr("<html lang=\"en\" data-requested-language=\"sw\">"));
  EXPECT_THAT(html->data, HasSubstr("<li lang=\"sw\">Kiswahili: "));
  EXPECT_THAT(html->data, Not(HasSubstr("class=\"fallback\"")));
  EXPECT_THAT(html->data,
              HasSubstr("Languages: findings in Swahili; headings and other texts in English, as "
                        "they are not available in Swahili."));
  EXPECT_THAT(html->data, HasSubstr("Assessment year: 2022"));
  EXPECT_THAT(html->data, HasSubstr("Key findings"));
  auto md = service_.GetReport({"profiles/mombasa-2022/report", "markdown", "sw", PeerCredentials::Anonymous()});
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_THAT(md->data, HasSubstr("- Kiswahili: "));
  auto pdf = service_.GetReport({"profiles/mombasa-2022/report", "pdf", "sw", PeerCredentials::Anonymous()});
  ASSERT_TRUE(pdf.ok()) << pdf.status();

  // In English, the findings fall back to Swahili, each marked.
  auto en = service_.GetReport({"profiles/mombasa-2022/report", "html", "en", PeerCredentials::Anonymous()});
  ASSERT_TRUE(en.ok()) << en.status();
  EXPECT_THAT(en->data, HasSubstr("<span class=\"fallback\" lang=\"en\">(in Swahili)</span>"));
  EXPECT_THAT(en->data, HasSubstr("Languages: findings in Swahili; headings and other texts in "
                                  "English."));

  // Neither a message file's nor the profile's language: 400.
  auto de = service_.GetReport({"profiles/mombasa-2022/report", "html", "de", PeerCredentials::Anonymous()});
  EXPECT_EQ(de.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(de.status()), std::vector<std::string>{"language"});
  EXPECT_THAT(std::string(de.status().message()), HasSubstr("is written in sw"));
}

TEST_F(ReportServiceTest, DefaultsToHtmlInEnglish) {
  auto report = service_.GetReport({"profiles/gtm-2022/report", "", "", PeerCredentials::Anonymous()});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->content_type, "text/html; charset=utf-8");
  EXPECT_THAT(report->data, HasSubstr("<html lang=\"en\">"));
  EXPECT_EQ(report->etag, mgi::ContentEtag(report->data));
  auto again = service_.GetReport({"profiles/gtm-2022/report", "html", "EN", PeerCredentials::Anonymous()});
  EXPECT_EQ(again->etag, report->etag);
  auto fr = service_.GetReport({"profiles/gtm-2022/report", "html", "fr", PeerCredentials::Anonymous()});
  EXPECT_NE(fr->etag, report->etag);
}

TEST_F(ReportServiceTest, MissingProfileIsNotFound) {
  auto report = service_.GetReport({"profiles/nope/report", "pdf", "en", PeerCredentials::Anonymous()});
  EXPECT_EQ(report.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("profiles/nope"));
}

TEST_F(ReportServiceTest, CatalogOutageIsReported) {
  catalog_.fail = absl::UnavailableError("catalog down");
  auto report = service_.GetReport({"profiles/gtm-2022/report", "html", "en", PeerCredentials::Anonymous()});
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ReportServiceTest, SecondEditionFetchesTheComparison) {
  auto current = Guatemala();
  current.set_previous_edition("profiles/gtm-2018");
  assessment_.profiles["profiles/gtm-2022"] = current;
  auto previous = Guatemala();
  previous.mutable_publication_month()->set_year(2018);
  previous.mutable_publication_month()->set_month(11);
  assessment_.profiles["profiles/gtm-2018"] = previous;
  auto* dc = assessment_.comparison.add_domains();
  dc->set_domain("domains/partnerships");
  (*dc->mutable_well_developed()->add_added()->mutable_text())["en"] = "Brand new finding.";
  auto report = service_.GetReport({"profiles/gtm-2022/report", "markdown", "en", PeerCredentials::Anonymous()});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->data, HasSubstr("## What changed since the previous edition"));
  EXPECT_THAT(report->data, HasSubstr("November 2018"));
  EXPECT_THAT(report->data, HasSubstr("### Partnerships\n\n#### New findings\n\n- Brand new finding."));
}

TEST_F(ReportServiceTest, TheComparisonIsKeptUnderBothEtagsAndNeverStale) {
  TwoEditions();
  auto* dc = assessment_.comparison.add_domains();
  dc->set_domain("domains/partnerships");
  (*dc->mutable_well_developed()->add_added()->mutable_text())["en"] = "First comparison.";
  ReportRequest req{"profiles/gtm-2022/report", "markdown", "en", PeerCredentials::Anonymous()};
  auto first = service_.GetReport(req);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(first->data, HasSubstr("First comparison."));
  EXPECT_EQ(assessment_.compare_calls, 1);
  auto again = service_.GetReport(req);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->data, first->data);
  EXPECT_EQ(assessment_.compare_calls, 1);  // kept
  // Either profile changes (a new etag): compared again, the new answer shown.
  (*assessment_.comparison.mutable_domains(0)->mutable_well_developed()->mutable_added(0)
        ->mutable_text())["en"] = "Second comparison.";
  assessment_.profiles["profiles/gtm-2018"].set_etag("previous-2");
  auto changed = service_.GetReport(req);
  ASSERT_TRUE(changed.ok());
  EXPECT_THAT(changed->data, HasSubstr("Second comparison."));
  EXPECT_EQ(assessment_.compare_calls, 2);
  assessment_.profiles["profiles/gtm-2022"].set_etag("current-2");
  (*assessment_.comparison.mutable_domains(0)->mutable_well_developed()->mutable_added(0)
        ->mutable_text())["en"] = "Third comparison.";
  auto changed_again = service_.GetReport(req);
  ASSERT_TRUE(changed_again.ok());
  EXPECT_THAT(changed_again->data, HasSubstr("Third comparison."));
  EXPECT_EQ(assessment_.compare_calls, 3);
}

// What FetchInputs composes from the profiles (catalog texts, comparison, digest) is reused while
// both profiles read on this call are unchanged; the profiles themselves are read every time.
TEST_F(ReportServiceTest, InputsAreComposedOncePerContentOfBothProfiles) {
  TwoEditions();
  const auto current = assessment_.profiles["profiles/gtm-2022"];
  CheckedRequest req{"profiles/gtm-2022", "html", "en", "en", PeerCredentials::Anonymous()};
  auto first = service_.FetchInputs(req);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE((*first)->digest.empty());
  EXPECT_EQ((*first)->digest, InputsDigest(**first));
  const int catalog_calls = catalog_.calls;
  EXPECT_EQ(catalog_calls, 3);
  EXPECT_EQ(assessment_.get_calls, 2);
  auto again = service_.FetchInputs(req);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first) << "the same composition, shared";
  EXPECT_EQ(catalog_.calls, catalog_calls);
  EXPECT_EQ(assessment_.compare_calls, 1);
  EXPECT_EQ(assessment_.get_calls, 4) << "both profiles read on every call";
  // Another language is another composition; a refused read is refused, composition or not.
  auto french = service_.FetchInputs({"profiles/gtm-2022", "html", "fr", "fr",
                                      PeerCredentials::Anonymous()});
  ASSERT_TRUE(french.ok());
  EXPECT_NE((*french)->digest, (*first)->digest);
  assessment_.profiles.erase("profiles/gtm-2022");
  EXPECT_EQ(service_.FetchInputs(req).status().code(), absl::StatusCode::kNotFound);
  // Either profile's content changes: composed again, with another digest.
  assessment_.profiles["profiles/gtm-2022"] = current;
  EXPECT_EQ((*service_.FetchInputs(req))->digest, (*first)->digest) << "unchanged again";
  assessment_.profiles["profiles/gtm-2018"].mutable_publication_month()->set_year(2017);
  auto changed = service_.FetchInputs(req);
  ASSERT_TRUE(changed.ok());
  EXPECT_NE((*changed)->digest, (*first)->digest);
  EXPECT_EQ((*changed)->previous_month->year(), 2017);
  EXPECT_EQ(assessment_.compare_calls, 3);
  // Without a catalog TTL nothing composed is kept.
  ReportService uncached(TheRenderer(), assessment_, catalog_, nullptr, std::chrono::milliseconds(0));
  const int before = catalog_.calls;
  ASSERT_TRUE(uncached.FetchInputs(req).ok());
  ASSERT_TRUE(uncached.FetchInputs(req).ok());
  EXPECT_EQ(catalog_.calls, before + 6);
}

TEST_F(ReportServiceTest, ListFormats) {
  FormatsInfo info = service_.ListFormats();
  ASSERT_EQ(info.formats.size(), 4u);
  EXPECT_EQ(info.formats[1].format, "pdf");
  EXPECT_EQ(info.languages, (std::vector<std::string>{"en", "es", "fr"}));
  EXPECT_EQ(info.renderer_version, kRendererVersion);
}

// The gRPC adapter, served in-process on a free port.
class ReportGrpcTest : public ReportServiceTest {
 protected:
  void SetUp() override {
    ReportServiceTest::SetUp();
    ServerConfig config;
    config.port = 0;
    config.metrics_port = -1;
    auto server = RunningServer::Start(config, &metrics_, {&grpc_service_}, {.access = &access_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = mgi::report::v1::ReportService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }
  grpc::Status Get(const std::string& name, const std::string& format, const std::string& language,
                   google::api::HttpBody* body, grpc::ClientContext* context) {
    mgi::report::v1::GetReportRequest request;
    request.set_name(name);
    request.set_format(format);
    request.set_language(language);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub_->GetReport(context, request, body);
  }
  MetricsRegistry metrics_;
  Authorizer authorizer_{nullptr, /*public_read=*/true};  // no tokens: anonymous public reads
  AccessControl access_{&authorizer_};
  Executor executor_{2};
  ReportGrpcService grpc_service_{service_, executor_, &metrics_};
  std::unique_ptr<RunningServer> server_;
  std::unique_ptr<mgi::report::v1::ReportService::Stub> stub_;
};

TEST_F(ReportGrpcTest, ServesEveryFormatWithEtag) {
  for (const auto& f : Formats()) {
    google::api::HttpBody body;
    grpc::ClientContext context;
    grpc::Status status = Get("profiles/gtm-2022/report", f.format, "es", &body, &context);
    ASSERT_TRUE(status.ok()) << f.format << ": " << status.error_message();
    EXPECT_EQ(body.content_type(), f.content_type);
    EXPECT_FALSE(body.data().empty());
    auto etag = context.GetServerInitialMetadata().find("etag");
    ASSERT_NE(etag, context.GetServerInitialMetadata().end());
    EXPECT_EQ(std::string(etag->second.data(), etag->second.size()), mgi::ContentEtag(body.data()));
  }
}

TEST_F(ReportGrpcTest, ErrorsReachTheCallerWithTheField) {
  google::api::HttpBody body;
  grpc::ClientContext c1;
  grpc::Status missing = Get("profiles/nope/report", "html", "en", &body, &c1);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext c2;
  grpc::Status format = Get("profiles/gtm-2022/report", "docx", "en", &body, &c2);
  EXPECT_EQ(format.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Fields(FromGrpcStatus(format)), std::vector<std::string>{"format"});
  grpc::ClientContext c3;
  grpc::Status language = Get("profiles/gtm-2022/report", "html", "zz", &body, &c3);
  EXPECT_EQ(Fields(FromGrpcStatus(language)), std::vector<std::string>{"language"});
}

TEST_F(ReportGrpcTest, ListReportFormats) {
  grpc::ClientContext context;
  mgi::report::v1::ListReportFormatsResponse response;
  ASSERT_TRUE(stub_->ListReportFormats(&context, {}, &response).ok());
  EXPECT_EQ(response.formats_size(), 4);
  EXPECT_EQ(response.formats(0).format(), "html");
  EXPECT_EQ(response.languages_size(), 3);
  EXPECT_EQ(response.renderer_version(), kRendererVersion);
}

}  // namespace
}  // namespace mgi::report
