// The README's example calls, run against the whole suite started from the real binaries: if the
// README says it, it works.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include <fstream>
#include <sstream>

#include "harness.h"

namespace mgi::testing {
namespace {

class ReadmeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(TempDir("mgi-readme"));
    // The README's write example uses ./mgi run's local admin token; make one the same way.
    std::ofstream(*dir_ + "/admin-token") << "readme-e2e-admin-token";
    Run("/bin/sh", {"-c", "printf '%s admin local-admin\\n' \"$(printf %s readme-e2e-admin-token"
                          " | sha256sum | cut -d' ' -f1)\" > " + *dir_ + "/tokens"});
    catalog_ = new std::optional<Service>(StartService("mgi-catalog"));
    ASSERT_TRUE(catalog_->has_value());
    std::string catalog_addr = "--catalog-addr=" + (*catalog_)->address;
    assessment_ = new std::optional<Service>(StartService(
        "mgi-assessment", {catalog_addr, "--db=" + *dir_ + "/assessment.db",
                           "--seed-dir=" + DataDir() + "/profiles",
                           "--auth-tokens-file=" + *dir_ + "/tokens"}));
    ASSERT_TRUE(assessment_->has_value());
    report_ = new std::optional<Service>(StartService(
        "mgi-report", {catalog_addr, "--assessment-addr=" + (*assessment_)->address}));
    ASSERT_TRUE(report_->has_value());
    gateway_port_ = FreePort();
    gateway_metrics_port_ = FreePort();
    gateway_ = Process::Start(
                   BinaryPath("mgi-gateway"),
                   {"--host=127.0.0.1", "--port=" + std::to_string(gateway_port_),
                    "--metrics-port=" + std::to_string(gateway_metrics_port_), catalog_addr, "--assessment-addr=" + (*assessment_)->address,
                    "--report-addr=" + (*report_)->address})
                   .release();
    ASSERT_TRUE(WaitForHttp(gateway_port_, "/readyz", milliseconds(20000))) << gateway_->Log();
  }

  static void TearDownTestSuite() {
    delete gateway_;
    delete report_;
    delete assessment_;
    delete catalog_;
  }

  // Runs a command, returns what it printed; fails the test on a non-zero exit.
  static std::string Run(const std::string& binary, const std::vector<std::string>& args) {
    auto p = Process::Start(binary, args);
    EXPECT_NE(p, nullptr);
    auto code = p->Wait(milliseconds(30000));
    EXPECT_EQ(code, 0) << binary << " failed:\n" << p->Log();
    return p->Log();
  }

  static std::string Http(const std::string& path_and_query) {
    return Run("/usr/bin/curl", {"-sS", "--fail-with-body", "http://127.0.0.1:" +
                                                              std::to_string(gateway_port_) +
                                                              path_and_query});
  }

  static std::string* dir_;
  static std::optional<Service>* catalog_;
  static std::optional<Service>* assessment_;
  static std::optional<Service>* report_;
  static Process* gateway_;
  static int gateway_port_;
  static int gateway_metrics_port_;
};

std::string* ReadmeTest::dir_;
std::optional<Service>* ReadmeTest::catalog_;
std::optional<Service>* ReadmeTest::assessment_;
std::optional<Service>* ReadmeTest::report_;
Process* ReadmeTest::gateway_;
int ReadmeTest::gateway_port_;
int ReadmeTest::gateway_metrics_port_;

TEST_F(ReadmeTest, HealthReportsEachServiceByName) {
  EXPECT_TRUE(WaitForServing((*catalog_)->address, milliseconds(2000),
                             "mgi.catalog.v1.CatalogService"));
  EXPECT_TRUE(WaitForServing((*assessment_)->address, milliseconds(2000),
                             "mgi.assessment.v1.AssessmentService"));
  EXPECT_TRUE(WaitForServing((*report_)->address, milliseconds(2000),
                             "mgi.report.v1.ReportService"));
  EXPECT_FALSE(WaitForServing((*catalog_)->address, milliseconds(300), "no.such.Service"));
}

TEST_F(ReadmeTest, GrpcExampleWithBufCurlThroughReflection) {
  std::string out = Run(SourceDir() + "/tools/node/node_modules/.bin/buf",
                        {"curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d",
                         R"({"name": "countries/GTM", "language": "es"})",
                         "http://" + (*catalog_)->address +
                             "/mgi.catalog.v1.CatalogService/GetCountry"});
  EXPECT_NE(out.find(R"("officialName": "República de Guatemala")"), std::string::npos) << out;
}

TEST_F(ReadmeTest, WriteExampleWithTheAdminToken) {
  std::string out = Run("/usr/bin/curl",
                        {"-sS", "--fail-with-body", "-X", "POST", "-H",
                         "Authorization: Bearer readme-e2e-admin-token", "-H",
                         "Content-Type: application/json", "-d", "{}",
                         "http://127.0.0.1:" + std::to_string(gateway_port_) +
                             "/v1/profiles/gtm-2022:startNewEdition"});
  EXPECT_NE(out.find(R"("previousEdition":"profiles/gtm-2022")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("state":"PROFILE_STATE_DRAFT")"), std::string::npos) << out;
}

TEST_F(ReadmeTest, HttpExamples) {
  EXPECT_NE(Http("/v1/countries/GTM?language=fr").find("République du Guatemala"),
            std::string::npos);
  std::string indicators =
      Http("/v1/indicators?filter=domain%20%3D%20%22partnerships%22&page_size=5");
  EXPECT_NE(indicators.find("domains/partnerships"), std::string::npos) << indicators;
  EXPECT_NE(indicators.find("nextPageToken"), std::string::npos) << indicators;
  std::string profile = Http("/v1/profiles/gtm-2022");
  EXPECT_NE(profile.find("PROFILE_STATE_PUBLISHED"), std::string::npos) << profile;
  std::string pdf_path = *dir_ + "/gtm-2022-es.pdf";
  Run("/usr/bin/curl",
      {"-sS", "--fail-with-body", "-o", pdf_path,
       "http://127.0.0.1:" + std::to_string(gateway_port_) +
           "/v1/profiles/gtm-2022/report?format=pdf&language=es"});
  std::ifstream pdf(pdf_path, std::ios::binary);
  std::string head(5, '\0');
  pdf.read(head.data(), 5);
  EXPECT_EQ(head, "%PDF-");
  std::string markdown = Http("/v1/profiles/gtm-2022/report?format=markdown&language=fr");
  EXPECT_NE(markdown.find("août 2022"), std::string::npos) << markdown.substr(0, 400);
}

// The live-changes example: `curl -N -H 'Accept: text/event-stream' .../v1/profiles:watch` prints
// the event of a write made while it runs.
TEST_F(ReadmeTest, WatchExampleStreamsServerSentEvents) {
  auto curl = Process::Start("/usr/bin/curl", {"-sS", "-N", "-H", "Accept: text/event-stream",
                                               "http://127.0.0.1:" +
                                                   std::to_string(gateway_port_) +
                                                   "/v1/profiles:watch"});
  ASSERT_NE(curl, nullptr);
  // The stream is open once the gateway counts it (the service then sees every later commit).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto wait_for = [&](const std::function<bool()>& done) {
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(20));  // poll interval
    }
    return true;
  };
  ASSERT_TRUE(wait_for([&] {
    std::string m = HttpGetBody(gateway_metrics_port_, "/metrics");
    return m.find("mgi_gateway_open_streams 1") != std::string::npos;
  }));
  auto admin = [&](const std::string& path, const std::string& body) {
    return Run("/usr/bin/curl", {"-sS", "--fail-with-body", "-X", "POST", "-H",
                                 "Authorization: Bearer readme-e2e-admin-token", "-H",
                                 "Content-Type: application/json", "-d", body,
                                 "http://127.0.0.1:" + std::to_string(gateway_port_) + path});
  };
  // A new draft (invisible to this anonymous watcher), then its publication (visible).
  std::string draft = admin("/v1/profiles/gtm-2022:startNewEdition", R"({"profileId":"gtm-watch"})");
  size_t at = draft.find(R"("etag":")");
  ASSERT_NE(at, std::string::npos) << draft;
  size_t end = at + 8;  // the closing quote: the first one not escaped
  while (end < draft.size() && !(draft[end] == '"' && draft[end - 1] != '\\')) ++end;
  std::string etag = draft.substr(at + 8, end - at - 8);  // still JSON-escaped, as the body needs
  admin("/v1/profiles/gtm-watch:publish", R"({"etag":")" + etag + R"("})");
  EXPECT_TRUE(wait_for([&] { return curl->Log().find("event: PUBLISHED") != std::string::npos; }))
      << curl->Log();
  EXPECT_EQ(curl->Log().find("event: CREATED"), std::string::npos) << curl->Log();
  EXPECT_NE(curl->Log().find("profiles/gtm-watch"), std::string::npos) << curl->Log();
}

}  // namespace
}  // namespace mgi::testing
