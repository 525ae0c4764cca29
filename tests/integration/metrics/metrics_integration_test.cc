// Metrics of the real binaries on free loopback ports: calls to invented methods share one label
// (the series of a server stay bounded whatever clients send); a real Prometheus (temporary
// config and data directory, loopback, 1 s scrapes, the suite's alert rules loaded) scrapes the
// four processes and sees them up and the calls the test made; metric names, types and labels
// stay what dashboards and alerts use.
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"

namespace mgi {
namespace {

using mgi::testing::FreePort;
using mgi::testing::StartService;
using std::chrono::milliseconds;
namespace cv1 = mgi::catalog::v1;

const std::vector<std::string> kEnv = {"MGI_AUTH_DISABLED=true"};

// The samples of a metrics page: series ("name{labels}") -> value; comments skipped.
std::map<std::string, double> Samples(const std::string& page) {
  std::map<std::string, double> out;
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  return out;
}

// The values of label `label` across the samples whose name starts with `prefix`.
std::set<std::string> LabelValues(const std::map<std::string, double>& samples,
                                  const std::string& prefix, const std::string& label) {
  std::set<std::string> out;
  std::regex re(label + "=\"([^\"]*)\"");
  for (const auto& [series, _] : samples) {
    if (series.rfind(prefix, 0) != 0) continue;
    std::smatch m;
    if (std::regex_search(series, m, re)) out.insert(m[1]);
  }
  return out;
}

// A unary call of `method` with an empty request through a generic stub; returns its status.
grpc::Status GenericCall(grpc::GenericStub& stub, const std::string& method) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(5000));
  grpc::CompletionQueue cq;
  grpc::ByteBuffer request, response;
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  auto call = stub.PrepareUnaryCall(&ctx, method, request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  return status;
}

TEST(MetricsSeriesTest, CallsToInventedMethodsShareOneLabel) {
  int metrics_port = FreePort();
  auto catalog =
      StartService("mgi-catalog", {"--metrics-port=" + std::to_string(metrics_port)}, kEnv);
  ASSERT_TRUE(catalog.has_value());
  auto channel = grpc::CreateChannel(catalog->address, grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  // One real call first, so that the page has that method's series.
  {
    auto stub = cv1::CatalogService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(5000));
    cv1::ListDomainsResponse resp;
    ASSERT_TRUE(stub->ListDomains(&ctx, cv1::ListDomainsRequest(), &resp).ok());
  }
  EXPECT_EQ(GenericCall(generic, "/mgi.catalog.v1.CatalogService/Invented0").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  size_t before = Samples(mgi::testing::HttpGetBody(metrics_port, "/metrics")).size();

  // 50 invented methods: half on the real service, half on services that do not exist.
  for (int i = 1; i < 50; ++i) {
    std::string method = i % 2 ? "/mgi.catalog.v1.CatalogService/Invented" + std::to_string(i)
                               : "/no.such.v1.Service" + std::to_string(i) + "/Get";
    EXPECT_EQ(GenericCall(generic, method).error_code(), grpc::StatusCode::UNIMPLEMENTED) << method;
  }
  std::string page = mgi::testing::HttpGetBody(metrics_port, "/metrics");
  auto samples = Samples(page);
  EXPECT_EQ(page.find("Invented"), std::string::npos);
  EXPECT_EQ(page.find("no.such"), std::string::npos);
  // Not one series more than after the first invented call.
  EXPECT_EQ(samples.size(), before);
  EXPECT_EQ((samples["mgi_grpc_server_handled_total{code=\"UNIMPLEMENTED\",method=\"unknown\"}"]),
            50);
  EXPECT_EQ(samples["mgi_grpc_server_handled_total{code=\"OK\",method=\"/mgi.catalog.v1."
                    "CatalogService/ListDomains\"}"],
            1);
  // Only methods the server has (the harness's health checks among them), and "unknown".
  auto methods = LabelValues(samples, "mgi_grpc_server_", "method");
  EXPECT_TRUE(methods.count("unknown"));
  EXPECT_TRUE(methods.count("/mgi.catalog.v1.CatalogService/ListDomains"));
  for (const auto& m : methods) {
    EXPECT_TRUE(m == "unknown" || m == "/mgi.catalog.v1.CatalogService/ListDomains" ||
                m == "/grpc.health.v1.Health/Check")
        << m;
  }
}

// ---------------------------------------------------------------------------------------------
// A real Prometheus scraping the four processes.

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

struct Suite {
  std::unique_ptr<mgi::testing::Process> catalog, assessment, report, gateway, prometheus;
  std::string catalog_address;
  int catalog_metrics = 0, assessment_metrics = 0, report_metrics = 0;
  int gateway_port = 0, gateway_metrics = 0, prometheus_port = 0;
};

class PrometheusScrapeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_ = new Suite();
    auto start = [](const std::string& binary, std::vector<std::string> args, int* metrics_port,
                    std::string* address) -> std::unique_ptr<mgi::testing::Process> {
      *metrics_port = FreePort();
      args.push_back("--metrics-port=" + std::to_string(*metrics_port));
      auto service = StartService(binary, args, kEnv);
      if (!service) return nullptr;
      *address = service->address;
      return std::move(service->process);
    };
    std::string assessment_address, report_address;
    s_->catalog = start("mgi-catalog", {}, &s_->catalog_metrics, &s_->catalog_address);
    ASSERT_TRUE(s_->catalog);
    std::string db = mgi::testing::TempDir("metrics-prometheus") + "/a.db";
    s_->assessment = start("mgi-assessment",
                           {"--db=" + db, "--catalog-addr=" + s_->catalog_address,
                            "--seed-dir=" + mgi::testing::DataDir() + "/profiles"},
                           &s_->assessment_metrics, &assessment_address);
    ASSERT_TRUE(s_->assessment);
    s_->report =
        start("mgi-report",
              {"--catalog-addr=" + s_->catalog_address, "--assessment-addr=" + assessment_address},
              &s_->report_metrics, &report_address);
    ASSERT_TRUE(s_->report);
    s_->gateway_port = FreePort();
    s_->gateway_metrics = FreePort();  // the gateway serves /metrics on its own port
    s_->gateway = mgi::testing::Process::Start(
        mgi::testing::BinaryPath("mgi-gateway"),
        {"--host=127.0.0.1", "--port=" + std::to_string(s_->gateway_port),
         "--metrics-port=" + std::to_string(s_->gateway_metrics),
         "--catalog-addr=" + s_->catalog_address, "--assessment-addr=" + assessment_address,
         "--report-addr=" + report_address},
        kEnv);
    ASSERT_TRUE(mgi::testing::WaitForHttp(s_->gateway_port, "/healthz", milliseconds(20000)))
        << s_->gateway->Log();

    // Prometheus: temporary config and data directory, loopback, scrape every second.
    std::string dir = mgi::testing::TempDir("prometheus");
    std::ofstream config(dir + "/prometheus.yml");
    auto job = [](const std::string& name, int port) {
      return "  - job_name: " + name +
             "\n    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(port) + "']\n";
    };
    config << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
           << "rule_files:\n  - " << mgi::testing::SourceDir()
           << "/charts/mgi/alerts/mgi-alerts.yaml\n"
           << "scrape_configs:\n"
           << job("catalog", s_->catalog_metrics) << job("assessment", s_->assessment_metrics)
           << job("report", s_->report_metrics) << job("gateway", s_->gateway_metrics);
    config.close();
    s_->prometheus_port = FreePort();
    s_->prometheus = mgi::testing::Process::Start(
        "/usr/bin/prometheus",
        {"--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/data",
         "--web.listen-address=127.0.0.1:" + std::to_string(s_->prometheus_port)});
    ASSERT_TRUE(mgi::testing::WaitForHttp(s_->prometheus_port, "/-/ready", milliseconds(60000)))
        << s_->prometheus->Log();
  }
  static void TearDownTestSuite() {
    delete s_;
    s_ = nullptr;
  }
  void SetUp() override {
    if (!s_ || !s_->prometheus) GTEST_SKIP() << "the suite or Prometheus did not start";
  }

  // The result vector of an instant query (empty on any failure).
  static nlohmann::json Query(const std::string& promql) {
    std::string body =
        mgi::testing::HttpGetBody(s_->prometheus_port, "/api/v1/query?query=" + UrlEncode(promql));
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return nlohmann::json::array();
    return j["data"]["result"];
  }

  // Polls `promql` until `accept(result)` or the deadline; returns the last result.
  template <typename F>
  static nlohmann::json WaitFor(const std::string& promql, F accept,
                                milliseconds timeout = milliseconds(30000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    nlohmann::json result;
    for (int attempt = 0;; ++attempt) {
      result = Query(promql);
      if (accept(result) || std::chrono::steady_clock::now() >= deadline) return result;
      // Poll with a growing interval (a scrape happens every second); a deadline ends the wait.
      std::this_thread::sleep_for(milliseconds(std::min(50 * (attempt + 1), 500)));
    }
  }

  static Suite* s_;
};
Suite* PrometheusScrapeTest::s_ = nullptr;

TEST_F(PrometheusScrapeTest, EveryProcessIsUp) {
  auto up = WaitFor("up", [](const nlohmann::json& r) {
    if (r.size() != 4) return false;
    for (const auto& s : r) {
      if (s["value"][1] != "1") return false;
    }
    return true;
  });
  std::set<std::string> jobs;
  for (const auto& s : up) {
    jobs.insert(s["metric"]["job"].get<std::string>());
    EXPECT_EQ(s["value"][1], "1") << s.dump();
  }
  EXPECT_EQ(jobs, (std::set<std::string>{"assessment", "catalog", "gateway", "report"}));
}

TEST_F(PrometheusScrapeTest, SeesTheCallsTheTestMade) {
  // 7 SearchIndicators calls straight to the catalog (no peer calls it), 5 GET /v1/domains/{name}
  // through the gateway.
  auto stub = cv1::CatalogService::NewStub(
      grpc::CreateChannel(s_->catalog_address, grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 7; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(5000));
    cv1::SearchIndicatorsRequest req;
    req.set_query("migration");
    cv1::SearchIndicatorsResponse resp;
    ASSERT_TRUE(stub->SearchIndicators(&ctx, req, &resp).ok());
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(mgi::testing::HttpGetBody(s_->gateway_port, "/v1/domains/partnerships?language=fr")
                     .empty());
  }
  auto is = [](double want) {
    return [want](const nlohmann::json& r) {
      return r.size() == 1 && std::stod(r[0]["value"][1].get<std::string>()) == want;
    };
  };
  auto catalog = WaitFor(
      "mgi_grpc_server_handled_total{job=\"catalog\",method=\"/mgi.catalog.v1.CatalogService/"
      "SearchIndicators\",code=\"OK\"}",
      is(7));
  ASSERT_EQ(catalog.size(), 1u) << catalog.dump();
  EXPECT_EQ(catalog[0]["value"][1], "7");
  auto gateway = WaitFor(
      "sum(mgi_gateway_requests_total{job=\"gateway\",code=\"200\",route=~\".*domains.*\"})",
      is(5));
  ASSERT_EQ(gateway.size(), 1u) << gateway.dump();
  EXPECT_EQ(gateway[0]["value"][1], "5");
  // The histogram is there with its sub-millisecond buckets.
  auto buckets = Query(
      "mgi_grpc_server_handling_seconds_bucket{job=\"catalog\",method=\"/mgi.catalog.v1."
      "CatalogService/SearchIndicators\",le=\"0.0005\"}");
  EXPECT_EQ(buckets.size(), 1u) << buckets.dump();
  // The alert rules load into this Prometheus, and none fires on a healthy suite.
  auto rules = nlohmann::json::parse(
      mgi::testing::HttpGetBody(s_->prometheus_port, "/api/v1/rules"), nullptr, false);
  ASSERT_FALSE(rules.is_discarded());
  size_t alerting = 0;
  for (const auto& g : rules["data"]["groups"]) {
    for (const auto& r : g["rules"]) {
      if (r["type"] == "alerting") ++alerting;
      EXPECT_NE(r.value("state", ""), "firing") << r.dump();
    }
  }
  EXPECT_EQ(alerting, 7u);
}

// Today's metric names, types and labels, as dashboards and the alerts use them.
TEST_F(PrometheusScrapeTest, MetricNamesTypesAndLabelsAreStable) {
  // Make every family appear: an RPC error on the catalog, a report render, the gateway's /readyz.
  {
    auto stub = cv1::CatalogService::NewStub(
        grpc::CreateChannel(s_->catalog_address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(5000));
    cv1::GetDomainRequest req;
    req.set_name("domains/nope");
    cv1::Domain d;
    EXPECT_EQ(stub->GetDomain(&ctx, req, &d).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  std::string report =
      mgi::testing::HttpGetBody(s_->gateway_port, "/v1/profiles/gtm-2022/report?format=html");
  EXPECT_NE(report.find("<html"), std::string::npos) << report.substr(0, 300);
  mgi::testing::HttpGetBody(s_->gateway_port, "/readyz");

  struct Want {
    int port;
    std::string name, type;
    std::vector<std::string> labels;  // of its samples (le added for histograms)
  };
  std::vector<Want> wants;
  for (int port : {s_->catalog_metrics, s_->assessment_metrics, s_->report_metrics}) {
    wants.push_back({port, "mgi_grpc_server_handled_total", "counter", {"code", "method"}});
    wants.push_back({port, "mgi_grpc_server_handling_seconds", "histogram", {"method"}});
    wants.push_back({port, "mgi_ready", "gauge", {}});
  }
  wants.push_back(
      {s_->catalog_metrics, "mgi_grpc_server_errors_total", "counter", {"code", "method"}});
  wants.push_back({s_->catalog_metrics, "mgi_catalog_requests_in_progress", "gauge", {}});
  wants.push_back({s_->assessment_metrics, "mgi_database_up", "gauge", {"database"}});
  wants.push_back({s_->report_metrics, "mgi_report_render_seconds", "histogram", {"format"}});
  wants.push_back(
      {s_->gateway_metrics, "mgi_gateway_requests_total", "counter", {"code", "route"}});
  wants.push_back(
      {s_->gateway_metrics, "mgi_gateway_request_duration_seconds", "histogram", {"route"}});
  wants.push_back({s_->gateway_metrics, "mgi_ready", "gauge", {}});
  std::map<int, std::string> pages;
  for (const auto& w : wants) {
    if (!pages.count(w.port)) pages[w.port] = mgi::testing::HttpGetBody(w.port, "/metrics");
    const std::string& page = pages[w.port];
    EXPECT_NE(page.find("# TYPE " + w.name + " " + w.type + "\n"), std::string::npos)
        << w.name << " on port " << w.port;
    std::string sample = w.type == "histogram" ? w.name + "_bucket" : w.name;
    std::regex re("(^|\n)" + sample + "(\\{([^}]*)\\})? ");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(page, m, re)) << sample << " has no sample on port " << w.port;
    std::set<std::string> got;
    std::string labels = m[3];
    std::regex name_re("([a-z_]+)=\"");
    for (std::sregex_iterator it(labels.begin(), labels.end(), name_re), end; it != end; ++it) {
      got.insert((*it)[1]);
    }
    std::set<std::string> want(w.labels.begin(), w.labels.end());
    if (w.type == "histogram") want.insert("le");
    EXPECT_EQ(got, want) << sample << " on port " << w.port;
  }
}

}  // namespace
}  // namespace mgi
