// mgi-healthcheck: argument parsing (unit) and the real binary against a real gRPC health service
// and a real HTTP server on loopback (integration).
#include <grpcpp/grpcpp.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <thread>

#include "harness.h"
#include "healthcheck.h"

namespace mgi::healthcheck {
namespace {

using std::chrono::milliseconds;

std::optional<Options> Parse(std::vector<std::string> args, std::string& error,
                             std::map<std::string, std::string> env = {}) {
  return ParseArgs(args, error, [env](const char* name) -> const char* {
    static thread_local std::string value;
    auto it = env.find(name);
    if (it == env.end()) return nullptr;
    value = it->second;
    return value.c_str();
  });
}

TEST(HealthcheckArgs, GrpcWithAndWithoutService) {
  std::string error;
  auto o = Parse({"grpc", "127.0.0.1:50051"}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->mode, Mode::kGrpc);
  EXPECT_EQ(o->address, "127.0.0.1:50051");
  EXPECT_EQ(o->service, "");
  EXPECT_EQ(o->timeout, milliseconds(3000));
  o = Parse({"--timeout=250", "grpc", "[::1]:9", "mgi.catalog.v1.CatalogService"}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->service, "mgi.catalog.v1.CatalogService");
  EXPECT_EQ(o->timeout, milliseconds(250));
}

TEST(HealthcheckArgs, HttpNeedsAbsolutePath) {
  std::string error;
  auto o = Parse({"http", "localhost:8080", "/readyz"}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->mode, Mode::kHttp);
  EXPECT_EQ(o->path, "/readyz");
  EXPECT_FALSE(Parse({"http", "localhost:8080", "readyz"}, error));
  EXPECT_NE(error.find("path"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"http", "localhost:8080"}, error));
  EXPECT_NE(error.find("usage"), std::string::npos) << error;
}

TEST(HealthcheckArgs, RejectsBadInput) {
  std::string error;
  EXPECT_FALSE(Parse({}, error));
  EXPECT_FALSE(Parse({"tcp", "a:1"}, error));
  EXPECT_NE(error.find("mode"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"grpc", "no-port"}, error));
  EXPECT_NE(error.find("address"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"grpc", "host:99999"}, error));
  EXPECT_FALSE(Parse({"grpc", "host:1", "svc", "extra"}, error));
  EXPECT_FALSE(Parse({"--timeout=0", "grpc", "host:1"}, error));
  EXPECT_NE(error.find("--timeout"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"--bogus", "grpc", "host:1"}, error));
  EXPECT_NE(error.find("--bogus"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"--tls-cert=c.pem", "grpc", "host:1"}, error));
  EXPECT_NE(error.find("--tls-key"), std::string::npos) << error;
}

TEST(HealthcheckArgs, TlsFromEnvironment) {
  std::string error;
  auto o = Parse({"grpc", "h:1"}, error, {{"MGI_HEALTHCHECK_TLS_CA_FILE", "/tls/ca.crt"}});
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->tls_ca_file, "/tls/ca.crt");
  o = Parse({"--tls-ca=/x", "grpc", "h:1"}, error, {{"MGI_HEALTHCHECK_TLS_CA_FILE", "/y"}});
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->tls_ca_file, "/x");  // the flag wins
}

int RunBinary(const std::vector<std::string>& args, std::string* log = nullptr) {
  auto p = testing::Process::Start(testing::BinaryPath("mgi-healthcheck"), args);
  auto code = p->Wait(milliseconds(15000));
  if (log) *log = p->Log();
  return code.value_or(-1);
}

class GrpcHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterCallbackGenericService(&generic_);  // a server needs one service to start
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    address_ = "127.0.0.1:" + std::to_string(port);
    auto* health = server_->GetHealthCheckService();
    health->SetServingStatus("mgi.test.Up", true);
    health->SetServingStatus("mgi.test.Down", false);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }
  grpc::CallbackGenericService generic_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(GrpcHealthTest, ServingExitsZero) {
  std::string log;
  EXPECT_EQ(RunBinary({"grpc", address_}, &log), kHealthy) << log;
  EXPECT_EQ(RunBinary({"grpc", address_, "mgi.test.Up"}, &log), kHealthy) << log;
}

TEST_F(GrpcHealthTest, NotServingOrUnknownExitsOne) {
  std::string log;
  EXPECT_EQ(RunBinary({"grpc", address_, "mgi.test.Down"}, &log), kUnhealthy);
  EXPECT_NE(log.find("NOT_SERVING"), std::string::npos) << log;
  EXPECT_EQ(RunBinary({"grpc", address_, "mgi.test.Unknown"}, &log), kUnhealthy);
  EXPECT_NE(log.find("code 5"), std::string::npos) << log;  // NOT_FOUND
  server_->GetHealthCheckService()->SetServingStatus(false);  // what a draining server does
  EXPECT_EQ(RunBinary({"grpc", address_}, &log), kUnhealthy) << log;
}

TEST(GrpcHealthUnreachable, NothingListeningExitsOneWithinTimeout) {
  int port = testing::FreePort();
  auto start = std::chrono::steady_clock::now();
  std::string log;
  EXPECT_EQ(RunBinary({"--timeout=500", "grpc", "127.0.0.1:" + std::to_string(port)}, &log),
            kUnhealthy);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(log.find("failed"), std::string::npos) << log;
}

TEST(HealthcheckBinary, UsageErrorExitsTwo) {
  std::string log;
  EXPECT_EQ(RunBinary({"grpc"}, &log), kUsage);
  EXPECT_NE(log.find("usage"), std::string::npos) << log;
}

// A tiny blocking HTTP/1.1 server: "/ok" -> 200, anything else -> 503.
class HttpServer {
 public:
  HttpServer() : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~HttpServer() {
    stop_ = true;
    // Wake the blocking accept() with one last connection; the loop then sees stop_.
    boost::system::error_code ec;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket waker(ioc);
    waker.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_)}, ec);
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void Serve() {
    namespace http = boost::beast::http;
    while (!stop_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      ++requests_;
      bool ok = req.target() == "/ok";
      http::response<http::string_body> res{ok ? http::status::ok
                                               : http::status::service_unavailable, 11};
      res.body() = ok ? "ok\n" : "not ready\n";
      res.prepare_payload();
      http::write(socket, res, ec);
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
  }
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

TEST(HttpHealth, Status200ExitsZeroOtherwiseOne) {
  HttpServer server;
  std::string log;
  EXPECT_EQ(RunBinary({"http", server.address(), "/ok"}, &log), kHealthy) << log;
  EXPECT_EQ(RunBinary({"http", server.address(), "/readyz"}, &log), kUnhealthy);
  EXPECT_NE(log.find("HTTP 503"), std::string::npos) << log;
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpHealth, NothingListeningExitsOne) {
  std::string log;
  EXPECT_EQ(RunBinary({"--timeout=500", "http", "127.0.0.1:" + std::to_string(testing::FreePort()),
                       "/readyz"}, &log),
            kUnhealthy);
  EXPECT_NE(log.find("failed"), std::string::npos) << log;
}

}  // namespace
}  // namespace mgi::healthcheck
