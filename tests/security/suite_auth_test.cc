// Access control of the real mgi-catalog, mgi-report and mgi-gateway (with a real
// mgi-assessment), over loopback: every caller (anonymous, viewer, editor, publisher, admin,
// impostor) against every catalog and report RPC; a draft's report needs a token and the report
// service forwards the caller's token to its peers; with public-read off every service refuses
// anonymous callers, the assessment seeds through a service token, and a token added to the file
// is accepted without a restart; the gateway maps 401 (with WWW-Authenticate) and 403; no
// process logs a token or its hash.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "services/common/access.h"
#include "services/common/auth.h"
#include "harness.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "http_client.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"
#include "mgi/report/v1/report_service.grpc.pb.h"

namespace mgi {
namespace {

namespace av1 = ::mgi::assessment::v1;
namespace cv1 = ::mgi::catalog::v1;
namespace rv1 = ::mgi::report::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

constexpr char kPublished[] = "profiles/gtm-2022";

struct Caller {
  std::string role;   // "" = anonymous
  std::string token;  // "" = none
  std::string principal;
};

const std::vector<Caller> kCallers = {
    {"", "", "anonymous"},
    {"viewer", "tok-viewer-8d1f02aa", "vera"},
    {"editor", "tok-editor-19be7c3d", "eddie"},
    {"publisher", "tok-publisher-c4e0a951", "paula"},
    {"admin", "tok-admin-7f3b6e28", "ada"},
};
const Caller kImpostor{"", "tok-impostor-0b5d9e64", "impostor"};
const Caller kLate{"viewer", "tok-added-later-51ce8a07", "latecomer"};

std::string TokenLine(const Caller& c) {
  return HexDigest(Sha256(c.token)) + " " + c.role + " " + c.principal + "\n";
}

void Prepare(grpc::ClientContext* context, const Caller& caller) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  if (!caller.token.empty()) context->AddMetadata("authorization", "Bearer " + caller.token);
}

class SuiteAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::TempDir("mgi-suite-auth"));
    tokens_ = new std::string(*dir_ + "/tokens");
    {
      std::ofstream out(*tokens_);
      for (const auto& c : kCallers) {
        if (!c.token.empty()) out << TokenLine(c);
      }
    }
    service_token_ = new std::string(*dir_ + "/service-token");
    std::ofstream(*service_token_) << kCallers[1].token << "\n";
    std::string auth = "--auth-tokens-file=" + *tokens_;
    std::string reload = "--auth-reload-interval=100ms";

    // Public read on (the default).
    catalog_ = Start("mgi-catalog", {auth});
    assessment_ = Start("mgi-assessment",
                        {auth, "--db=" + *dir_ + "/a.db", "--catalog-addr=" + catalog_->address,
                         "--seed-dir=" + testing::DataDir() + "/profiles"});
    report_ = Start("mgi-report", {auth, "--catalog-addr=" + catalog_->address,
                                   "--assessment-addr=" + assessment_->address});
    // Public read off everywhere; the assessment seeds with its service token.
    std::string closed = "--public-read=false";
    closed_catalog_ = Start("mgi-catalog", {auth, closed, reload});
    closed_assessment_ = Start(
        "mgi-assessment",
        {auth, closed, "--db=" + *dir_ + "/closed.db", "--catalog-addr=" + closed_catalog_->address,
         "--seed-dir=" + testing::DataDir() + "/profiles", "--seed-timeout=5s"},
        {"MGI_SERVICE_TOKEN_FILE=" + *service_token_});
    closed_report_ =
        Start("mgi-report", {auth, closed, "--catalog-addr=" + closed_catalog_->address,
                             "--assessment-addr=" + closed_assessment_->address});
    if (!catalog_ || !assessment_ || !report_ || !closed_catalog_ || !closed_assessment_ ||
        !closed_report_) {
      return;
    }
    // A draft, made by the editor.
    auto stub = av1::AssessmentService::NewStub(
        grpc::CreateChannel(assessment_->address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    Prepare(&context, kCallers[2]);
    av1::StartNewEditionRequest req;
    req.set_name(kPublished);
    av1::Profile draft;
    grpc::Status st = stub->StartNewEdition(&context, req, &draft);
    if (st.ok()) draft_ = new std::string(draft.name());
  }

  static testing::Service* Start(const std::string& binary, const std::vector<std::string>& args,
                                 const std::vector<std::string>& env = {}) {
    auto s = testing::StartService(binary, args, env);
    return s ? new testing::Service(std::move(*s)) : nullptr;
  }

  static void TearDownTestSuite() {
    for (auto* s :
         {closed_report_, closed_assessment_, closed_catalog_, report_, assessment_, catalog_}) {
      delete s;
    }
    delete draft_;
    delete service_token_;
    delete tokens_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(catalog_, nullptr);
    ASSERT_NE(assessment_, nullptr);
    ASSERT_NE(report_, nullptr);
    ASSERT_NE(closed_catalog_, nullptr);
    ASSERT_NE(closed_assessment_, nullptr) << "seeding through the service token failed";
    ASSERT_NE(closed_report_, nullptr);
    ASSERT_NE(draft_, nullptr) << "the editor could not start a new edition";
  }

  // GetReport as `caller`; the response's cache-control metadata goes to `cache_control`.
  static grpc::Status Report(const testing::Service& report, const Caller& caller,
                             const std::string& profile, std::string* cache_control = nullptr) {
    auto stub = rv1::ReportService::NewStub(
        grpc::CreateChannel(report.address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    Prepare(&context, caller);
    rv1::GetReportRequest req;
    req.set_name(profile + "/report");
    req.set_format("markdown");
    google::api::HttpBody body;
    grpc::Status st = stub->GetReport(&context, req, &body);
    if (st.ok() && body.data().empty()) return grpc::Status(grpc::StatusCode::INTERNAL, "empty");
    if (cache_control != nullptr) {
      auto it = context.GetServerInitialMetadata().find("cache-control");
      *cache_control = it == context.GetServerInitialMetadata().end()
                           ? "(none)"
                           : std::string(it->second.data(), it->second.size());
    }
    return st;
  }

  using CatalogCall = std::function<grpc::Status(cv1::CatalogService::Stub*, grpc::ClientContext*)>;
  static std::map<std::string, CatalogCall> CatalogCalls() {
    return {
        {"GetFramework",
         [](auto* s, auto* c) {
           cv1::Framework out;
           return s->GetFramework(c, cv1::GetFrameworkRequest(), &out);
         }},
        {"ListDomains",
         [](auto* s, auto* c) {
           cv1::ListDomainsResponse out;
           return s->ListDomains(c, cv1::ListDomainsRequest(), &out);
         }},
        {"GetDomain",
         [](auto* s, auto* c) {
           cv1::GetDomainRequest r;
           r.set_name("domains/migrants-rights");
           cv1::Domain out;
           return s->GetDomain(c, r, &out);
         }},
        {"ListIndicators",
         [](auto* s, auto* c) {
           cv1::ListIndicatorsResponse out;
           return s->ListIndicators(c, cv1::ListIndicatorsRequest(), &out);
         }},
        {"GetIndicator",
         [](auto* s, auto* c) {
           cv1::GetIndicatorRequest r;
           r.set_name("indicators/n-1-01");
           cv1::Indicator out;
           return s->GetIndicator(c, r, &out);
         }},
        {"SearchIndicators",
         [](auto* s, auto* c) {
           cv1::SearchIndicatorsRequest r;
           r.set_query("migration");
           cv1::SearchIndicatorsResponse out;
           return s->SearchIndicators(c, r, &out);
         }},
        {"ListCountries",
         [](auto* s, auto* c) {
           cv1::ListCountriesResponse out;
           return s->ListCountries(c, cv1::ListCountriesRequest(), &out);
         }},
        {"GetCountry",
         [](auto* s, auto* c) {
           cv1::GetCountryRequest r;
           r.set_name("countries/GTM");
           cv1::Country out;
           return s->GetCountry(c, r, &out);
         }},
    };
  }

  static grpc::Status CallCatalog(const testing::Service& catalog, const std::string& method,
                                  const Caller& caller) {
    auto stub = cv1::CatalogService::NewStub(
        grpc::CreateChannel(catalog.address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    Prepare(&context, caller);
    return CatalogCalls().at(method)(stub.get(), &context);
  }

  static bool Refused(const grpc::Status& st) {
    return st.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
           st.error_code() == grpc::StatusCode::PERMISSION_DENIED;
  }

  static std::string* dir_;
  static std::string* tokens_;
  static std::string* service_token_;
  static std::string* draft_;
  static testing::Service *catalog_, *assessment_, *report_;
  static testing::Service *closed_catalog_, *closed_assessment_, *closed_report_;
};

std::string* SuiteAuthTest::dir_ = nullptr;
std::string* SuiteAuthTest::tokens_ = nullptr;
std::string* SuiteAuthTest::service_token_ = nullptr;
std::string* SuiteAuthTest::draft_ = nullptr;
testing::Service* SuiteAuthTest::catalog_ = nullptr;
testing::Service* SuiteAuthTest::assessment_ = nullptr;
testing::Service* SuiteAuthTest::report_ = nullptr;
testing::Service* SuiteAuthTest::closed_catalog_ = nullptr;
testing::Service* SuiteAuthTest::closed_assessment_ = nullptr;
testing::Service* SuiteAuthTest::closed_report_ = nullptr;

TEST_F(SuiteAuthTest, CatalogEveryCallerAgainstEveryRpc) {
  auto calls = CatalogCalls();
  // The table covers the whole service.
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      cv1::CatalogService::service_full_name());
  ASSERT_NE(service, nullptr);
  ASSERT_EQ(static_cast<size_t>(service->method_count()), calls.size());
  for (const auto& [method, call] : calls) {
    ASSERT_EQ(DeclaredPermission("/mgi.catalog.v1.CatalogService/" + method),
              Permission::kReadPublished)
        << method;
    for (const Caller& caller : kCallers) {
      SCOPED_TRACE(method + " as " + caller.principal);
      // Public read on: everyone reads; the answer is a real one.
      grpc::Status open = CallCatalog(*catalog_, method, caller);
      EXPECT_TRUE(open.ok()) << open.error_message();
      // Public read off: a token (any role) is needed.
      grpc::Status closed = CallCatalog(*closed_catalog_, method, caller);
      if (caller.token.empty()) {
        EXPECT_EQ(closed.error_code(), grpc::StatusCode::UNAUTHENTICATED);
        EXPECT_THAT(closed.error_message(), HasSubstr("needs a bearer token"));
      } else {
        EXPECT_TRUE(closed.ok()) << closed.error_message();
      }
    }
    // A token not in the file is refused even where reading is public.
    EXPECT_EQ(CallCatalog(*catalog_, method, kImpostor).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(CallCatalog(*closed_catalog_, method, kImpostor).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(SuiteAuthTest, ReportEveryCallerAgainstEveryRpc) {
  auto stub = rv1::ReportService::NewStub(
      grpc::CreateChannel(report_->address, grpc::InsecureChannelCredentials()));
  for (const Caller& caller : kCallers) {
    SCOPED_TRACE(caller.principal);
    // Published: public.
    grpc::Status published = Report(*report_, caller, kPublished);
    EXPECT_TRUE(published.ok()) << published.error_message();
    // A draft: any token (viewer or higher); anonymous callers are asked for one.
    grpc::Status draft = Report(*report_, caller, *draft_);
    if (caller.token.empty()) {
      EXPECT_EQ(draft.error_code(), grpc::StatusCode::UNAUTHENTICATED) << draft.error_message();
    } else {
      EXPECT_TRUE(draft.ok()) << draft.error_message();
    }
    grpc::ClientContext context;
    Prepare(&context, caller);
    rv1::ListReportFormatsResponse formats;
    grpc::Status listed = stub->ListReportFormats(&context, {}, &formats);
    EXPECT_TRUE(listed.ok()) << listed.error_message();
    EXPECT_GT(formats.formats_size(), 0);
  }
  EXPECT_EQ(Report(*report_, kImpostor, kPublished).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext context;
  Prepare(&context, kImpostor);
  rv1::ListReportFormatsResponse formats;
  EXPECT_EQ(stub->ListReportFormats(&context, {}, &formats).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  for (const char* method : {"GetReport", "ListReportFormats"}) {
    EXPECT_EQ(DeclaredPermission(std::string("/mgi.report.v1.ReportService/") + method),
              Permission::kReadPublished);
  }
}

TEST_F(SuiteAuthTest, PublicReadOffNeedsATokenEverywhereAndTheReportForwardsIt) {
  for (const Caller& caller : kCallers) {
    SCOPED_TRACE(caller.principal);
    grpc::Status st = Report(*closed_report_, caller, kPublished);
    if (caller.token.empty()) {
      EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
    } else {
      // Passes only if the report service forwarded the token to the assessment and the
      // catalog, which both refuse anonymous callers here.
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
  }
}

TEST_F(SuiteAuthTest, SeedingWithPublicReadOffFailsWithoutTheServiceToken) {
  auto process = testing::Process::Start(
      testing::BinaryPath("mgi-assessment"),
      {"--host=127.0.0.1", "--port=" + std::to_string(testing::FreePort()), "--metrics-port=-1",
       "--auth-tokens-file=" + *tokens_, "--public-read=false", "--db=" + *dir_ + "/no-token.db",
       "--catalog-addr=" + closed_catalog_->address,
       "--seed-dir=" + testing::DataDir() + "/profiles", "--seed-timeout=2s"},
      {"MGI_SERVICE_TOKEN_FILE="});
  ASSERT_NE(process, nullptr);
  auto code = process->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "still running: seeding should have failed";
  EXPECT_NE(*code, 0);
  EXPECT_THAT(process->Log(), HasSubstr("UNAUTHENTICATED"));
}

TEST_F(SuiteAuthTest, TokenAddedToTheFileIsAcceptedWithoutARestart) {
  EXPECT_EQ(CallCatalog(*closed_catalog_, "GetFramework", kLate).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  {
    std::ofstream out(*tokens_, std::ios::app);
    out << TokenLine(kLate);
  }
  // The file is polled every 100 ms: wait for the new token with a deadline.
  auto deadline = Clock::now() + std::chrono::seconds(15);
  grpc::Status st;
  do {
    st = CallCatalog(*closed_catalog_, "GetFramework", kLate);
  } while (!st.ok() && Clock::now() < deadline);
  EXPECT_TRUE(st.ok()) << st.error_message();
  // And the report service, reading the same file, accepts it for a draft's report.
  deadline = Clock::now() + std::chrono::seconds(15);
  do {
    st = Report(*report_, kLate, *draft_);
  } while (!st.ok() && Clock::now() < deadline);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_THAT(closed_catalog_->process->Log(), HasSubstr("auth: loaded 5 tokens"));
}

TEST_F(SuiteAuthTest, GatewayPassesTheHeaderAndMaps401And403) {
  int port = testing::FreePort();
  auto gateway = testing::Process::Start(
      testing::BinaryPath("mgi-gateway"),
      {"--host=127.0.0.1", "--port=" + std::to_string(port), "--metrics-port=-1", "--cache-ttl=60s",
       "--catalog-addr=" + catalog_->address, "--assessment-addr=" + assessment_->address,
       "--report-addr=" + report_->address});
  ASSERT_NE(gateway, nullptr);
  ASSERT_TRUE(testing::WaitForHttp(port, "/healthz", std::chrono::seconds(20)));
  auto bearer = [](const Caller& c) {
    return std::map<std::string, std::string>{{"authorization", "Bearer " + c.token}};
  };
  using gateway::testing::Fetch;
  const Caller& viewer = kCallers[1];
  std::string draft = "/v1/" + *draft_;

  auto anonymous = Fetch(port, "GET", draft);
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(anonymous.Header("www-authenticate"), "Bearer");
  EXPECT_THAT(anonymous.body, HasSubstr("UNAUTHENTICATED"));
  auto seen = Fetch(port, "GET", draft, "", bearer(viewer));
  EXPECT_EQ(seen.status, 200) << seen.body;
  EXPECT_THAT(seen.Header("cache-control"), Not(HasSubstr("public")));
  // The draft's report: the gateway passes the header to mgi-report, which forwards it.
  EXPECT_EQ(Fetch(port, "GET", draft + "/report?format=markdown").status, 401);
  EXPECT_EQ(Fetch(port, "GET", draft + "/report?format=markdown", "", bearer(viewer)).status, 200);
  // A viewer may not publish: 403 with the role needed.
  auto denied = Fetch(port, "POST", draft + ":publish", R"({"etag":"\"x\""})", bearer(viewer));
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_THAT(denied.body, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(denied.body, HasSubstr("needs the role publisher"));
  EXPECT_EQ(Fetch(port, "GET", "/v1/framework", "", bearer(kImpostor)).status, 401);

  // The shared cache never serves a response obtained with a token to a caller without one.
  auto with_token = Fetch(port, "GET", "/v1/countries/GTM", "", bearer(viewer));
  ASSERT_EQ(with_token.status, 200);
  EXPECT_EQ(with_token.Header("age"), "");
  EXPECT_EQ(Fetch(port, "GET", "/v1/countries/GTM", "", bearer(viewer)).Header("age"), "");
  EXPECT_EQ(Fetch(port, "GET", "/v1/countries/GTM", "", bearer(kImpostor)).status, 401);

  std::string log = gateway->Log();
  for (const Caller& c : {viewer, kImpostor}) {
    EXPECT_THAT(log, Not(HasSubstr(c.token)));
    EXPECT_THAT(log, Not(HasSubstr(HexDigest(Sha256(c.token)).substr(0, 16))));
  }
}

// Issue 21 item 4: a report is marked for shared caches ("public") only when anyone could have
// obtained it: an anonymous caller of a published profile with public read on. A response to a
// caller with a token, or from a service with public read off, is "private".
TEST_F(SuiteAuthTest, ReportIsPublicOnlyForAnonymousCallersOfPublicData) {
  auto cache_control = [](const testing::Service& report, const Caller& caller,
                          const std::string& profile) {
    std::string value;
    grpc::Status st = Report(report, caller, profile, &value);
    EXPECT_TRUE(st.ok()) << caller.principal << ": " << st.error_message();
    return value;
  };
  EXPECT_EQ(cache_control(*report_, kCallers[0], kPublished), "public");
  for (size_t i = 1; i < kCallers.size(); ++i) {
    EXPECT_EQ(cache_control(*report_, kCallers[i], kPublished), "private") << kCallers[i].principal;
    EXPECT_EQ(cache_control(*closed_report_, kCallers[i], kPublished), "private")
        << kCallers[i].principal;
  }
  EXPECT_EQ(cache_control(*report_, kCallers[1], *draft_), "private");
}

// Issue 21 item 7: revocation fails closed. A token removed from the file stops working even when
// the same edit breaks another line; the broken line grants nothing; the service reports
// NOT_SERVING until the file is whole again.
TEST_F(SuiteAuthTest, ABrokenTokenFileRevokesAndMakesTheServiceNotReady) {
  auto health = [](const std::string& address) {
    auto stub = grpc::health::v1::Health::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    grpc::health::v1::HealthCheckResponse out;
    grpc::Status st = stub->Check(&context, grpc::health::v1::HealthCheckRequest(), &out);
    return st.ok() ? out.status() : grpc::health::v1::HealthCheckResponse::UNKNOWN;
  };
  std::string original;
  {
    std::ifstream in(*tokens_);
    std::stringstream ss;
    ss << in.rdbuf();
    original = ss.str();
  }
  const Caller& admin = kCallers[4];
  const Caller& viewer = kCallers[1];
  ASSERT_TRUE(CallCatalog(*closed_catalog_, "GetFramework", admin).ok());
  // The admin's line is removed and a bad line is added, in one rewrite.
  std::string edited;
  for (const Caller& c : kCallers) {
    if (!c.token.empty() && c.role != "admin") edited += TokenLine(c);
  }
  edited += "0123 not-a-role nobody\n";
  {
    std::ofstream out(*tokens_ + ".tmp");
    out << edited;
  }
  std::filesystem::rename(*tokens_ + ".tmp", *tokens_);
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (health(closed_catalog_->address) != grpc::health::v1::HealthCheckResponse::NOT_SERVING &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll pacing
  }
  EXPECT_EQ(health(closed_catalog_->address), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(CallCatalog(*closed_catalog_, "GetFramework", admin).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(CallCatalog(*closed_catalog_, "GetFramework", viewer).ok());
  EXPECT_THAT(closed_catalog_->process->Log(), HasSubstr("not ready (health NOT_SERVING)"));

  // Deleted: nothing is accepted.
  std::filesystem::remove(*tokens_);
  deadline = Clock::now() + std::chrono::seconds(15);
  grpc::Status st;
  do {
    st = CallCatalog(*closed_catalog_, "GetFramework", viewer);
  } while (st.ok() && Clock::now() < deadline);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // Whole again: serving, and the tokens work.
  {
    std::ofstream out(*tokens_ + ".tmp");
    out << original;
  }
  std::filesystem::rename(*tokens_ + ".tmp", *tokens_);
  EXPECT_TRUE(testing::WaitForServing(closed_catalog_->address, std::chrono::seconds(15)));
  deadline = Clock::now() + std::chrono::seconds(15);
  do {
    st = CallCatalog(*closed_catalog_, "GetFramework", admin);
  } while (!st.ok() && Clock::now() < deadline);
  EXPECT_TRUE(st.ok()) << st.error_message();
}

TEST_F(SuiteAuthTest, LogsOfEveryProcessHoldNoTokenNorHash) {
  std::vector<Caller> all = kCallers;
  all.push_back(kImpostor);
  all.push_back(kLate);
  // Every caller, the impostor included, through every service of both suites (the report
  // services forward the tokens to their assessment and catalog services).
  for (const Caller& c : all) {
    (void)CallCatalog(*catalog_, "GetFramework", c);
    (void)CallCatalog(*closed_catalog_, "GetFramework", c);
    (void)Report(*report_, c, *draft_);
    (void)Report(*closed_report_, c, kPublished);
  }
  EXPECT_EQ(Report(*closed_report_, kImpostor, kPublished).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  for (auto* s :
       {catalog_, assessment_, report_, closed_catalog_, closed_assessment_, closed_report_}) {
    std::string log = s->process->Log();
    SCOPED_TRACE(s->process->log_path());
    EXPECT_FALSE(log.empty());
    for (const Caller& c : all) {
      if (c.token.empty()) continue;
      EXPECT_THAT(log, Not(HasSubstr(c.token))) << c.principal;
      EXPECT_THAT(log, Not(HasSubstr(HexDigest(Sha256(c.token)).substr(0, 16)))) << c.principal;
    }
  }
  EXPECT_THAT(catalog_->process->Log(), HasSubstr("rejected a bearer token"));
}

}  // namespace
}  // namespace mgi
