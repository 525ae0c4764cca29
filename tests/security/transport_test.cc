// Transport security and abuse limits of the real binaries, with certificates made at test time
// by make-test-certs.sh (openssl): the gateway serves HTTPS (a client trusting the CA gets its
// answers; one trusting another CA is refused) and reaches an mTLS catalog through its peer-tls-*
// options; mgi-assessment reaches an mTLS mgi-catalog with a good client certificate and is
// refused with a rogue one; the gateway's per-client rate limit (429 + Retry-After, two tokens
// limited independently, probes exempt) and its read timeout against a slowloris client.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <utility>  // before Boost 1.74 asio

#include "services/common/auth.h"
#include "harness.h"
#include "http_client.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"

namespace mgi {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

std::string* cert_dir = nullptr;
std::string File(const std::string& name) { return *cert_dir + "/" + name; }

struct HttpsReply {
  int status = 0;
  std::string error;  // the handshake or transport error, when status is 0
  std::string body;
};

// One HTTPS GET to 127.0.0.1:port trusting only `ca_file`, checking the certificate names
// `host` (RFC 2818).
HttpsReply HttpsGet(int port, const std::string& ca_file, const std::string& host,
                    const std::string& target) {
  HttpsReply reply;
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  beast::error_code ec;
  ctx.load_verify_file(ca_file, ec);
  if (ec) {
    reply.error = "load_verify_file: " + ec.message();
    return reply;
  }
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  stream.set_verify_callback(ssl::host_name_verification(host));
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                              static_cast<unsigned short>(port)),
      ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    reply.error = "handshake: " + ec.message();
    return reply;
  }
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, host);
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) {
    reply.error = "exchange: " + ec.message();
    return reply;
  }
  reply.status = res.result_int();
  reply.body = res.body();
  return reply;
}

// One HTTPS GET of /healthz with a client limited to `max_version` and, up to TLS 1.2, to the
// OpenSSL cipher list `ciphers`: the status (0 when the handshake failed) and the HSTS header.
std::pair<int, std::string> HttpsProbe(int port, const std::string& ca_file, int max_version,
                                       const std::string& ciphers) {
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  SSL_CTX_set_security_level(ctx.native_handle(), 0);  // let the client offer old things
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
  if (!ciphers.empty()) SSL_CTX_set_cipher_list(ctx.native_handle(), ciphers.c_str());
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                              static_cast<unsigned short>(port)),
      ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (ec) return {0, ""};
  http::request<http::empty_body> req(http::verb::get, "/healthz", 11);
  req.set(http::field::host, "localhost");
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) return {0, ""};
  return {res.result_int(), std::string(res[http::field::strict_transport_security])};
}

std::unique_ptr<testing::Process> StartGateway(int port, std::vector<std::string> args) {
  args.push_back("--host=127.0.0.1");
  args.push_back("--port=" + std::to_string(port));
  args.push_back("--metrics-port=-1");
  // Backends the test does not name: an address where nothing listens (only reached by /readyz).
  args.push_back("--backend=mgi=127.0.0.1:1");
  return testing::Process::Start(testing::BinaryPath("mgi-gateway"), args);
}

class TransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cert_dir = new std::string(testing::TempDir("mgi-transport-test"));
    std::string command = "bash " MGI_SOURCE_DIR "/tests/security/make-test-certs.sh '" +
                          *cert_dir + "/certs' > '" + *cert_dir + "/certs.log' 2>&1";
    certs_ok_ = std::system(command.c_str()) == 0;
    *cert_dir += "/certs";
  }
  static void TearDownTestSuite() { delete cert_dir; }
  void SetUp() override { ASSERT_TRUE(certs_ok_) << "make-test-certs.sh failed"; }

  // mgi-catalog serving mutual TLS (server.pem; clients need a certificate of ca.pem).
  static std::unique_ptr<testing::Process> StartMtlsCatalog(int port) {
    auto catalog = testing::Process::Start(
        testing::BinaryPath("mgi-catalog"),
        {"--host=127.0.0.1", "--port=" + std::to_string(port), "--metrics-port=-1",
         "--tls-cert-file=" + File("server.pem"), "--tls-key-file=" + File("server.key"),
         "--tls-client-ca-file=" + File("ca.pem")});
    if (!catalog) return nullptr;
    // Ready when a channel with a good client certificate connects (event-driven wait).
    grpc::SslCredentialsOptions options;
    auto read = [](const std::string& path) {
      std::ifstream in(path);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    options.pem_root_certs = read(File("ca.pem"));
    options.pem_cert_chain = read(File("client.pem"));
    options.pem_private_key = read(File("client.key"));
    auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(options));
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(20))) {
      ADD_FAILURE() << "mTLS catalog not ready:\n" << catalog->Log();
      return nullptr;
    }
    return catalog;
  }

  static bool certs_ok_;
};
bool TransportTest::certs_ok_ = false;

TEST_F(TransportTest, AssessmentReachesAnMtlsCatalogWithAGoodClientCertificateOnly) {
  int catalog_port = testing::FreePort();
  auto catalog = StartMtlsCatalog(catalog_port);
  ASSERT_NE(catalog, nullptr);
  std::string catalog_addr = "--catalog-addr=127.0.0.1:" + std::to_string(catalog_port);
  std::string seed = "--seed-dir=" + testing::DataDir() + "/profiles";
  std::string dir = testing::TempDir("mgi-transport-assessment");

  // Good client certificate: seeding validates every profile against the catalog, over mTLS.
  auto good = testing::StartService(
      "mgi-assessment",
      {catalog_addr, seed, "--db=" + dir + "/good.db", "--peer-tls-ca-file=" + File("ca.pem"),
       "--peer-tls-cert-file=" + File("client.pem"), "--peer-tls-key-file=" + File("client.key")});
  ASSERT_TRUE(good.has_value());
  auto stub = assessment::v1::AssessmentService::NewStub(
      grpc::CreateChannel(good->address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  assessment::v1::GetProfileRequest req;
  req.set_name("profiles/gtm-2022");
  assessment::v1::Profile profile;
  grpc::Status st = stub->GetProfile(&context, req, &profile);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(profile.country(), "countries/GTM");

  // A client certificate of another CA, or none: the catalog refuses the handshake, seeding
  // cannot reach it and the service gives up at the seed timeout.
  for (const std::vector<std::string>& client :
       {std::vector<std::string>{"--peer-tls-cert-file=" + File("rogue-client.pem"),
                                 "--peer-tls-key-file=" + File("rogue-client.key")},
        std::vector<std::string>{}}) {
    std::vector<std::string> args = {"--host=127.0.0.1",
                                     "--port=" + std::to_string(testing::FreePort()),
                                     "--metrics-port=-1",
                                     catalog_addr,
                                     seed,
                                     "--db=" + dir + "/bad.db",
                                     "--seed-timeout=2s",
                                     "--peer-tls-ca-file=" + File("ca.pem")};
    args.insert(args.end(), client.begin(), client.end());
    auto bad = testing::Process::Start(testing::BinaryPath("mgi-assessment"), args);
    ASSERT_NE(bad, nullptr);
    auto code = bad->Wait(std::chrono::seconds(40));
    ASSERT_TRUE(code.has_value()) << "should have given up seeding";
    EXPECT_NE(*code, 0);
    EXPECT_THAT(bad->Log(), HasSubstr("UNAVAILABLE"));
  }
}

TEST_F(TransportTest, GatewayServesHttpsAndReachesBackendsOverMtls) {
  int catalog_port = testing::FreePort();
  auto catalog = StartMtlsCatalog(catalog_port);
  ASSERT_NE(catalog, nullptr);
  int port = testing::FreePort();
  auto gateway = StartGateway(
      port, {"--catalog-addr=127.0.0.1:" + std::to_string(catalog_port),
             "--tls-cert-file=" + File("server.pem"), "--tls-key-file=" + File("server.key"),
             "--peer-tls-ca-file=" + File("ca.pem"), "--peer-tls-cert-file=" + File("client.pem"),
             "--peer-tls-key-file=" + File("client.key")});
  ASSERT_NE(gateway, nullptr);
  HttpsReply ready;
  auto deadline = Clock::now() + std::chrono::seconds(20);
  do {
    ready = HttpsGet(port, File("ca.pem"), "localhost", "/healthz");
  } while (ready.status != 200 && gateway->Running() && Clock::now() < deadline);
  ASSERT_EQ(ready.status, 200) << ready.error << "\n" << gateway->Log();

  // A client trusting the CA, by name and by IP: a real answer from the mTLS catalog.
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    HttpsReply framework = HttpsGet(port, File("ca.pem"), host, "/v1/framework");
    EXPECT_EQ(framework.status, 200) << host << ": " << framework.error << framework.body;
    EXPECT_THAT(framework.body, HasSubstr("domains"));
  }
  // A client trusting another CA refuses the gateway's certificate; so does one expecting
  // another host name.
  HttpsReply rogue = HttpsGet(port, File("rogue-ca.pem"), "localhost", "/v1/framework");
  EXPECT_EQ(rogue.status, 0);
  EXPECT_THAT(rogue.error, HasSubstr("handshake"));
  HttpsReply other = HttpsGet(port, File("ca.pem"), "other.example", "/v1/framework");
  EXPECT_EQ(other.status, 0);
  // Plain HTTP on the HTTPS port gets no HTTP answer.
  EXPECT_EQ(gateway::testing::Fetch(port, "GET", "/healthz").status, 0);
  // The gateway still serves after those failed handshakes.
  EXPECT_EQ(HttpsGet(port, File("ca.pem"), "localhost", "/healthz").status, 200);
}

// TLS 1.2 and later only, and up to 1.2 only ECDHE key exchange with AEAD ciphers; HSTS on
// HTTPS responses.
TEST_F(TransportTest, GatewayTlsIsModernAndSendsHsts) {
  int port = testing::FreePort();
  auto gateway = StartGateway(port, {"--tls-cert-file=" + File("server.pem"),
                                     "--tls-key-file=" + File("server.key")});
  ASSERT_NE(gateway, nullptr);
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (HttpsGet(port, File("ca.pem"), "localhost", "/healthz").status != 200 &&
         gateway->Running() && Clock::now() < deadline) {
  }
  const std::string ca = File("ca.pem");
  auto [status13, hsts] = HttpsProbe(port, ca, TLS1_3_VERSION, "");
  EXPECT_EQ(status13, 200);
  EXPECT_EQ(hsts, "max-age=31536000");
  EXPECT_EQ(HttpsProbe(port, ca, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256").first, 200);
  EXPECT_EQ(HttpsProbe(port, ca, TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305").first, 200);
  // CBC ciphers, even with ECDHE, and old protocol versions are refused.
  EXPECT_EQ(HttpsProbe(port, ca, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256").first, 0);
  EXPECT_EQ(HttpsProbe(port, ca, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA").first, 0);
  EXPECT_EQ(HttpsProbe(port, ca, TLS1_1_VERSION, "").first, 0);
  EXPECT_EQ(HttpsProbe(port, ca, TLS1_VERSION, "").first, 0);
  // Still serving.
  EXPECT_EQ(HttpsProbe(port, ca, TLS1_3_VERSION, "").first, 200);
}

TEST_F(TransportTest, GatewayRefusesAKeyThatDoesNotMatchItsCertificate) {
  auto gateway = StartGateway(testing::FreePort(), {"--tls-cert-file=" + File("server.pem"),
                                                    "--tls-key-file=" + File("client.key")});
  ASSERT_NE(gateway, nullptr);
  auto code = gateway->Wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_THAT(gateway->Log(), HasSubstr("tls-key-file does not match"));
}

TEST_F(TransportTest, GatewayRateLimitsEachClientWith429AndRetryAfter) {
  std::string dir = testing::TempDir("mgi-transport-rate");
  const std::string token_a = "tok-rate-a-5e1d77c2", token_b = "tok-rate-b-90aa3f61";
  {
    std::ofstream out(dir + "/tokens");
    out << HexDigest(Sha256(token_a)) << " viewer alice\n"
        << HexDigest(Sha256(token_b)) << " viewer bob\n";
  }
  auto catalog = testing::StartService("mgi-catalog", {"--auth-tokens-file=" + dir + "/tokens"});
  ASSERT_TRUE(catalog.has_value());
  int port = testing::FreePort();
  // Two at once, then one every 5 s: a slow build (sanitizers) takes well under 5 s for the
  // three requests of a client, so the third is refused whatever the machine's speed.
  auto gateway = StartGateway(
      port, {"--catalog-addr=" + catalog->address, "--rate-limit-rps=0.2", "--rate-limit-burst=2"});
  ASSERT_NE(gateway, nullptr);
  ASSERT_TRUE(testing::WaitForHttp(port, "/healthz", std::chrono::seconds(20)));
  auto get = [&](const std::string& token) {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["authorization"] = "Bearer " + token;
    return gateway::testing::Fetch(port, "GET", "/v1/framework", "", headers);
  };
  // Each client (token A, token B, no token: by address) has its own bucket of two.
  for (const std::string& token : {token_a, token_b, std::string()}) {
    SCOPED_TRACE(token.empty() ? "anonymous" : token);
    EXPECT_EQ(get(token).status, 200);
    EXPECT_EQ(get(token).status, 200);
    auto limited = get(token);
    ASSERT_EQ(limited.status, 429) << limited.body;
    // The seconds until the next request is allowed, rounded up: at most the 5 s of one.
    EXPECT_THAT(limited.Header("retry-after"), ::testing::AnyOf("1", "2", "3", "4", "5"));
    EXPECT_THAT(limited.body, HasSubstr("\"status\":\"RESOURCE_EXHAUSTED\""));
    EXPECT_THAT(limited.body, HasSubstr("RATE_LIMITED"));
    EXPECT_THAT(limited.body, HasSubstr("\"code\":429"));
  }
  // Probes are never limited.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(gateway::testing::Fetch(port, "GET", "/healthz").status, 200);
  }
  // The bucket refills: token A gets through again once Retry-After has passed.
  auto deadline = Clock::now() + std::chrono::seconds(20);
  int status = 0;
  do {
    status = get(token_a).status;
  } while (status == 429 && Clock::now() < deadline);
  EXPECT_EQ(status, 200);
  for (const auto& token : {token_a, token_b}) {
    EXPECT_THAT(gateway->Log(), Not(HasSubstr(token)));
    EXPECT_THAT(gateway->Log(), Not(HasSubstr(HexDigest(Sha256("Bearer " + token)))));
    EXPECT_THAT(gateway->Log(), Not(HasSubstr(HexDigest(Sha256(token)).substr(0, 16))));
    EXPECT_THAT(catalog->process->Log(), Not(HasSubstr(token)));
  }
}

TEST_F(TransportTest, GatewayCutsOffASlowlorisClientAtTheReadTimeout) {
  int port = testing::FreePort();
  auto gateway = StartGateway(port, {"--idle-timeout=1s", "--rate-limit-rps=0"});
  ASSERT_NE(gateway, nullptr);
  ASSERT_TRUE(testing::WaitForHttp(port, "/healthz", std::chrono::seconds(20)));

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  // Headers one byte every 100 ms: 20 s to finish them, far beyond the 1 s timeout.
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a');
  auto start = Clock::now();
  std::optional<Clock::duration> closed_after;
  for (char c : request) {
    if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) {
      closed_after = Clock::now() - start;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {  // the pace of the slow client; readable here means closed
      char buf[256];
      if (recv(fd, buf, sizeof buf, 0) <= 0) {
        closed_after = Clock::now() - start;
        break;
      }
    }
  }
  close(fd);
  ASSERT_TRUE(closed_after.has_value()) << "the slow client was never cut off";
  EXPECT_GE(*closed_after, std::chrono::milliseconds(900));
  EXPECT_LT(*closed_after, std::chrono::seconds(5));
  // Normal clients are served meanwhile and after.
  EXPECT_EQ(gateway::testing::Fetch(port, "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace mgi
