// TLS and mutual TLS handshakes between the suite's real server bootstrap (mgi::RunningServer,
// with gRPC health) and its peer channels (mgi::MakeChannel), over loopback, with certificates
// made at test time by make-test-certs.sh: good ones connect; an unknown CA, an expired or a
// wrong-host certificate, plaintext, and mTLS without (or with a bad) client certificate are
// refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "services/common/channel.h"
#include "services/common/metrics.h"
#include "services/common/server.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace mgi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string cert_dir;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cert_dir = (fs::temp_directory_path() / ("mgi-tls-test-" + std::to_string(getpid()))).string();
    std::string command = "bash " MGI_SOURCE_DIR "/tests/security/make-test-certs.sh '" + cert_dir +
                          "' > '" + cert_dir + ".log' 2>&1";
    int rc = std::system(command.c_str());
    ASSERT_EQ(rc, 0) << "make-test-certs.sh failed, see " << cert_dir << ".log";
  }

  static std::string File(const std::string& name) { return cert_dir + "/" + name; }

  // A running server with the given certificate ("server", "expired"...) and, when
  // `client_ca` is set, mutual TLS against that CA.
  std::unique_ptr<RunningServer> StartServer(const std::string& cert,
                                             const std::string& client_ca = "") {
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.metrics_port = -1;
    config.shutdown_grace = std::chrono::milliseconds(100);
    config.tls_cert_file = File(cert + ".pem");
    config.tls_key_file = File(cert + ".key");
    if (!client_ca.empty()) config.tls_client_ca_file = File(client_ca + ".pem");
    auto server = RunningServer::Start(config, &metrics_, {});
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }

  // One health check through a peer channel; the status of the call.
  static grpc::Status Check(const std::string& target, const ChannelConfig& config) {
    auto channel = MakeChannel(target, config);
    if (!channel.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, channel.status().ToString());
    auto stub = grpc::health::v1::Health::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok() && response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "not SERVING");
    }
    return status;
  }

  static ChannelConfig Trusting(const std::string& ca, const std::string& client_cert = "") {
    ChannelConfig config;
    config.tls_ca_file = File(ca + ".pem");
    if (!client_cert.empty()) {
      config.tls_cert_file = File(client_cert + ".pem");
      config.tls_key_file = File(client_cert + ".key");
    }
    return config;
  }

  static std::string Local(const RunningServer& server) {
    return "127.0.0.1:" + std::to_string(server.port());
  }

  MetricsRegistry metrics_;
};

TEST_F(TlsTest, GoodCertificateConnectsByIpAndByName) {
  auto server = StartServer("server");
  ASSERT_NE(server, nullptr);
  grpc::Status by_ip = Check(Local(*server), Trusting("ca"));
  EXPECT_TRUE(by_ip.ok()) << by_ip.error_message();
  grpc::Status by_name = Check("localhost:" + std::to_string(server->port()), Trusting("ca"));
  EXPECT_TRUE(by_name.ok()) << by_name.error_message();
}

TEST_F(TlsTest, CertificateFromAnUnknownCaIsRefused) {
  auto server = StartServer("rogue-server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Check(Local(*server), Trusting("ca")).error_code(), grpc::StatusCode::UNAVAILABLE);
  // The same server is fine for a client that trusts its CA: the refusal is about trust.
  EXPECT_TRUE(Check(Local(*server), Trusting("rogue-ca")).ok());
}

TEST_F(TlsTest, ClientTrustingAnotherCaRefusesAGoodServer) {
  auto server = StartServer("server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Check(Local(*server), Trusting("rogue-ca")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, ExpiredCertificateIsRefused) {
  auto server = StartServer("expired");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Check(Local(*server), Trusting("ca")).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, WrongHostCertificateIsRefusedUnlessTheNameIsOverridden) {
  auto server = StartServer("wronghost");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Check(Local(*server), Trusting("ca")).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Check("localhost:" + std::to_string(server->port()), Trusting("ca")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // peer-tls-server-name: the name the certificate is checked against.
  ChannelConfig config = Trusting("ca");
  config.tls_server_name = "other.example";
  grpc::Status status = Check(Local(*server), config);
  EXPECT_TRUE(status.ok()) << status.error_message();
  config.tls_server_name = "another.example";
  EXPECT_EQ(Check(Local(*server), config).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, PlaintextClientCannotTalkToATlsServer) {
  auto server = StartServer("server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Check(Local(*server), ChannelConfig{}).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificateFromTheClientCa) {
  auto server = StartServer("server", /*client_ca=*/"ca");
  ASSERT_NE(server, nullptr);
  grpc::Status good = Check(Local(*server), Trusting("ca", "client"));
  EXPECT_TRUE(good.ok()) << good.error_message();
  EXPECT_EQ(Check(Local(*server), Trusting("ca")).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "no client certificate";
  EXPECT_EQ(Check(Local(*server), Trusting("ca", "rogue-client")).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "client certificate from an unknown CA";
  EXPECT_EQ(Check(Local(*server), Trusting("ca", "expired-client")).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "expired client certificate";
  // And the server is still serving good clients after all that.
  EXPECT_TRUE(Check(Local(*server), Trusting("ca", "client")).ok());
}

// ---- Configuration errors name the option. ----

TEST_F(TlsTest, ServerConfigErrors) {
  ServerConfig config;
  config.host = "127.0.0.1";
  config.metrics_port = -1;
  config.tls_cert_file = File("server.pem");
  EXPECT_THAT(MakeServerCredentials(config).status().ToString(),
              HasSubstr("tls-cert-file and tls-key-file go together"));
  config.tls_key_file = File("missing.key");
  EXPECT_THAT(MakeServerCredentials(config).status().ToString(), HasSubstr("tls-key-file"));
  config = ServerConfig{};
  config.tls_client_ca_file = File("ca.pem");
  EXPECT_THAT(MakeServerCredentials(config).status().ToString(), HasSubstr("tls-client-ca-file"));
  // A key that does not belong to the certificate, and a file that is not PEM.
  config = ServerConfig{};
  config.tls_cert_file = File("server.pem");
  config.tls_key_file = File("client.key");
  EXPECT_THAT(MakeServerCredentials(config).status().ToString(), HasSubstr("does not match"));
  config.tls_key_file = File("ca.cnf");
  EXPECT_THAT(MakeServerCredentials(config).status().ToString(), HasSubstr("tls-key-file"));
  config.tls_key_file = File("server.key");
  config.tls_client_ca_file = File("ca.cnf");
  EXPECT_THAT(MakeServerCredentials(config).status().ToString(), HasSubstr("tls-client-ca-file"));
}

TEST_F(TlsTest, ChannelConfigErrors) {
  ChannelConfig config;
  config.tls_cert_file = File("client.pem");
  EXPECT_THAT(MakeChannel("127.0.0.1:1", config).status().ToString(),
              HasSubstr("peer-tls-cert-file needs peer-tls-ca-file"));
  config = Trusting("ca");
  config.tls_cert_file = File("client.pem");
  EXPECT_THAT(MakeChannel("127.0.0.1:1", config).status().ToString(),
              HasSubstr("peer-tls-cert-file and peer-tls-key-file go together"));
  config = Trusting("ca");
  config.tls_key_file = File("client.key");
  EXPECT_THAT(MakeChannel("127.0.0.1:1", config).status().ToString(),
              HasSubstr("peer-tls-cert-file and peer-tls-key-file go together"));
  config = ChannelConfig{};
  config.tls_ca_file = File("ca.cnf");
  EXPECT_THAT(MakeChannel("127.0.0.1:1", config).status().ToString(),
              HasSubstr("peer-tls-ca-file"));
  config = ChannelConfig{};
  config.tls_server_name = "other.example";
  EXPECT_THAT(MakeChannel("127.0.0.1:1", config).status().ToString(),
              HasSubstr("peer-tls-server-name needs peer-tls-ca-file"));
}

}  // namespace
}  // namespace mgi
