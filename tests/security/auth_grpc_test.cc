// Access control over the wire: a real gRPC server (mgi::RunningServer on loopback) whose handlers
// authorize through mgi::Authorizer, called with real metadata. Checks the gRPC codes and
// ErrorInfo reasons, that x-mgi-actor cannot impersonate, that a token-file rewrite applies to a
// running server, and that the server's log never contains a token or its hash.
#include <gmock/gmock.h>
#include <grpcpp/support/error_details.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "services/common/auth.h"
#include "services/common/executor.h"
#include "services/common/metrics.h"
#include "services/common/server.h"
#include "google/rpc/error_info.pb.h"
#include "google/rpc/status.pb.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"

namespace mgi {
namespace {

namespace fs = std::filesystem;
namespace cv1 = ::mgi::catalog::v1;
using ::testing::HasSubstr;
using ::testing::Not;

// A stand-in service: GetFramework needs read-published, ListDomains write-drafts, GetDomain
// publish. Each answers the principal in the `x-principal` initial metadata.
class GuardedService final : public cv1::CatalogService::CallbackService {
 public:
  explicit GuardedService(const Authorizer* authorizer) : authorizer_(authorizer) {}
  grpc::ServerUnaryReactor* GetFramework(grpc::CallbackServerContext* c,
                                         const cv1::GetFrameworkRequest*,
                                         cv1::Framework*) override {
    return Guard(c, Permission::kReadPublished);
  }
  grpc::ServerUnaryReactor* ListDomains(grpc::CallbackServerContext* c,
                                        const cv1::ListDomainsRequest*,
                                        cv1::ListDomainsResponse*) override {
    return Guard(c, Permission::kWriteDrafts);
  }
  grpc::ServerUnaryReactor* GetDomain(grpc::CallbackServerContext* c, const cv1::GetDomainRequest*,
                                      cv1::Domain*) override {
    return Guard(c, Permission::kPublish);
  }

 private:
  grpc::ServerUnaryReactor* Guard(grpc::CallbackServerContext* c, Permission permission) {
    auto principal = authorizer_->Authorize(*c, permission);
    if (principal.ok()) c->AddInitialMetadata("x-principal", principal->name);
    return FinishNow(c, principal.status());
  }
  const Authorizer* authorizer_;
};

std::string HashOf(const std::string& token) { return HexDigest(Sha256(token)); }

void WriteFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
  }
  fs::rename(tmp, path);
}

class AuthGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_logger_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);

    dir_ = fs::temp_directory_path() / ("mgi-auth-grpc-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    tokens_file_ = (dir_ / "tokens").string();
    WriteFile(tokens_file_, HashOf(kEditor) + " editor eddie\n" + HashOf(kViewer) +
                                " viewer vera\n" + HashOf(kPublisher) + " publisher paula\n");
    AuthConfig config;
    config.tokens_file = tokens_file_;
    config.reload_interval = std::chrono::milliseconds(20);
    auto auth = MakeAuth(config);
    ASSERT_TRUE(auth.ok()) << auth.status();
    auth_ = std::move(*auth);
    service_ = std::make_unique<GuardedService>(auth_.authorizer.get());

    ServerConfig server_config;
    server_config.metrics_port = -1;
    server_config.shutdown_grace = std::chrono::milliseconds(100);
    auto server = RunningServer::Start(server_config, &metrics_, {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = cv1::CatalogService::NewStub(channel_);
  }

  void TearDown() override {
    server_.reset();
    spdlog::set_default_logger(previous_logger_);
  }

  struct Reply {
    grpc::Status status;
    std::string principal;
    std::string reason;
  };

  // Calls the method needing `permission` with the given metadata.
  Reply Call(Permission permission, const std::vector<std::pair<std::string, std::string>>& md) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    for (const auto& [k, v] : md) context.AddMetadata(k, v);
    Reply reply;
    switch (permission) {
      case Permission::kReadPublished: {
        cv1::Framework out;
        reply.status = stub_->GetFramework(&context, cv1::GetFrameworkRequest(), &out);
        break;
      }
      case Permission::kWriteDrafts: {
        cv1::ListDomainsResponse out;
        reply.status = stub_->ListDomains(&context, cv1::ListDomainsRequest(), &out);
        break;
      }
      default: {
        cv1::Domain out;
        reply.status = stub_->GetDomain(&context, cv1::GetDomainRequest(), &out);
        break;
      }
    }
    auto it = context.GetServerInitialMetadata().find("x-principal");
    if (it != context.GetServerInitialMetadata().end()) {
      reply.principal = std::string(it->second.data(), it->second.size());
    }
    google::rpc::Status details;
    if (!reply.status.ok() && grpc::ExtractErrorDetails(reply.status, &details).ok()) {
      for (const auto& any : details.details()) {
        google::rpc::ErrorInfo info;
        if (any.UnpackTo(&info)) reply.reason = info.reason();
      }
    }
    return reply;
  }

  static std::vector<std::pair<std::string, std::string>> Bearer(const std::string& token) {
    return {{"authorization", "Bearer " + token}};
  }

  std::string Log() {
    spdlog::default_logger()->flush();
    return log_.str();
  }

  static constexpr char kEditor[] = "tok-editor-7f3a9c";
  static constexpr char kViewer[] = "tok-viewer-21be04";
  static constexpr char kPublisher[] = "tok-publisher-88d1e2";
  static constexpr char kUnknown[] = "tok-unknown-5c5c5c";

  std::shared_ptr<spdlog::logger> previous_logger_;
  std::ostringstream log_;
  fs::path dir_;
  std::string tokens_file_;
  Auth auth_;
  std::unique_ptr<GuardedService> service_;
  MetricsRegistry metrics_;
  std::unique_ptr<RunningServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cv1::CatalogService::Stub> stub_;
};

TEST_F(AuthGrpcTest, CodesReasonsAndPrincipalsOnTheWire) {
  // Anonymous: public read only.
  Reply r = Call(Permission::kReadPublished, {});
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.principal, "anonymous");
  r = Call(Permission::kWriteDrafts, {});
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(r.reason, "TOKEN_MISSING");

  // Editor: writes, may not publish.
  r = Call(Permission::kWriteDrafts, Bearer(kEditor));
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.principal, "eddie");
  r = Call(Permission::kPublish, Bearer(kEditor));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.reason, "ROLE_REQUIRED");
  EXPECT_THAT(r.status.error_message(), HasSubstr("needs the role publisher"));

  // Viewer may not write; publisher may publish.
  EXPECT_EQ(Call(Permission::kWriteDrafts, Bearer(kViewer)).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  r = Call(Permission::kPublish, Bearer(kPublisher));
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.principal, "paula");

  // An unknown token is refused even for a public read, without echoing it.
  r = Call(Permission::kReadPublished, Bearer(kUnknown));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(r.reason, "TOKEN_INVALID");
  EXPECT_THAT(r.status.error_message(), Not(HasSubstr(kUnknown)));
}

TEST_F(AuthGrpcTest, SelfDeclaredActorIsIgnored) {
  Reply r = Call(Permission::kWriteDrafts, {{"x-mgi-actor", "paula"}});
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto md = Bearer(kEditor);
  md.push_back({"x-mgi-actor", "paula"});
  r = Call(Permission::kWriteDrafts, md);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.principal, "eddie");
}

TEST_F(AuthGrpcTest, RewrittenTokenFileAppliesToTheRunningServer) {
  ASSERT_TRUE(Call(Permission::kWriteDrafts, Bearer(kEditor)).status.ok());
  const uint64_t before = auth_.store->generation();
  // The editor is demoted to viewer, a new publisher appears.
  WriteFile(tokens_file_,
            HashOf(kEditor) + " viewer eddie\n" + HashOf("tok-new-0a0a0a") + " publisher nadia\n");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Call(Permission::kWriteDrafts, Bearer(kEditor)).status.ok()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the new token file never applied";
  }
  EXPECT_GT(auth_.store->generation(), before);
  EXPECT_EQ(Call(Permission::kWriteDrafts, Bearer(kEditor)).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  Reply r = Call(Permission::kPublish, Bearer("tok-new-0a0a0a"));
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.principal, "nadia");
  EXPECT_EQ(Call(Permission::kReadPublished, Bearer(kViewer)).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // A broken rewrite fails closed: only its lines that parse are in force (issue 21 item 7).
  WriteFile(tokens_file_, "garbage\n" + HashOf(kEditor) + " viewer eddie\n");
  EXPECT_FALSE(auth_.store->Reload().ok());
  EXPECT_EQ(Call(Permission::kPublish, Bearer("tok-new-0a0a0a")).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  Reply kept = Call(Permission::kReadPublished, Bearer(kEditor));
  EXPECT_TRUE(kept.status.ok()) << kept.status.error_message();
  EXPECT_EQ(kept.principal, "eddie");
}

TEST_F(AuthGrpcTest, LogsNeverContainATokenOrItsHash) {
  for (const char* token : {kEditor, kViewer, kPublisher, kUnknown}) {
    for (Permission p :
         {Permission::kReadPublished, Permission::kWriteDrafts, Permission::kPublish}) {
      Call(p, Bearer(token));
    }
  }
  Call(Permission::kPublish, {{"authorization", std::string("Basic ") + kEditor}});
  WriteFile(tokens_file_, HashOf(kEditor) + " overlord eddie\n");  // a broken file is logged
  EXPECT_FALSE(auth_.store->Reload().ok());
  std::string log = Log();
  // The log is not empty: denials and rejections are there, only without secrets.
  EXPECT_THAT(log, HasSubstr("permission denied principal=vera role=viewer"));
  EXPECT_THAT(log, HasSubstr("rejected a bearer token"));
  EXPECT_THAT(log, HasSubstr("unknown role \"overlord\""));
  for (const char* token : {kEditor, kViewer, kPublisher, kUnknown}) {
    EXPECT_THAT(log, Not(HasSubstr(token))) << token;
    EXPECT_THAT(log, Not(HasSubstr(HashOf(token)))) << token;
    EXPECT_THAT(log, Not(HasSubstr(HashOf(token).substr(0, 16)))) << token;
  }
}

}  // namespace
}  // namespace mgi
