// common/access: every RPC's permission read from its contract, a server refusing to start with
// a method that declares none, and calls refused before the handler body runs.
#include "services/common/access.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include "access_test.grpc.pb.h"
#include "services/common/executor.h"
#include "services/common/server.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"
#include "mgi/report/v1/report_service.grpc.pb.h"

namespace mgi {
namespace {

namespace tv1 = ::mgi::accesstest::v1;
using ::testing::HasSubstr;

// Links the contracts' generated code, which registers their descriptors.
void LinkContracts() {
  (void)mgi::assessment::v1::GetProfileRequest::descriptor();
  (void)mgi::catalog::v1::GetFrameworkRequest::descriptor();
  (void)mgi::report::v1::GetReportRequest::descriptor();
}

TEST(AccessTest, PermissionsComeFromTheContracts) {
  LinkContracts();
  EXPECT_EQ(DeclaredPermission("/mgi.assessment.v1.AssessmentService/PublishProfile"),
            Permission::kPublish);
  EXPECT_EQ(DeclaredPermission("/mgi.assessment.v1.AssessmentService/ListRevisions"),
            Permission::kReadDrafts);
  EXPECT_EQ(DeclaredPermission("/mgi.catalog.v1.CatalogService/GetFramework"),
            Permission::kReadPublished);
  EXPECT_EQ(DeclaredPermission("/mgi.accesstest.v1.UndeclaredService/Forgotten"), std::nullopt);
  EXPECT_EQ(DeclaredPermission("/no.such.Service/Method"), std::nullopt);
  EXPECT_EQ(DeclaredPermission("not a path"), std::nullopt);
}

TEST(AccessTest, AMethodWithoutADeclaredPermissionIsAStartUpError) {
  absl::Status st = CheckAccessDeclared({"mgi.accesstest.v1.UndeclaredService"});
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("mgi.accesstest.v1.UndeclaredService.Forgotten"));
  EXPECT_THAT(std::string(st.message()), ::testing::Not(HasSubstr("UndeclaredService.Read")));
  EXPECT_TRUE(CheckAccessDeclared({"mgi.accesstest.v1.DeclaredService", "grpc.health.v1.Health"})
                  .ok());
  EXPECT_FALSE(CheckAccessDeclared({"mgi.unknown.v1.Service"}).ok());

  // The real bootstrap refuses to start such a server.
  tv1::UndeclaredService::CallbackService undeclared;
  Authorizer authorizer(nullptr, true);
  AccessControl access(&authorizer);
  MetricsRegistry metrics;
  ServerConfig config;
  config.metrics_port = -1;
  auto server = RunningServer::Start(config, &metrics, {&undeclared}, {.access = &access});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("Forgotten"));
}

TEST(ServerStartTest, APortInUseIsAClearErrorNotACrash) {
  // Another process holds the port: the bootstrap says so and unwinds cleanly.
  tv1::DeclaredService::CallbackService service;
  MetricsRegistry metrics;
  ServerConfig config;
  config.metrics_port = -1;
  auto first = RunningServer::Start(config, &metrics, {&service});
  ASSERT_TRUE(first.ok()) << first.status();
  config.port = (*first)->port();
  tv1::DeclaredService::CallbackService again;
  MetricsRegistry other_metrics;
  auto second = RunningServer::Start(config, &other_metrics, {&again});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(config.port)));
}

// A socket bound to 127.0.0.1:`port` with no SO_REUSEADDR (as a client's own port is); -1 when
// the bind is refused. `port` 0 binds any free port. Listens when asked.
int BindPlain(int port, bool listen_too, int* bound_port = nullptr) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      (listen_too && ::listen(fd, 4) != 0)) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (bound_port != nullptr) *bound_port = ntohs(addr.sin_port);
  return fd;
}

TEST(ServerStartTest, HeldPortsAreTheServersAloneFromStartUpUntilItListens) {
  // The bug this prevents: a service's own outgoing connection (to Redis, a peer) got 50052 as its
  // source port from the ephemeral range, and the service's bind then failed. Held, the port
  // cannot be bound by any other socket (the kernel's source-port choice skips bound ports), and
  // the server still binds over the reservation.
  int port = 0;
  int probe = BindPlain(0, false, &port);
  ASSERT_GE(probe, 0);
  ::close(probe);
  PortReservation held;
  ASSERT_TRUE(held.Hold("127.0.0.1", port, "--port").ok());
  EXPECT_TRUE(held.holds());
  int other = BindPlain(port, false);
  EXPECT_EQ(other, -1) << "another socket could take the held port";
  if (other >= 0) ::close(other);

  tv1::DeclaredService::CallbackService service;
  MetricsRegistry metrics;
  ServerConfig config;
  config.port = port;
  config.metrics_port = -1;
  auto server = RunningServer::Start(config, &metrics, {&service}, {.reserved_ports = &held});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->port(), port);
  EXPECT_FALSE(held.holds()) << "the reservation is released once the server listens";
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  EXPECT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10)));
}

TEST(ServerStartTest, APortAnotherProcessListensOnCannotBeHeld) {
  int port = 0;
  int listener = BindPlain(0, true, &port);
  ASSERT_GE(listener, 0);
  PortReservation held;
  absl::Status st = held.Hold("127.0.0.1", port, "--metrics-port");
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(port) + " (--metrics-port)"));
  EXPECT_THAT(std::string(st.message()), HasSubstr("in use by another process"));
  EXPECT_FALSE(held.holds());
  ::close(listener);
  EXPECT_TRUE(held.Hold("127.0.0.1", 0, "--port").ok()) << "port 0 (any free port) holds nothing";
  EXPECT_FALSE(held.holds());
}

std::string Sha(const std::string& token) { return HexDigest(Sha256(token)); }

// Answers with the caller's principal; counts the bodies that ran.
class Declared final : public tv1::DeclaredService::CallbackService {
 public:
  explicit Declared(Executor* executor) : executor_(executor) {}
  grpc::ServerUnaryReactor* Read(grpc::CallbackServerContext* c, const tv1::Ping*,
                                 tv1::Ping* out) override {
    return Serve(c, [this, out](const CallContext& call) {
      ++bodies;
      out->set_text(call.principal().name);
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* c, const tv1::Ping*,
                                    tv1::Ping* out) override {
    return Offload(c, *executor_, [this, out](const CallContext& call) {
      ++bodies;
      out->set_text(call.principal().name);
      return absl::OkStatus();
    });
  }
  std::atomic<int> bodies{0};

 private:
  Executor* executor_;
};

TEST(AccessTest, CallsAreCheckedBeforeTheBodyRuns) {
  std::string path = ::testing::TempDir() + "/access-test-tokens";
  std::ofstream(path) << Sha("tok-viewer") << " viewer vera\n"
                      << Sha("tok-publisher") << " publisher paula\n";
  AuthConfig auth_config;
  auth_config.tokens_file = path;
  auto auth = MakeAuth(auth_config);
  ASSERT_TRUE(auth.ok()) << auth.status();
  AccessControl access(auth->authorizer.get());
  Executor executor(2);
  Declared service(&executor);
  MetricsRegistry metrics;
  ServerConfig config;
  config.metrics_port = -1;
  auto server = RunningServer::Start(config, &metrics, {&service}, {.access = &access});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = tv1::DeclaredService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  auto call = [&](bool publish, const std::string& token, tv1::Ping* out) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    return publish ? stub->Publish(&context, tv1::Ping(), out)
                   : stub->Read(&context, tv1::Ping(), out);
  };
  tv1::Ping out;
  EXPECT_TRUE(call(false, "", &out).ok());
  EXPECT_EQ(out.text(), "anonymous");
  EXPECT_EQ(call(true, "", &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call(true, "tok-viewer", &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(call(false, "tok-unknown", &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service.bodies.load(), 1);  // none of the refused calls ran its body
  ASSERT_TRUE(call(true, "tok-publisher", &out).ok());
  EXPECT_EQ(out.text(), "paula");
  EXPECT_EQ(service.bodies.load(), 2);
}

TEST(AccessTest, AServerWithoutAccessControlServesNothingUnchecked) {
  Executor executor(1);
  Declared service(&executor);
  MetricsRegistry metrics;
  ServerConfig config;
  config.metrics_port = -1;
  auto server = RunningServer::Start(config, &metrics, {&service});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = tv1::DeclaredService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  tv1::Ping out;
  EXPECT_EQ(stub->Read(&context, tv1::Ping(), &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(service.bodies.load(), 0);
}

TEST(AccessTest, TheCallContextCarriesTheCallersCredentialsForPeers) {
  LinkContracts();
  std::multimap<grpc::string_ref, grpc::string_ref> metadata;
  metadata.emplace("authorization", "Bearer tok-x");
  Authorizer authorizer(nullptr, true);
  AccessControl access(&authorizer);
  // An unknown token is refused before anything else.
  EXPECT_EQ(access.Decide("/mgi.catalog.v1.CatalogService/GetFramework", metadata).status().code(),
            absl::StatusCode::kUnauthenticated);
  std::multimap<grpc::string_ref, grpc::string_ref> none;
  auto anonymous = access.Decide("/mgi.catalog.v1.CatalogService/GetFramework", none);
  ASSERT_TRUE(anonymous.ok());
  EXPECT_TRUE(anonymous->credentials().empty());
  EXPECT_EQ(anonymous->credentials(), PeerCredentials::Anonymous());
  EXPECT_EQ(PeerCredentials::Forward(metadata), PeerCredentials::Forward(metadata));
  EXPECT_FALSE(PeerCredentials::Forward(metadata).empty());
  grpc::ClientContext peer;
  PeerCredentials::Forward(metadata).Attach(peer);  // adds the header (checked end to end in
                                                    // catalog_client_test and suite_auth_test)
}

}  // namespace
}  // namespace mgi
