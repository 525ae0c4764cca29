// Metrics of the real binaries on free loopback ports: calls to invented methods share one label
// (the series of a server stay bounded whatever clients send).
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
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

// The body of GET http://127.0.0.1:port/path ("" on failure).
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  size_t end = out.find("\r\n\r\n");
  return end == std::string::npos ? "" : out.substr(end + 4);
}

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
  size_t before = Samples(HttpGet(metrics_port, "/metrics")).size();

  // 50 invented methods: half on the real service, half on services that do not exist.
  for (int i = 1; i < 50; ++i) {
    std::string method = i % 2 ? "/mgi.catalog.v1.CatalogService/Invented" + std::to_string(i)
                               : "/no.such.v1.Service" + std::to_string(i) + "/Get";
    EXPECT_EQ(GenericCall(generic, method).error_code(), grpc::StatusCode::UNIMPLEMENTED) << method;
  }
  std::string page = HttpGet(metrics_port, "/metrics");
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

}  // namespace
}  // namespace mgi
