// End-to-end tests of the HTTP semantics of issue 15 over real processes: the test gateway binary
// in front of the in-process fake backend (TEST-ONLY gwtest proto). Representation ETags,
// If-Match: *, Retry-After from RetryInfo, metadata forwarding both ways, map query parameters,
// ignored parameters, reserved characters in multi-segment variables, cancellation of a backend
// call when the client goes away, and the short header-read timeout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <vector>

#include <grpcpp/support/status.h>
#include "absl/strings/match.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance.pb.h"
#include "fake_backend.h"
#include "gateway/backend.h"
#include "gateway/openapi.h"
#include "gwtest.pb.h"
#include "harness.h"
#include "http_client.h"

namespace mgi::gateway::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

struct Gateway {
  std::unique_ptr<mgi::testing::Process> process;
  int port = 0;
};

Gateway StartGateway(const std::string& backend, std::vector<std::string> args) {
  Gateway g;
  g.port = mgi::testing::FreePort();
  for (const char* flag : {"--backend=mgi.gwtest=", "--catalog-addr=", "--assessment-addr=",
                           "--report-addr="}) {
    args.push_back(flag + backend);
  }
  args.push_back("--port=" + std::to_string(g.port));
  args.push_back("--metrics-port=-1");
  args.push_back("--log-level=warn");
  g.process = mgi::testing::Process::Start(mgi::testing::BinaryPath("mgi-gateway-test"), args);
  if (!mgi::testing::WaitForHttp(g.port, "/healthz", milliseconds(20000))) {
    ADD_FAILURE() << "gateway did not start:\n" << g.process->Log();
  }
  return g;
}

// A raw TCP connection to 127.0.0.1:port; -1 on failure.
int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// True when the peer closes `fd` before the deadline (bytes it sends first are skipped).
bool ClosedByPeer(int fd, milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 500) <= 0) continue;
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
  return false;
}

class SemanticsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fake_ = FakeBackend::Start().release();
    ASSERT_NE(fake_, nullptr);
    gateway_ = new Gateway(StartGateway(
        fake_->address(), {"--forward-metadata=x-tenant,x-served-by",
                           "--ignored-query-params=utm_source,_", "--gzip-min-bytes=1"}));
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete fake_;
  }
  static int port() { return gateway_->port; }
  static json Body(const Reply& r) { return json::parse(r.body, nullptr, false); }
  static FakeBackend* fake_;
  static Gateway* gateway_;
};
FakeBackend* SemanticsTest::fake_ = nullptr;
Gateway* SemanticsTest::gateway_ = nullptr;

// No cache may serve a French body to an English reader, or a gzip body to a client without
// gzip: each representation has its own tag, and If-Match with any of them names the resource.
TEST_F(SemanticsTest, EtagsAreDistinctPerLanguageAndEncoding) {
  const std::string target = "/v1/shelves/s2/things/repr";
  Reply fr = Fetch(port(), "GET", target, "", {{"Accept-Language", "fr"}});
  Reply en = Fetch(port(), "GET", target, "", {{"Accept-Language", "en"}});
  Reply none = Fetch(port(), "GET", target);
  ASSERT_EQ(fr.status, 200) << fr.body;
  EXPECT_EQ(fr.Header("etag"), "\"v1;lang=fr\"");
  EXPECT_EQ(en.Header("etag"), "\"v1;lang=en\"");
  EXPECT_EQ(none.Header("etag"), "\"v1\"");
  Reply gz = Fetch(port(), "GET", target, "", {{"Accept-Language", "fr"}, {"Accept-Encoding", "gzip"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.Header("content-encoding"), "gzip");
  EXPECT_EQ(gz.Header("etag"), "\"v1;lang=fr;gzip\"");
  // Revalidation: each tag matches its own representation only.
  EXPECT_EQ(Fetch(port(), "GET", target, "",
                  {{"Accept-Language", "fr"}, {"If-None-Match", "\"v1;lang=fr\""}}).status,
            304);
  EXPECT_EQ(Fetch(port(), "GET", target, "",
                  {{"Accept-Language", "en"}, {"If-None-Match", "\"v1;lang=fr\""}}).status,
            200);
  EXPECT_EQ(Fetch(port(), "GET", target, "",
                  {{"Accept-Language", "fr"}, {"Accept-Encoding", "gzip"},
                   {"If-None-Match", "\"v1;lang=fr;gzip\""}}).status,
            304);
  // If-Match with a representation's tag is the resource's tag.
  Reply patched = Fetch(port(), "PATCH", target + "?update_mask=title", R"({"title":"t"})",
                        {{"If-Match", "\"v1;lang=fr;gzip\""}});
  EXPECT_EQ(patched.status, 200) << patched.body;
}

TEST_F(SemanticsTest, IfMatchStarReadsTheCurrentEtag) {
  // The resource exists: its current tag is read with its GET route, the change goes through.
  EXPECT_EQ(Fetch(port(), "DELETE", "/v1/shelves/s2/things/any", "", {{"If-Match", "*"}}).status,
            204);
  Reply published = Fetch(port(), "POST", "/v1/shelves/s2/things/any2:publish", "",
                          {{"If-Match", " * "}});
  EXPECT_EQ(published.status, 200) << published.body;
  // No such resource: 412.
  Reply missing = Fetch(port(), "DELETE", "/v1/shelves/s1/things/missing", "", {{"If-Match", "*"}});
  EXPECT_EQ(missing.status, 412) << missing.body;
  // A route without an etag cannot honour it.
  EXPECT_EQ(Fetch(port(), "POST", "/v1/echo", "{}", {{"If-Match", "*"}}).status, 400);
}

TEST_F(SemanticsTest, RetryAfterFromTheBackendsRetryInfo) {
  Reply exhausted = Fetch(port(), "GET", "/v1/fail/8");
  EXPECT_EQ(exhausted.status, 429);
  EXPECT_EQ(exhausted.Header("retry-after"), "3");  // 2.5 s, rounded up
  Reply unavailable = Fetch(port(), "GET", "/v1/fail/14");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.Header("retry-after"), "3");
  EXPECT_EQ(Fetch(port(), "GET", "/v1/fail/5").Header("retry-after"), "");  // no RetryInfo
}

TEST_F(SemanticsTest, MetadataForwardingBothWays) {
  const std::string trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  Reply r = Fetch(port(), "GET", "/v1/echo/md", "",
                  {{"traceparent", trace},
                   {"tracestate", "congo=t61rcWkgMzE"},
                   {"baggage", "userId=alice,isProduction=false"},
                   {"X-Forwarded-For", "203.0.113.7"},
                   {"X-Forwarded-Proto", "https"},
                   {"Grpc-Metadata-X-Tenant", "acme"},
                   {"Grpc-Metadata-X-Secret", "not-allowed"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json md = Body(r)["metadata"];
  EXPECT_EQ(md["tracestate"], "congo=t61rcWkgMzE");
  EXPECT_EQ(md["baggage"], "userId=alice,isProduction=false");
  EXPECT_EQ(md["x-forwarded-for"], "203.0.113.7, 127.0.0.1");
  EXPECT_EQ(md["x-forwarded-proto"], "https");
  EXPECT_EQ(md["x-tenant"], "acme");
  EXPECT_FALSE(md.contains("x-secret"));
  // The backend's allow-listed initial metadata comes back; the rest does not.
  EXPECT_EQ(r.Header("grpc-metadata-x-served-by"), "fake-backend");
  EXPECT_EQ(r.Header("grpc-metadata-x-internal"), "");
  // Without a traceparent, no tracestate; a forged X-Forwarded-For is replaced by the peer.
  Reply plain = Fetch(port(), "GET", "/v1/echo/md", "",
                      {{"tracestate", "congo=t61rcWkgMzE"}, {"X-Forwarded-For", "<script>"}});
  json md2 = Body(plain)["metadata"];
  EXPECT_FALSE(md2.contains("tracestate"));
  EXPECT_EQ(md2["x-forwarded-for"], "127.0.0.1");
  EXPECT_EQ(md2["x-forwarded-proto"], "http");
}

TEST_F(SemanticsTest, MapQueryParametersMasksAndIgnoredParameters) {
  Reply r = Fetch(port(), "GET",
                  "/v1/echo/q?labels%5Bcolour%5D=blue&labels[size]=L&counts[a]=3"
                  "&mask=displayName,title,nested.childName&utm_source=mail&_=123");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = Body(r);
  EXPECT_EQ(j["labels"], json({{"colour", "blue"}, {"size", "L"}}));
  EXPECT_EQ(j["counts"], json({{"a", 3}}));
  EXPECT_EQ(j["mask"], "displayName,title,nested.childName");  // split, stored snake_case
  EXPECT_EQ(Fetch(port(), "GET", "/v1/echo/q?labels[a]=1&labels[a]=2").status, 400);
  EXPECT_EQ(Fetch(port(), "GET", "/v1/echo/q?counts[a]=x").status, 400);
  EXPECT_EQ(Fetch(port(), "GET", "/v1/echo/q?tags[a]=x").status, 400);  // not a map
  EXPECT_EQ(Fetch(port(), "GET", "/v1/echo/q?mask=a,,b%20c").status, 400);
  EXPECT_EQ(Fetch(port(), "GET", "/v1/echo/q?utm_medium=x").status, 400);  // not ignored
}

TEST_F(SemanticsTest, ReservedCharactersStayEscapedInMultiSegmentVariables) {
  // "{name=**}": %2F, %3A, %3F stay escaped (they would change the resource name's structure);
  // %20 and UTF-8 are decoded.
  Reply r = Fetch(port(), "GET", "/v1/things/shelves/s2/things/a%2Fb%3Ac%3Fd%20e%C3%A9");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["name"], "shelves/s2/things/a%2Fb%3Ac%3Fd e\xc3\xa9");
  // A single-segment variable is fully decoded (http.proto).
  EXPECT_EQ(Body(Fetch(port(), "GET", "/v1/echo/a%2Fb%3Ac"))["id"], "a/b:c");
}

// The served document carries the contracts' comments (embedded at build time).
TEST_F(SemanticsTest, OpenApiDescriptionsComeFromTheProtoComments) {
  Reply r = Fetch(port(), "GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  json doc = Body(r);
  EXPECT_EQ(doc["paths"]["/v1/shelves/{shelvesId}/things/{thingsId}"]["get"]["description"],
            "Multi-segment variable, plus an additional binding with \"**\".");
  EXPECT_EQ(doc["components"]["schemas"]["mgi.gwtest.v1.Thing"]["description"], "A resource.");
  EXPECT_FALSE(doc["components"]["schemas"]["mgi.catalog.v1.Country"].value("description", "")
                   .empty());
}

// The document of the conformance contract (every well-known type, response_body kinds, HttpBody
// requests, "**") is valid OpenAPI 3.0 for @apidevtools/swagger-parser.
TEST(SemanticsOpenApiTest, ConformanceContractDocumentIsValid) {
  auto table = RouteTable::Build(
      {mgi::gwconf::v1::Book::descriptor()->file()->FindServiceByName("ConformanceService")});
  ASSERT_TRUE(table.ok()) << table.status();
  std::string path = mgi::testing::TempDir("gw-conf-openapi") + "/openapi.json";
  std::ofstream(path) << BuildOpenApi(*table, "conformance", "v1");
  std::string node_modules = mgi::testing::SourceDir() + "/tools/node/node_modules";
  std::string cmd = "cd " + mgi::testing::SourceDir() + "/tools/node && node -e \"require('" +
                    node_modules + "/@apidevtools/swagger-parser').validate('" + path +
                    "').then(() => { console.log('valid'); }, e => { console.error(e.message); "
                    "process.exit(1); })\" 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << out;
  EXPECT_NE(out.find("valid"), std::string::npos) << out;
}

// A client that closes its connection while its request waits on the backend cancels that call.
TEST_F(SemanticsTest, ClientDisconnectCancelsTheBackendCall) {
  int fd = Connect(port());
  ASSERT_GE(fd, 0);
  std::string body = R"({"label":"gone"})";
  std::string request = "POST /v1/things:wait HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "application/json\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  ASSERT_TRUE(fake_->WaitForPending(1, milliseconds(20000)));
  close(fd);
  EXPECT_TRUE(fake_->WaitForCancelled(1, milliseconds(20000)));
  fake_->ReleaseAll();
  EXPECT_EQ(Fetch(port(), "GET", "/healthz").status, 200);
}

// Reads `n` responses (status, body by Content-Length) from `fd`, or fewer at the deadline.
std::vector<std::pair<int, std::string>> ReadResponses(int fd, size_t n, milliseconds deadline) {
  std::vector<std::pair<int, std::string>> out;
  std::string bytes;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (out.size() < n && std::chrono::steady_clock::now() < until) {
    size_t end = bytes.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = bytes.substr(0, end);
      size_t length = 0;
      if (size_t cl = head.find("Content-Length: "); cl != std::string::npos) {
        length = std::stoul(head.substr(cl + 16));
      }
      if (bytes.size() >= end + 4 + length) {
        out.emplace_back(std::stoi(head.substr(9, 3)), bytes.substr(end + 4, length));
        bytes.erase(0, end + 4 + length);
        continue;
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[4096];
    ssize_t got = recv(fd, buf, sizeof buf, 0);
    if (got <= 0) break;
    bytes.append(buf, static_cast<size_t>(got));
  }
  return out;
}

// Requests pipelined on one connection are answered in order, also when the second arrives while
// the first waits on its backend (the transport reads on while it answers).
TEST_F(SemanticsTest, PipelinedRequestsAreAnsweredInOrder) {
  int fd = Connect(port());
  ASSERT_GE(fd, 0);
  std::string two = "GET /v1/echo/first HTTP/1.1\r\nHost: x\r\n\r\n"
                    "GET /v1/echo/second HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, two.data(), two.size(), MSG_NOSIGNAL), static_cast<ssize_t>(two.size()));
  auto replies = ReadResponses(fd, 2, milliseconds(20000));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].first, 200);
  EXPECT_NE(replies[0].second.find("first"), std::string::npos) << replies[0].second;
  EXPECT_EQ(replies[1].first, 200);
  EXPECT_NE(replies[1].second.find("second"), std::string::npos) << replies[1].second;

  // The second request arrives while the first is held by the backend.
  std::string body = R"({"label":"held"})";
  std::string held = "POST /v1/things:wait HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     "application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(send(fd, held.data(), held.size(), MSG_NOSIGNAL), static_cast<ssize_t>(held.size()));
  ASSERT_TRUE(fake_->WaitForPending(1, milliseconds(20000)));
  std::string next = "GET /v1/echo/after HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, next.data(), next.size(), MSG_NOSIGNAL), static_cast<ssize_t>(next.size()));
  fake_->ReleaseAll();
  replies = ReadResponses(fd, 2, milliseconds(20000));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].first, 200);
  EXPECT_NE(replies[0].second.find("done held"), std::string::npos) << replies[0].second;
  EXPECT_EQ(replies[1].first, 200);
  EXPECT_NE(replies[1].second.find("after"), std::string::npos) << replies[1].second;
  close(fd);
}

// An idle keep-alive connection is closed at --idle-timeout, also after it served requests.
TEST(SemanticsProcessTest, IdleKeepAliveConnectionsCloseAtTheIdleTimeout) {
  auto fake = FakeBackend::Start();
  ASSERT_NE(fake, nullptr);
  Gateway g = StartGateway(fake->address(), {"--idle-timeout=1s"});
  int fd = Connect(g.port);
  ASSERT_GE(fd, 0);
  std::string request = "GET /v1/echo/x HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    auto replies = ReadResponses(fd, 1, milliseconds(20000));
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].first, 200);
  }
  // Then nothing: the gateway closes it (the bound only keeps a broken gateway from hanging).
  EXPECT_TRUE(ClosedByPeer(fd, milliseconds(30000)));
  close(fd);
}

// Headers must arrive within --header-timeout once a request has begun, however long
// --idle-timeout is; an idle keep-alive connection has --idle-timeout.
TEST(SemanticsProcessTest, SlowHeadersAreCutAtTheHeaderTimeout) {
  auto fake = FakeBackend::Start();
  ASSERT_NE(fake, nullptr);
  Gateway g = StartGateway(fake->address(), {"--header-timeout=1s", "--idle-timeout=120s"});
  int fd = Connect(g.port);
  ASSERT_GE(fd, 0);
  std::string partial = "GET /healthz HTTP/1.1\r\nHost: x\r\n";  // never finished
  ASSERT_GT(send(fd, partial.data(), partial.size(), MSG_NOSIGNAL), 0);
  // Well before the idle timeout (120 s): the bound only keeps a broken gateway from hanging.
  EXPECT_TRUE(ClosedByPeer(fd, milliseconds(30000)));
  close(fd);
  // A complete request on a fresh connection is served.
  EXPECT_EQ(Fetch(g.port, "GET", "/healthz").status, 200);
}

TEST(SemanticsProcessTest, BadForwardMetadataKeyStopsTheStart) {
  auto p = mgi::testing::Process::Start(
      mgi::testing::BinaryPath("mgi-gateway-test"),
      {"--port=" + std::to_string(mgi::testing::FreePort()), "--metrics-port=-1",
       "--backend=mgi=127.0.0.1:1", "--forward-metadata=authorization"});
  auto code = p->Wait(milliseconds(10000));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(p->Log().find("forward-metadata"), std::string::npos) << p->Log();
}

// The end of the process (gateway/main.cc): calls still in flight when the HTTP server stopped at
// its grace deadline are cancelled, their `done` runs before Shutdown returns (so it never touches
// what main destroys next), and a later call is refused at once.
TEST(BackendsTest, ShutdownEndsCallsInFlightAndRefusesNewOnes) {
  auto fake = FakeBackend::Start();
  ASSERT_NE(fake, nullptr);
  auto map = BackendMap::Parse({"mgi.gwtest=" + fake->address()});
  ASSERT_TRUE(map.ok()) << map.status();
  const std::string service = "mgi.gwtest.v1.ThingService";
  auto backends = MakeGrpcBackends({service}, *map, GrpcBackendsOptions{});
  ASSERT_TRUE(backends.ok()) << backends.status();
  mgi::gwtest::v1::WaitRequest wait;
  wait.set_label("held");
  BackendCall call{.service = service,
                   .rpc_path = "/mgi.gwtest.v1.ThingService/Wait",
                   .request = wait.SerializeAsString(),
                   .timeout = std::chrono::seconds(60)};
  std::mutex mu;
  std::vector<int> codes;
  auto record = [&](BackendReply reply) {
    std::lock_guard<std::mutex> lock(mu);
    codes.push_back(reply.code);
  };
  // What a caller's `done` holds (a connection's session, in the gateway) is released by then too.
  auto held = std::make_shared<int>(0);
  std::weak_ptr<int> watch = held;
  (*backends)->Call(call, [record, held](BackendReply reply) { record(std::move(reply)); });
  (*backends)->Call(call, record);
  held.reset();
  ASSERT_TRUE(fake->WaitForPending(2, milliseconds(20000)));
  (*backends)->Shutdown();  // returns once both have answered, long before their deadline
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(codes, (std::vector<int>{grpc::StatusCode::CANCELLED, grpc::StatusCode::CANCELLED}));
  }
  EXPECT_TRUE(watch.expired()) << "a call's done outlived Shutdown";
  EXPECT_TRUE(fake->WaitForCancelled(2, milliseconds(20000)));
  (*backends)->Call(call, record);
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(codes.size(), 3u);
    EXPECT_EQ(codes[2], grpc::StatusCode::UNAVAILABLE);
  }
  fake->ReleaseAll();
}

// Health checks go through the same completion-queue calls as every other call: a serving
// backend answers SERVING, a closed port UNREACHABLE with gRPC's code, and once the gateway is
// shutting down a check is answered at once instead of started.
TEST(BackendsTest, HealthChecksReportEachBackend) {
  auto fake = FakeBackend::Start();
  ASSERT_NE(fake, nullptr);
  auto map = BackendMap::Parse({"mgi.gwtest=" + fake->address(), "mgi.gone=127.0.0.1:1"});
  ASSERT_TRUE(map.ok()) << map.status();
  auto backends = MakeGrpcBackends({"mgi.gwtest.v1.ThingService", "mgi.gone.v1.GoneService"},
                                   *map, GrpcBackendsOptions{});
  ASSERT_TRUE(backends.ok()) << backends.status();
  auto check = [&] {
    std::promise<std::vector<BackendHealth>> answered;
    (*backends)->CheckHealth(milliseconds(10000), [&](std::vector<BackendHealth> all) {
      answered.set_value(std::move(all));
    });
    auto future = answered.get_future();
    EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    std::map<std::string, BackendHealth> by_service;
    for (auto& h : future.get()) by_service[h.services] = h;
    return by_service;
  };
  auto health = check();
  ASSERT_EQ(health.size(), 2u);
  EXPECT_TRUE(health["mgi.gwtest.v1.ThingService"].serving);
  EXPECT_EQ(health["mgi.gwtest.v1.ThingService"].state, "SERVING");
  EXPECT_EQ(health["mgi.gwtest.v1.ThingService"].address, fake->address());
  EXPECT_FALSE(health["mgi.gone.v1.GoneService"].serving);
  EXPECT_EQ(health["mgi.gone.v1.GoneService"].state, "UNREACHABLE");
  EXPECT_TRUE(absl::StartsWith(health["mgi.gone.v1.GoneService"].detail, "code 14: "))
      << health["mgi.gone.v1.GoneService"].detail;

  (*backends)->Shutdown();
  health = check();
  ASSERT_EQ(health.size(), 2u);
  EXPECT_EQ(health["mgi.gwtest.v1.ThingService"].state, "UNREACHABLE");
  EXPECT_NE(health["mgi.gwtest.v1.ThingService"].detail.find("shutting down"), std::string::npos)
      << health["mgi.gwtest.v1.ThingService"].detail;
}

}  // namespace
}  // namespace mgi::gateway::testing
