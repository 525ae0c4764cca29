// The real mgi-catalog binary on a free loopback port: every RPC over a real channel, error codes
// and details on the wire, health, server reflection, graceful SIGTERM with calls in flight, and
// refusal to start on bad data.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "services/common/status.h"
#include "harness.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"
#include "test_util.h"

namespace mgi::catalog {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
namespace v1 = ::mgi::catalog::v1;

constexpr char kBinary[] = "mgi-catalog";

std::chrono::system_clock::time_point Deadline(int ms = 5000) {
  return std::chrono::system_clock::now() + milliseconds(ms);
}

class CatalogServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = mgi::testing::StartService(
        kBinary, {"--data-dir=" + testing::RealDataDir(), "--country-languages=fr,es"});
    ASSERT_TRUE(s.has_value());
    service_ = new mgi::testing::Service(std::move(*s));
  }
  static void TearDownTestSuite() { delete service_; }
  void SetUp() override {
    channel_ = grpc::CreateChannel(service_->address, grpc::InsecureChannelCredentials());
    stub_ = v1::CatalogService::NewStub(channel_);
  }
  static mgi::testing::Service* service_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CatalogService::Stub> stub_;
};
mgi::testing::Service* CatalogServerTest::service_ = nullptr;

TEST_F(CatalogServerTest, EveryRpcAnswers) {
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::GetFrameworkRequest req;
    req.set_language("fr");
    v1::Framework fw;
    ASSERT_TRUE(stub_->GetFramework(&ctx, req, &fw).ok());
    EXPECT_EQ(fw.principles_size(), 3);
    EXPECT_EQ(fw.localization().served_language(), "fr");
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::ListDomainsResponse resp;
    ASSERT_TRUE(stub_->ListDomains(&ctx, v1::ListDomainsRequest(), &resp).ok());
    ASSERT_EQ(resp.domains_size(), 6);
    EXPECT_EQ(resp.domains(5).name(), "domains/safe-orderly-regular-migration");
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::GetDomainRequest req;
    req.set_name("domains/partnerships");
    req.set_language("es");
    v1::Domain d;
    ASSERT_TRUE(stub_->GetDomain(&ctx, req, &d).ok());
    EXPECT_EQ(d.number(), 3);
    EXPECT_FALSE(d.localization().unverified_fields().empty());
  }
  std::string some_indicator;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::ListIndicatorsRequest req;
    req.set_filter("domain = well-being AND level = LEVEL_LOCAL");
    v1::ListIndicatorsResponse resp;
    ASSERT_TRUE(stub_->ListIndicators(&ctx, req, &resp).ok());
    ASSERT_GT(resp.indicators_size(), 0);
    for (const auto& i : resp.indicators()) {
      EXPECT_EQ(i.domain(), "domains/well-being");
      EXPECT_TRUE(i.sample());
    }
    some_indicator = resp.indicators(0).name();
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::GetIndicatorRequest req;
    req.set_name(some_indicator);
    v1::Indicator ind;
    ASSERT_TRUE(stub_->GetIndicator(&ctx, req, &ind).ok());
    EXPECT_EQ(ind.level(), v1::LEVEL_LOCAL);
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::SearchIndicatorsRequest req;
    req.set_query("MIGRACION");
    req.set_language("es");
    v1::SearchIndicatorsResponse resp;
    ASSERT_TRUE(stub_->SearchIndicators(&ctx, req, &resp).ok());
    ASSERT_GT(resp.results_size(), 0);
    EXPECT_THAT(resp.results(0).indicator().text(), HasSubstr("migración"));
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::ListCountriesRequest req;
    req.set_page_size(500);
    v1::ListCountriesResponse resp;
    ASSERT_TRUE(stub_->ListCountries(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.countries_size(), resp.total_size());
    EXPECT_GE(resp.total_size(), 249);
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::GetCountryRequest req;
    req.set_name("countries/GTM");
    req.set_language("fr");
    v1::Country c;
    ASSERT_TRUE(stub_->GetCountry(&ctx, req, &c).ok());
    EXPECT_EQ(c.official_name(), "République du Guatemala");
  }
}

TEST_F(CatalogServerTest, ErrorsCarryCodeAndField) {
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::GetDomainRequest req;
    req.set_name("domains/happiness");
    v1::Domain d;
    grpc::Status s = stub_->GetDomain(&ctx, req, &d);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(s.error_message(), HasSubstr("domains/happiness"));
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::ListIndicatorsRequest req;
    req.set_page_token("not-a-token");
    v1::ListIndicatorsResponse resp;
    grpc::Status s = stub_->ListIndicators(&ctx, req, &resp);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    auto violations = FieldViolations(FromGrpcStatus(s));
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0].field, "page_token");
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::GetCountryRequest req;
    req.set_name("countries/GTM");
    req.set_language("français");
    v1::Country c;
    grpc::Status s = stub_->GetCountry(&ctx, req, &c);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    auto violations = FieldViolations(FromGrpcStatus(s));
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0].field, "language");
  }
}

TEST_F(CatalogServerTest, HealthIsServing) {
  EXPECT_TRUE(mgi::testing::WaitForServing(service_->address, milliseconds(2000)));
}

// The service names listed by server reflection (grpc.reflection.v1alpha, which is what gRPC
// 1.51 serves), read with a generic call and decoded without generated code.
std::vector<std::string> ReflectedServices(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  auto call =
      stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](intptr_t want) {
    return cq.Next(&tag, &ok) && ok && reinterpret_cast<intptr_t>(tag) == want;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  if (!step(1)) return {};
  // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
  std::string request("\x3a\x00", 2);
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, reinterpret_cast<void*>(2));
  if (!step(2)) return {};
  call->WritesDone(reinterpret_cast<void*>(3));
  if (!step(3)) return {};
  grpc::ByteBuffer in;
  call->Read(&in, reinterpret_cast<void*>(4));
  if (!step(4)) return {};
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  std::vector<grpc::Slice> slices;
  (void)in.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  // ServerReflectionResponse.list_services_response (6) -> ListServiceResponse.service (1)
  // -> ServiceResponse.name (1).
  std::vector<std::string> names;
  google::protobuf::UnknownFieldSet response;
  if (!response.ParseFromString(bytes)) return {};
  for (int i = 0; i < response.field_count(); ++i) {
    if (response.field(i).number() != 6) continue;
    google::protobuf::UnknownFieldSet list;
    if (!list.ParseFromString(response.field(i).length_delimited())) continue;
    for (int k = 0; k < list.field_count(); ++k) {
      google::protobuf::UnknownFieldSet svc;
      if (list.field(k).number() != 1 || !svc.ParseFromString(list.field(k).length_delimited()))
        continue;
      for (int n = 0; n < svc.field_count(); ++n) {
        if (svc.field(n).number() == 1) names.push_back(svc.field(n).length_delimited());
      }
    }
  }
  return names;
}

TEST_F(CatalogServerTest, ReflectionListsTheService) {
  auto names = ReflectedServices(channel_);
  EXPECT_THAT(names, ::testing::Contains("mgi.catalog.v1.CatalogService"));
  EXPECT_THAT(names, ::testing::Contains("grpc.health.v1.Health"));
}

// Issue 21 item 10: reflection can be turned off (--reflection=false, or MGI_REFLECTION=false
// for the whole suite); the server still answers health and its own RPCs.
TEST(CatalogReflectionTest, CanBeTurnedOffByFlagOrSuiteVariable) {
  for (const bool by_flag : {true, false}) {
    SCOPED_TRACE(by_flag ? "--reflection=false" : "MGI_REFLECTION=false");
    std::vector<std::string> args = {"--data-dir=" + testing::RealDataDir(),
                                     "--country-languages=fr"};
    std::vector<std::string> env;
    if (by_flag) {
      args.push_back("--reflection=false");
    } else {
      env.push_back("MGI_REFLECTION=false");
    }
    auto s = mgi::testing::StartService(kBinary, args, env);
    ASSERT_TRUE(s.has_value());
    auto channel = grpc::CreateChannel(s->address, grpc::InsecureChannelCredentials());
    EXPECT_TRUE(mgi::testing::WaitForServing(s->address, milliseconds(5000)));
    EXPECT_THAT(ReflectedServices(channel), ::testing::IsEmpty());
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::ListDomainsResponse resp;
    EXPECT_TRUE(
        v1::CatalogService::NewStub(channel)->ListDomains(&ctx, v1::ListDomainsRequest(), &resp).ok());
  }
}

TEST(CatalogBinaryTest, ProductionBinaryHasNoTestingHooks) {
  auto p = mgi::testing::Process::Start(mgi::testing::BinaryPath(kBinary),
                                        {"--test-response-delay=1s", "--port=0"});
  ASSERT_NE(p, nullptr);
  auto code = p->Wait(milliseconds(10000));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_THAT(p->Log(), HasSubstr("test-response-delay"));
}

// The value of an unlabelled Prometheus sample, or -1.
double MetricValue(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

TEST(CatalogShutdownTest, SigtermFinishesCallsInFlightThenExitsZero) {
  int metrics_port = mgi::testing::FreePort();
  // mgi-catalog-testing: mgi-catalog with the testing hooks, which production binaries lack.
  auto s = mgi::testing::StartService(
      "mgi-catalog-testing",
      {"--data-dir=" + testing::RealDataDir(), "--country-languages=fr",
       "--metrics-port=" + std::to_string(metrics_port), "--test-response-delay=700ms"});
  ASSERT_TRUE(s.has_value());
  auto channel = grpc::CreateChannel(s->address, grpc::InsecureChannelCredentials());
  auto stub = v1::CatalogService::NewStub(channel);

  constexpr int kCalls = 6;
  grpc::CompletionQueue cq;
  struct Call {
    grpc::ClientContext ctx;
    v1::GetCountryRequest req;
    v1::Country resp;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::Country>> reader;
  };
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < kCalls; ++i) {
    auto c = std::make_unique<Call>();
    c->ctx.set_deadline(Deadline(20000));
    c->req.set_name("countries/GTM");
    c->req.set_language("fr");
    c->reader = stub->AsyncGetCountry(&c->ctx, c->req, &cq);
    c->reader->Finish(&c->resp, &c->status, c.get());
    calls.push_back(std::move(c));
  }
  // Wait until the server holds all of them, then ask it to stop. Polling the queue meanwhile
  // drives the channel (and collects any call that finished early, which fails the test).
  std::vector<Call*> done;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  double in_progress = -1;
  while (std::chrono::steady_clock::now() < until) {
    in_progress =
        MetricValue(mgi::testing::HttpGetBody(metrics_port, "/metrics"),
                    "mgi_catalog_requests_in_progress");
    if (in_progress == kCalls) break;
    void* tag = nullptr;
    bool ok = false;
    if (cq.AsyncNext(&tag, &ok, Deadline(20)) == grpc::CompletionQueue::GOT_EVENT) {
      done.push_back(static_cast<Call*>(tag));
    }
  }
  ASSERT_EQ(in_progress, kCalls) << "the calls never reached the server";
  ASSERT_TRUE(done.empty()) << "a call finished before SIGTERM; raise --test-response-delay";
  ASSERT_TRUE(s->process->Signal(SIGTERM));

  for (int i = 0; i < kCalls; ++i) {
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    auto* c = static_cast<Call*>(tag);
    EXPECT_TRUE(c->status.ok()) << c->status.error_message();
    EXPECT_EQ(c->resp.official_name(), "République du Guatemala");
  }
  EXPECT_EQ(s->process->Wait(milliseconds(15000)), 0) << s->process->Log();
  EXPECT_THAT(s->process->Log(), HasSubstr("shut down cleanly"));
}

TEST(CatalogStartupTest, BadDataDirectoryStopsTheBinaryNamingTheFile) {
  std::string dir = testing::MakeDataDir(testing::RealDataDir() + "/framework.json",
                                         {testing::Fixture("bad-indicators/unknown-domain.json"),
                                          testing::Fixture("bad-indicators/missing-english.json")});
  auto p = mgi::testing::Process::Start(
      mgi::testing::BinaryPath(kBinary),
      {"--data-dir=" + dir, "--port=" + std::to_string(mgi::testing::FreePort()),
       "--metrics-port=-1"});
  ASSERT_NE(p, nullptr);
  auto code = p->Wait(milliseconds(15000));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_THAT(p->Log(), HasSubstr(dir + "/indicators/unknown-domain.json: indicators[0] "
                                        "\"t-unknown-domain\": unknown domain \"happiness\""));
  EXPECT_THAT(p->Log(), HasSubstr("missing-english.json: indicators[0] \"t-no-english\""));

  auto missing = mgi::testing::Process::Start(
      mgi::testing::BinaryPath(kBinary), {"--data-dir=/nonexistent/catalog", "--metrics-port=-1",
                                          "--port=" + std::to_string(mgi::testing::FreePort())});
  ASSERT_NE(missing, nullptr);
  auto missing_code = missing->Wait(milliseconds(15000));
  ASSERT_TRUE(missing_code.has_value());
  EXPECT_NE(*missing_code, 0);
  EXPECT_THAT(missing->Log(), HasSubstr("/nonexistent/catalog"));
}

TEST(CatalogStartupTest, UnknownCountryLanguageStopsTheBinary) {
  auto p = mgi::testing::Process::Start(mgi::testing::BinaryPath(kBinary),
                                        {"--country-languages=xx", "--metrics-port=-1",
                                         "--port=" + std::to_string(mgi::testing::FreePort())});
  ASSERT_NE(p, nullptr);
  auto code = p->Wait(milliseconds(15000));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_THAT(p->Log(), HasSubstr("no ISO 3166-1 translation for \"xx\""));
}

}  // namespace
}  // namespace mgi::catalog
