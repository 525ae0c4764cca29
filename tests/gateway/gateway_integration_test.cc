// End-to-end tests of mgi-gateway over real processes: the test gateway binary (the real main.cc
// with the TEST-ONLY gwtest proto linked in) in front of an in-process fake backend.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_backend.h"
#include "harness.h"
#include "http_client.h"

namespace mgi::gateway::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

struct Gateway {
  std::unique_ptr<mgi::testing::Process> process;
  int port = 0;
  int metrics_port = 0;
};

Gateway StartGateway(const std::string& binary, std::vector<std::string> args) {
  Gateway g;
  g.port = mgi::testing::FreePort();
  g.metrics_port = mgi::testing::FreePort();
  args.push_back("--port=" + std::to_string(g.port));
  args.push_back("--metrics-port=" + std::to_string(g.metrics_port));
  args.push_back("--log-level=warn");
  g.process = mgi::testing::Process::Start(mgi::testing::BinaryPath(binary), args);
  if (!mgi::testing::WaitForHttp(g.port, "/healthz", milliseconds(20000))) {
    ADD_FAILURE() << "gateway did not start:\n" << g.process->Log();
  }
  return g;
}

class GatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fake_ = FakeBackend::Start().release();
    ASSERT_NE(fake_, nullptr);
    std::string a = fake_->address();
    gateway_ = new Gateway(StartGateway(
        "mgi-gateway-test",
        {"--backend=mgi.gwtest=" + a, "--catalog-addr=" + a, "--assessment-addr=" + a,
         "--report-addr=" + a, "--max-body-bytes=4096", "--max-header-bytes=4096",
         "--max-json-depth=8", "--cors-origins=https://allowed.example"}));
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete fake_;
  }
  static int port() { return gateway_->port; }
  static int metrics_port() { return gateway_->metrics_port; }
  static json Body(const Reply& r) { return json::parse(r.body, nullptr, false); }
  // The error envelope's field violations as "field" -> description.
  static std::map<std::string, std::string> Violations(const Reply& r) {
    std::map<std::string, std::string> out;
    json j = Body(r);
    for (const auto& d : j["error"]["details"]) {
      if (d.value("@type", "") == "type.googleapis.com/google.rpc.BadRequest") {
        for (const auto& v : d["fieldViolations"]) out[v["field"]] = v["description"];
      }
    }
    return out;
  }

  static FakeBackend* fake_;
  static Gateway* gateway_;
};
FakeBackend* GatewayTest::fake_ = nullptr;
Gateway* GatewayTest::gateway_ = nullptr;

TEST_F(GatewayTest, GetWithMultiSegmentNameEtagAndPublicCache) {
  HttpClient c(port());
  Reply r = c.Send("GET", "/v1/shelves/s1/things/t1?language=fr");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(Body(r)["name"], "shelves/s1/things/t1");
  EXPECT_EQ(Body(r)["title"], "T1 in fr");
  EXPECT_EQ(r.Header("etag"), "\"v1\"");
  EXPECT_EQ(r.Header("cache-control"), "public, max-age=60");  // an anonymous caller read it
  // Same connection (keep-alive), the additional binding with "**".
  Reply again = c.Send("GET", "/v1/things/shelves/s1/things/t1");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Body(again)["name"], "shelves/s1/things/t1");
  // A draft: anonymous callers are refused; a caller with a token gets a private response.
  Reply refused = c.Send("GET", "/v1/shelves/s1/things/draft");
  ASSERT_EQ(refused.status, 403);
  EXPECT_EQ(refused.Header("cache-control"), "no-store");
  Reply draft = c.Send("GET", "/v1/shelves/s1/things/draft", "", {{"Authorization", "Bearer e"}});
  ASSERT_EQ(draft.status, 200);
  EXPECT_EQ(draft.Header("cache-control"), "private, no-cache");
}

TEST_F(GatewayTest, PublicResponsesAreServedFromTheSharedCache) {
  // Distinct target (query) so that no other test filled the entry.
  Reply first = Fetch(port(), "GET", "/v1/shelves/s1/things/t1?language=cache-test");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Header("age"), "");
  Reply second = Fetch(port(), "GET", "/v1/shelves/s1/things/t1?language=cache-test");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.Header("age"), "0");  // from the cache (TTL 1 s)
  EXPECT_EQ(second.body, first.body);
  EXPECT_NE(second.Header("x-request-id"), first.Header("x-request-id"));
  Reply cached304 = Fetch(port(), "GET", "/v1/shelves/s1/things/t1?language=cache-test", "",
                          {{"If-None-Match", "\"v1\""}});
  EXPECT_EQ(cached304.status, 304);
  // A draft is not public: never cached.
  Fetch(port(), "GET", "/v1/shelves/s1/things/draft");
  EXPECT_EQ(Fetch(port(), "GET", "/v1/shelves/s1/things/draft").Header("age"), "");
  // Unknown parameters are still rejected (never answered from the cache).
  EXPECT_EQ(Fetch(port(), "GET", "/v1/shelves/s1/things/t1?bogus=1").status, 400);
}

// A write through the gateway (PATCH, POST :verb, POST to the collection) drops the cached GET
// responses of what it changed before it is acknowledged: the next GET sees the new data.
TEST_F(GatewayTest, WritesThroughTheGatewayInvalidateTheSharedCache) {
  const std::string target = "/v1/shelves/s2/things/w1";
  auto title = [&](const Reply& r) { return Body(r).value("title", ""); };
  Reply first = Fetch(port(), "GET", target);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(title(first), "original");
  Reply cached = Fetch(port(), "GET", target);
  EXPECT_EQ(cached.Header("age"), "0");  // from the cache (TTL 1 s)
  Reply cached_fr = Fetch(port(), "GET", target + "?language=fr");
  ASSERT_EQ(cached_fr.status, 200);

  Reply patched = Fetch(port(), "PATCH", target + "?update_mask=title", R"({"title":"changed"})",
                        {{"If-Match", "\"v1\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  Reply after = Fetch(port(), "GET", target);
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(title(after), "changed");
  EXPECT_EQ(after.Header("age"), "");  // fetched again
  EXPECT_EQ(title(Fetch(port(), "GET", target + "?language=fr")), "changed");

  // A custom verb on the resource.
  EXPECT_EQ(Fetch(port(), "GET", target).Header("age"), "0");
  Reply published = Fetch(port(), "POST", target + ":publish", "", {{"If-Match", "\"v1\""}});
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(title(Fetch(port(), "GET", target)), "published");

  // A write to the collection drops everything below it; a failed write drops nothing.
  EXPECT_EQ(Fetch(port(), "GET", target).Header("age"), "0");
  EXPECT_EQ(Fetch(port(), "POST", "/v1/shelves/s2/things", R"({"title":""})").status, 400);
  EXPECT_EQ(Fetch(port(), "GET", target).Header("age"), "0");
  EXPECT_EQ(Fetch(port(), "POST", "/v1/shelves/s2/things?thing_id=w2", R"({"title":"Two"})").status,
            201);
  EXPECT_EQ(Fetch(port(), "GET", target).Header("age"), "");
}

// N concurrent anonymous GETs of an uncached public response: one backend call, the others wait
// for its result (single flight) and all get it.
TEST_F(GatewayTest, ConcurrentMissesOfOneKeyMakeOneBackendCall) {
  constexpr int kN = 8;
  const std::string name = "shelves/s2/things/held";
  auto coalesced = [&] {
    Reply m = Fetch(metrics_port(), "GET", "/metrics");
    const std::string key = "\nmgi_gateway_cache_coalesced_total ";
    size_t at = m.body.find(key);
    return at == std::string::npos ? 0.0 : std::stod(m.body.substr(at + key.size()));
  };
  double before = coalesced();
  std::vector<std::future<Reply>> replies;
  for (int i = 0; i < kN; ++i) {
    replies.push_back(
        std::async(std::launch::async, [&] { return Fetch(port(), "GET", "/v1/" + name); }));
  }
  ASSERT_TRUE(fake_->WaitForHeld(1, milliseconds(20000)));
  // Every other request has reached the gateway and waits for that one call.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (coalesced() - before < kN - 1 && std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  EXPECT_EQ(coalesced() - before, kN - 1);
  EXPECT_EQ(fake_->GetCalls(name), 1);
  fake_->ReleaseHeld();
  std::string body;
  for (auto& f : replies) {
    Reply r = f.get();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Body(r)["title"], "original");
    if (body.empty()) body = r.body;
    EXPECT_EQ(r.body, body);
  }
  EXPECT_EQ(fake_->GetCalls(name), 1);
}

TEST_F(GatewayTest, BusyEntriesAreRefreshedBeforeTheyExpire) {
  // Readers of a busy public entry never meet a miss: in the last quarter of the entry's life
  // (default TTL 1 s) a hit fetches it again in the background. Without refresh-ahead the entry
  // would expire and one read would be a miss (a response with no Age header).
  const std::string name = "shelves/s2/things/busy";
  Reply first = Fetch(port(), "GET", "/v1/" + name);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(fake_->GetCalls(name), 1);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int reads = 0;
  while (fake_->GetCalls(name) < 2 && std::chrono::steady_clock::now() < until) {
    Reply r = Fetch(port(), "GET", "/v1/" + name);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_FALSE(r.Header("age").empty()) << "read " << reads << " was a miss";
    ++reads;
    // Pacing, not synchronisation: about 40 reads a second stays under the rate limit; the
    // loop ends on the backend's call count or the deadline.
    std::this_thread::sleep_for(milliseconds(25));
  }
  EXPECT_EQ(fake_->GetCalls(name), 2) << "no background refresh within 10 s";
  Reply m = Fetch(metrics_port(), "GET", "/metrics");
  EXPECT_NE(m.body.find("mgi_gateway_cache_refreshes_total"), std::string::npos);
}

TEST_F(GatewayTest, IfNoneMatchGives304) {
  Reply r = Fetch(port(), "GET", "/v1/shelves/s1/things/t1", "", {{"If-None-Match", "\"v1\""}});
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.Header("etag"), "\"v1\"");
  Reply other = Fetch(port(), "GET", "/v1/shelves/s1/things/t1", "", {{"If-None-Match", "\"v0\""}});
  EXPECT_EQ(other.status, 200);
  // Content-hash ETag when the resource has none (HttpBody has no etag field).
  Reply e1 = Fetch(port(), "GET", "/v1/blobs/b1/content");
  ASSERT_EQ(e1.status, 200);
  std::string tag = e1.Header("etag");
  ASSERT_FALSE(tag.empty());
  Reply e2 = Fetch(port(), "GET", "/v1/blobs/b1/content", "", {{"If-None-Match", "W/" + tag}});
  EXPECT_EQ(e2.status, 304);
  Reply e3 = Fetch(port(), "GET", "/v1/blobs/b2/content", "", {{"If-None-Match", tag}});
  EXPECT_EQ(e3.status, 200);
}

TEST_F(GatewayTest, CreateGives201UpdateAndDeleteTakeIfMatch) {
  HttpClient c(port());
  Reply created = c.Send("POST", "/v1/shelves/s1/things?thing_id=t9", R"({"title":"Nine"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("location"), "/v1/shelves/s1/things/t9");
  EXPECT_EQ(Body(created)["name"], "shelves/s1/things/t9");
  EXPECT_EQ(Body(created)["title"], "Nine");

  Reply updated = c.Send("PATCH", "/v1/shelves/s1/things/t9?update_mask=title",
                         R"({"title":"Neuf"})", {{"If-Match", "\"v1\""}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(updated)["name"], "shelves/s1/things/t9");
  EXPECT_EQ(updated.Header("etag"), "\"v2\"");
  EXPECT_EQ(updated.Header("cache-control"), "no-store");

  Reply stale = c.Send("PATCH", "/v1/shelves/s1/things/t9", R"({"title":"x"})",
                       {{"If-Match", "\"v0\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;  // If-Match no longer matches (RFC 9110)
  EXPECT_EQ(Body(stale)["error"]["status"], "ABORTED");

  Reply deleted = c.Send("DELETE", "/v1/shelves/s1/things/t9", "", {{"If-Match", "\"v1\""}});
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_TRUE(deleted.body.empty());
  Reply not_deleted = c.Send("DELETE", "/v1/shelves/s1/things/t9");
  EXPECT_EQ(not_deleted.status, 409);

  Reply published = c.Send("POST", "/v1/shelves/s1/things/t9:publish", "",
                           {{"If-Match", "\"v1\""}});
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(Body(published)["state"], "THING_STATE_PUBLISHED");
  // POST responses are not cached even when published.
  EXPECT_EQ(published.Header("cache-control"), "no-store");
}

TEST_F(GatewayTest, QueryParametersReachTheBackend) {
  Reply r = Fetch(port(), "GET",
                  "/v1/echo/e%2F1?tags=a&tags=b%20c&nested.a=x&nested.child.b=3&state=2&nums=5"
                  "&mask=title,etag&flag=true&ratio=1.5");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = Body(r);
  EXPECT_EQ(j["id"], "e/1");
  EXPECT_EQ(j["tags"], json::array({"a", "b c"}));
  EXPECT_EQ(j["nested"]["a"], "x");
  EXPECT_EQ(j["nested"]["child"]["b"], 3);
  EXPECT_EQ(j["state"], "THING_STATE_PUBLISHED");
  EXPECT_EQ(j["nums"], json::array({"5"}));  // int64 as a JSON string (proto3 mapping)
  EXPECT_EQ(j["mask"], "title,etag");
  EXPECT_EQ(j["flag"], true);
  EXPECT_EQ(j["ratio"], 1.5);
  // The additional POST binding with body "*".
  Reply post = Fetch(port(), "POST", "/v1/echo", R"({"id":"p","nested":{"b":4}})");
  ASSERT_EQ(post.status, 200) << post.body;
  EXPECT_EQ(Body(post)["nested"]["b"], 4);
}

TEST_F(GatewayTest, HeadersAllowlistRequestIdLanguageAndTimeout) {
  Reply r = Fetch(port(), "GET", "/v1/echo/h",
                  "", {{"Authorization", "Bearer t0k"},
                       {"X-Request-Id", "req-42"},
                       {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                       {"Cookie", "session=secret"},
                       {"X-Other", "nope"},
                       {"Accept-Language", "es;q=0.9, fr-CH"},
                       {"Grpc-Timeout", "3S"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json md = Body(r)["metadata"];
  EXPECT_EQ(md["authorization"], "Bearer t0k");
  EXPECT_EQ(md["x-request-id"], "req-42");
  EXPECT_TRUE(md.contains("traceparent"));
  EXPECT_FALSE(md.contains("cookie"));
  EXPECT_FALSE(md.contains("x-other"));
  EXPECT_EQ(r.Header("x-request-id"), "req-42");
  EXPECT_EQ(Body(r)["language"], "fr-CH");
  int64_t deadline = std::stoll(Body(r)["deadlineMs"].get<std::string>());
  EXPECT_GT(deadline, 2000);
  // gRPC rounds the grpc-timeout it sends up to its unit, so the backend may see a few ms more.
  EXPECT_LE(deadline, 3100);
  // Without one, a request id is generated and echoed.
  Reply g = Fetch(port(), "GET", "/v1/echo/h");
  EXPECT_EQ(g.Header("x-request-id").size(), 32u);
  EXPECT_EQ(Body(g)["metadata"]["x-request-id"], g.Header("x-request-id"));
  Reply bad = Fetch(port(), "GET", "/v1/echo/h", "", {{"Grpc-Timeout", "soon"}});
  EXPECT_EQ(bad.status, 400);
}

// Header values gRPC refuses as metadata (0xFF, a tab, UTF-8, DEL) once aborted the process. Now
// a malformed Authorization is a 400 that never echoes it; a malformed traceparent or request id
// is dropped; and the gateway keeps serving.
TEST_F(GatewayTest, HeaderBytesGrpcWouldRefuseNeverReachABackend) {
  HttpClient c(port());
  auto raw = [&](const std::string& header) {
    return c.Raw("GET /v1/echo/raw HTTP/1.1\r\nHost: x\r\n" + header + "\r\n\r\n");
  };
  for (const char* value : {"\xff", "Bearer a\tb", "Bearer caf\xc3\xa9", "Bearer \xffs3cr3t"}) {
    SCOPED_TRACE(value);
    Reply r = raw(std::string("Authorization: ") + value);
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("MALFORMED_AUTHORIZATION"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(value), std::string::npos) << "echoed: " << r.body;
    EXPECT_EQ(r.body.find("s3cr3t"), std::string::npos) << "echoed: " << r.body;
  }
  // DEL is refused by the HTTP parser already.
  EXPECT_EQ(raw("Authorization: Bearer s3cr3t\x7f").status, 400);
  const std::string good_trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  for (const std::string& value : {std::string("\xff"), std::string("a\tb"),
                                   good_trace + "\xc3\xa9", std::string("00-caf\xc3\xa9")}) {
    SCOPED_TRACE(value);
    Reply r = raw("traceparent: " + value);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(Body(r)["metadata"].contains("traceparent")) << r.body;
  }
  Reply traced = raw("traceparent: " + good_trace);
  ASSERT_EQ(traced.status, 200) << traced.body;
  EXPECT_EQ(Body(traced)["metadata"]["traceparent"], good_trace);
  for (const char* value : {"\xff", "a\tb", "caf\xc3\xa9"}) {
    SCOPED_TRACE(value);
    Reply r = raw(std::string("X-Request-Id: ") + value);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("x-request-id").size(), 32u);  // a new one, not the malformed one
    EXPECT_EQ(Body(r)["metadata"]["x-request-id"], r.Header("x-request-id"));
  }
  // Still serving, on the same connection and on new ones.
  EXPECT_EQ(c.Send("GET", "/v1/echo/after").status, 200);
  EXPECT_EQ(Fetch(port(), "GET", "/healthz").status, 200);
  EXPECT_TRUE(gateway_->process->Running());
}

// Every response says nosniff and carries a Content-Security-Policy: the explorer's own (its
// report frame sandboxed with scripts only), a sandbox for HTML from a backend, and nothing-at-all
// for JSON.
TEST_F(GatewayTest, SecurityHeadersOnEveryResponse) {
  Reply page = Fetch(port(), "GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("x-content-type-options"), "nosniff");
  EXPECT_NE(page.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  EXPECT_NE(page.Header("content-security-policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_NE(page.body.find("sandbox=\"allow-scripts\""), std::string::npos);
  EXPECT_EQ(page.body.find("allow-same-origin"), std::string::npos);
  Reply html = Fetch(port(), "GET", "/v1/blobs/page.html/content");
  ASSERT_EQ(html.status, 200) << html.body;
  EXPECT_EQ(html.Header("content-type"), "text/html; charset=utf-8");
  std::string csp = html.Header("content-security-policy");
  EXPECT_EQ(csp.rfind("sandbox allow-scripts;", 0), 0u) << csp;
  EXPECT_EQ(csp.find("allow-same-origin"), std::string::npos) << csp;
  EXPECT_EQ(html.Header("x-content-type-options"), "nosniff");
  for (const std::string target : {"/v1/shelves/s1/things/t1", "/v1/nowhere", "/healthz"}) {
    Reply r = Fetch(port(), "GET", target);
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff") << target;
    EXPECT_EQ(r.Header("content-security-policy"), "default-src 'none'; frame-ancestors 'none'")
        << target;
    EXPECT_EQ(r.Header("strict-transport-security"), "") << "plain HTTP: no HSTS";
  }
}

// What an anonymous caller may read is `public`; a caller with a token gets `private`, every
// routed response varies by Authorization, and requests with a token neither read nor fill the
// shared cache.
TEST_F(GatewayTest, TokensMakeResponsesPrivateAndBypassTheSharedCache) {
  const std::string target = "/v1/shelves/s1/things/t1?language=token-test";
  const std::map<std::string, std::string> token = {{"Authorization", "Bearer viewer-token"}};
  Reply with_token = Fetch(port(), "GET", target, "", token);
  ASSERT_EQ(with_token.status, 200) << with_token.body;
  EXPECT_EQ(with_token.Header("cache-control"), "private, no-cache");
  EXPECT_NE(with_token.Header("vary").find("Authorization"), std::string::npos);
  EXPECT_EQ(with_token.Header("age"), "");
  // The token's request filled nothing: the first anonymous request is a miss, the next a hit.
  Reply anonymous = Fetch(port(), "GET", target);
  EXPECT_EQ(anonymous.Header("cache-control"), "public, max-age=60");
  EXPECT_NE(anonymous.Header("vary").find("Authorization"), std::string::npos);
  EXPECT_EQ(anonymous.Header("age"), "");
  EXPECT_EQ(Fetch(port(), "GET", target).Header("age"), "0");
  // A cached entry is never served to a caller with a token.
  Reply again = Fetch(port(), "GET", target, "", token);
  EXPECT_EQ(again.Header("age"), "");
  EXPECT_EQ(again.Header("cache-control"), "private, no-cache");
  // A backend's `cache-control: no-store` (the echo depends on the caller's metadata) vetoes
  // sharing even an anonymous answer.
  Reply echo = Fetch(port(), "GET", "/v1/echo/veto");
  EXPECT_EQ(echo.Header("cache-control"), "no-store");
  EXPECT_EQ(Fetch(port(), "GET", "/v1/echo/veto").Header("age"), "");
}

// RFC 9112: a Transfer-Encoding other than exactly "chunked" cannot be framed (the bytes after it
// must not be read as another request), and an HTTP/1.1 request needs exactly one Host: 400 and
// the connection closes.
TEST_F(GatewayTest, AmbiguousFramingAndMissingHostAre400) {
  const std::string smuggled = "GET /v1/echo/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string coding : {"chunked, identity", "xchunked", "identity", "gzip, chunked"}) {
    SCOPED_TRACE(coding);
    HttpClient c(port());
    Reply r = c.Raw("POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
                    "\r\nContent-Type: application/json\r\n\r\n" + smuggled);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Header("connection"), "close");
  }
  HttpClient twice(port());
  EXPECT_EQ(twice.Raw("POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .status,
            400);
  HttpClient no_host(port());
  Reply missing = no_host.Raw("GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("Host"), std::string::npos) << missing.body;
  HttpClient two_hosts(port());
  EXPECT_EQ(two_hosts.Raw("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
  // HTTP/1.0 needs no Host; a chunked body is fine.
  HttpClient old(port());
  EXPECT_EQ(old.Raw("GET /healthz HTTP/1.0\r\n\r\n").status, 200);
  HttpClient chunked(port());
  std::string body = R"({"id":"c"})";
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", body.size());
  EXPECT_EQ(chunked.Raw(std::string("POST /v1/echo HTTP/1.1\r\nHost: x\r\n") +
                        "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n" +
                        size + "\r\n" + body + "\r\n0\r\n\r\n")
                .status,
            200);
}

TEST_F(GatewayTest, JsonErrorsNeverEchoTheBody) {
  for (const std::string& body : {std::string(R"({"title": "s3cr3t)"),
                                 std::string(R"({"title": s3cr3t})"),
                                 std::string("{\"title\": \"s3cr3t\xff\"")}) {
    Reply r = Fetch(port(), "POST", "/v1/shelves/s1/things", body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.body.find("s3cr3t"), std::string::npos) << r.body;
  }
  Reply unknown = Fetch(port(), "POST", "/v1/shelves/s1/things", R"({"titel":"s3cr3t"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body.find("s3cr3t"), std::string::npos) << unknown.body;
  EXPECT_NE(unknown.body.find("titel"), std::string::npos) << unknown.body;  // names are kept
}

// Issue 15's first table.
TEST_F(GatewayTest, BodyOfAFieldRuleIsOneJsonValue) {
  Reply smuggled = Fetch(port(), "POST", "/v1/shelves/s1/things?thing_id=sm",
                         R"({"title":"x"}, "thingId":"smuggled")");
  EXPECT_EQ(smuggled.status, 400) << smuggled.body;
  EXPECT_EQ(Violations(smuggled).count("thing"), 1u) << smuggled.body;
  Reply trailing = Fetch(port(), "POST", "/v1/shelves/s1/things?thing_id=sm", R"({"title":"x"} {})");
  EXPECT_EQ(trailing.status, 400) << trailing.body;
}

TEST_F(GatewayTest, InvalidUtf8InAPathVariableIs400NamingIt) {
  Reply r = Fetch(port(), "GET", "/v1/shelves/s1/things/%FF");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Violations(r).count("name"), 1u) << r.body;
  Reply overlong = Fetch(port(), "GET", "/v1/shelves/s1/things/%C0%AF");
  EXPECT_EQ(overlong.status, 400) << overlong.body;
  EXPECT_EQ(Fetch(port(), "GET", "/v1/echo/caf%C3%A9").status, 200);  // valid UTF-8
}

TEST_F(GatewayTest, IfMatchIsTheEntityTagAsSent) {
  HttpClient c(port());
  ASSERT_EQ(c.Send("POST", "/v1/shelves/s1/things?thing_id=im", R"({"title":"I"})").status, 201);
  Reply got = c.Send("GET", "/v1/shelves/s1/things/t1");
  std::string etag = got.Header("etag");
  ASSERT_EQ(etag, "\"v1\"");
  EXPECT_EQ(c.Send("DELETE", "/v1/shelves/s1/things/im", "", {{"If-Match", "\"v0\""}}).status,
            412);
  EXPECT_EQ(c.Send("DELETE", "/v1/shelves/s1/things/im", "", {{"If-Match", etag}}).status, 204);
  // A route whose request has no etag cannot honour If-Match.
  Reply no_etag = c.Send("POST", "/v1/echo", R"({"id":"x"})", {{"If-Match", etag}});
  EXPECT_EQ(no_etag.status, 400) << no_etag.body;
  EXPECT_EQ(Violations(no_etag).count("If-Match"), 1u) << no_etag.body;
}

TEST_F(GatewayTest, VaryAcceptLanguageWhenTheHeaderChoseTheLanguage) {
  Reply header = Fetch(port(), "GET", "/v1/shelves/s2/things/lang", "", {{"Accept-Language", "fr"}});
  ASSERT_EQ(header.status, 200) << header.body;
  EXPECT_NE(header.Header("vary").find("Accept-Language"), std::string::npos);
  Reply query = Fetch(port(), "GET", "/v1/shelves/s2/things/lang?language=fr", "",
                      {{"Accept-Language", "fr"}});
  ASSERT_EQ(query.status, 200) << query.body;
  EXPECT_EQ(query.Header("vary").find("Accept-Language"), std::string::npos);
}

TEST_F(GatewayTest, HttpBodyIsSentRaw) {
  Reply r = Fetch(port(), "GET", "/v1/blobs/b1/content");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/x-test");
  EXPECT_EQ(r.body, std::string("\x00\x01\x02 raw blobs/b1", 16));
}

TEST_F(GatewayTest, RoutingErrors) {
  Reply none = Fetch(port(), "GET", "/v1/nowhere");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(Body(none)["error"]["code"], 404);
  EXPECT_EQ(Body(none)["error"]["status"], "NOT_FOUND");
  Reply wrong = Fetch(port(), "PUT", "/v1/shelves/s1/things/t1", "{}");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("allow"), "DELETE, GET, HEAD, OPTIONS, PATCH");
  Reply verb = Fetch(port(), "POST", "/v1/shelves/s1/things/t1:explode", "{}");
  EXPECT_EQ(verb.status, 404);
}

TEST_F(GatewayTest, StrictRequestErrorsNameTheField) {
  Reply unknown = Fetch(port(), "GET", "/v1/shelves/s1/things/t1?langauge=fr");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(Violations(unknown).count("langauge"), 1u) << unknown.body;
  Reply malformed = Fetch(port(), "POST", "/v1/shelves/s1/things", R"({"title":)");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(Violations(malformed).count("thing"), 1u) << malformed.body;
  Reply unknown_field = Fetch(port(), "POST", "/v1/shelves/s1/things", R"({"titel":"x"})");
  EXPECT_EQ(unknown_field.status, 400) << unknown_field.body;
  Reply deep = Fetch(port(), "POST", "/v1/echo", std::string(20, '[') + std::string(20, ']'));
  EXPECT_EQ(deep.status, 400);
  EXPECT_NE(Body(deep)["error"]["message"].get<std::string>().find("nesting"), std::string::npos);
  Reply type = Fetch(port(), "POST", "/v1/echo", "id=1", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(type.status, 415) << type.body;
  EXPECT_NE(type.body.find("UNSUPPORTED_MEDIA_TYPE"), std::string::npos) << type.body;
  // From the backend: BadRequest field violations pass through.
  Reply invalid = Fetch(port(), "POST", "/v1/shelves/s1/things", R"({"title":""})");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(Violations(invalid).count("thing.title"), 1u) << invalid.body;
}

TEST_F(GatewayTest, BodyAndHeaderLimits) {
  HttpClient c(port());
  // Announced too large: 413 before the body is even sent.
  Reply big = c.Raw(
      "POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100000\r\n\r\n");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Body(big)["error"]["code"], 413);
  // Chunked bodies are counted too.
  std::string chunk(5000, ' ');
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", chunk.size());
  Reply chunked = c.Raw(std::string("POST /v1/echo HTTP/1.1\r\nHost: x\r\n") +
                        "Transfer-Encoding: chunked\r\n\r\n" + size + "\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.status, 413);
  Reply fits = Fetch(port(), "POST", "/v1/echo", R"({"id":")" + std::string(3000, 'a') + "\"}");
  EXPECT_EQ(fits.status, 200);
  Reply headers = Fetch(port(), "GET", "/v1/echo/x", "", {{"X-Big", std::string(8000, 'h')}});
  EXPECT_EQ(headers.status, 431);
}

TEST_F(GatewayTest, BackendStatusesMapToHttp) {
  const std::vector<std::pair<int, int>> cases = {
      {5, 404}, {3, 400}, {7, 403}, {8, 429}, {9, 400}, {10, 409}, {13, 500}, {14, 503}, {16, 401}};
  for (auto [code, http] : cases) {
    Reply r = Fetch(port(), "GET", "/v1/fail/" + std::to_string(code));
    EXPECT_EQ(r.status, http) << "grpc " << code << ": " << r.body;
    EXPECT_EQ(Body(r)["error"]["code"], http);
    EXPECT_EQ(Body(r)["error"]["message"], code == 3 ? "code: failed on purpose" : "failed on purpose");
    if (code == 16) {
      EXPECT_EQ(r.Header("www-authenticate"), "Bearer");
    }
  }
  Reply nf = Fetch(port(), "GET", "/v1/shelves/s1/things/zzz");
  EXPECT_EQ(nf.status, 404);
  EXPECT_NE(nf.body.find("google.rpc.ResourceInfo"), std::string::npos) << nf.body;
}

TEST_F(GatewayTest, Cors) {
  Reply pre = Fetch(port(), "OPTIONS", "/v1/shelves/s1/things/t1", "",
                    {{"Origin", "https://allowed.example"},
                     {"Access-Control-Request-Method", "PATCH"},
                     {"Access-Control-Request-Headers", "if-match, content-type"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Header("access-control-allow-origin"), "https://allowed.example");
  EXPECT_EQ(pre.Header("access-control-allow-methods"), "DELETE, GET, HEAD, OPTIONS, PATCH");
  // The OpenAPI document has a preflight too (a browser tool on another origin reads it).
  Reply openapi = Fetch(port(), "OPTIONS", "/openapi.json", "",
                        {{"Origin", "https://allowed.example"},
                         {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(openapi.status, 204);
  EXPECT_EQ(openapi.Header("access-control-allow-methods"), "GET, HEAD, OPTIONS");
  EXPECT_NE(pre.Header("access-control-allow-headers").find("if-match"), std::string::npos);
  Reply denied = Fetch(port(), "OPTIONS", "/v1/shelves/s1/things/t1", "",
                       {{"Origin", "https://evil.example"},
                        {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.Header("access-control-allow-origin"), "");
  Reply simple = Fetch(port(), "GET", "/v1/shelves/s1/things/t1", "",
                       {{"Origin", "https://allowed.example"}});
  EXPECT_EQ(simple.Header("access-control-allow-origin"), "https://allowed.example");
  EXPECT_NE(simple.Header("access-control-expose-headers").find("etag"), std::string::npos);
  Reply other = Fetch(port(), "GET", "/v1/shelves/s1/things/t1", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.Header("access-control-allow-origin"), "");
}

TEST_F(GatewayTest, GzipWhenAccepted) {
  std::string target = "/v1/echo/z?";
  for (int i = 0; i < 200; ++i) target += "tags=tag" + std::to_string(i) + "&";
  Reply plain = Fetch(port(), "GET", target);
  ASSERT_EQ(plain.status, 200);
  ASSERT_GT(plain.body.size(), 1024u);
  EXPECT_EQ(plain.Header("content-encoding"), "");
  Reply gz = Fetch(port(), "GET", target, "", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.Header("content-encoding"), "gzip");
  EXPECT_LT(gz.body.size(), plain.body.size());
  json a = Body(plain), b = json::parse(Gunzip(gz.body), nullptr, false);
  a["metadata"].erase("x-request-id");
  b["metadata"].erase("x-request-id");
  a.erase("deadlineMs");
  b.erase("deadlineMs");
  EXPECT_EQ(a, b);
}

TEST_F(GatewayTest, OperationsEndpoints) {
  EXPECT_EQ(Fetch(port(), "GET", "/healthz").status, 200);
  Reply ready = Fetch(port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  Fetch(port(), "GET", "/v1/shelves/s1/things/t1");
  // Metrics are on their own port, not on the public one.
  EXPECT_EQ(Fetch(port(), "GET", "/metrics").status, 404);
  Reply metrics = Fetch(metrics_port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("mgi_gateway_requests_total{code=\"200\",route=\"GET "
                              "/v1/{name=shelves/*/things/*}\"}"),
            std::string::npos)
      << metrics.body.substr(0, 2000);
  EXPECT_NE(metrics.body.find("mgi_gateway_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_EQ(Fetch(port(), "POST", "/healthz", "{}").status, 405);
}

TEST_F(GatewayTest, OpenApiDocumentIsValid) {
  Reply r = Fetch(port(), "GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  json doc = Body(r);
  ASSERT_TRUE(doc.contains("paths"));
  EXPECT_TRUE(doc["paths"].contains("/v1/shelves/{shelvesId}/things/{thingsId}:publish"));
  EXPECT_TRUE(doc["paths"].contains("/v1/profiles/{profilesId}/report"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("mgi.assessment.v1.Profile"));
  std::string path = mgi::testing::TempDir("gw-openapi") + "/openapi.json";
  std::ofstream(path) << r.body;
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
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("valid"), std::string::npos) << out;
}

TEST(GatewayProcessTest, BackendDownGives503AndNotReady) {
  int dead = mgi::testing::FreePort();  // nothing listens there
  std::string a = "127.0.0.1:" + std::to_string(dead);
  Gateway g = StartGateway("mgi-gateway-test", {"--backend=mgi.gwtest=" + a, "--catalog-addr=" + a,
                                                "--assessment-addr=" + a, "--report-addr=" + a,
                                                "--backend-timeout=2s"});
  Reply r = Fetch(g.port, "GET", "/v1/shelves/s1/things/t1");
  EXPECT_EQ(r.status, 503) << r.body;
  json j = json::parse(r.body, nullptr, false);
  EXPECT_EQ(j["error"]["status"], "UNAVAILABLE");
  std::string message = j["error"]["message"];
  EXPECT_EQ(message, "the backend of mgi.gwtest.v1.ThingService is unavailable");
  // Neither the 503 nor /readyz shows the backend's address or gRPC's error text: the log does.
  const std::string port_text = std::to_string(dead);
  EXPECT_EQ(r.body.find(port_text), std::string::npos) << r.body;
  Reply ready = Fetch(g.port, "GET", "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.body.find(port_text), std::string::npos) << ready.body;
  EXPECT_EQ(ready.body.find("127.0.0.1"), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("\"UNREACHABLE\""), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("mgi.gwtest.v1.ThingService"), std::string::npos) << ready.body;
  EXPECT_NE(g.process->Log().find(port_text), std::string::npos) << g.process->Log();
  EXPECT_EQ(Fetch(g.port, "GET", "/healthz").status, 200);
}

// A TCP connection from `source` (a loopback address) to 127.0.0.1:port; -1 on failure.
int ConnectFrom(const std::string& source, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// One request on an open connection: the status line's code, or 0 when the gateway closed it.
int Exchange(int fd) {
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) return 0;
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 20000) <= 0) return 0;
  char buf[512];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n < 12) return 0;
  return std::atoi(std::string(buf + 9, 3).c_str());
}

// A connection from `source` that the gateway serves, retried until the deadline: a connection
// the client has closed (the start-up probe's, one closed by the test) holds its place until the
// gateway has seen the close. -1 when none was served in time.
int ConnectServed(const std::string& source, int port) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    int fd = ConnectFrom(source, port);
    if (fd >= 0 && Exchange(fd) == 200) return fd;
    if (fd >= 0) close(fd);
  }
  return -1;
}

TEST(GatewayProcessTest, ConnectionCapsGlobalAndPerClient) {
  auto fake = FakeBackend::Start();
  ASSERT_NE(fake, nullptr);
  std::string a = fake->address();
  Gateway g = StartGateway("mgi-gateway-test",
                           {"--backend=mgi.gwtest=" + a, "--catalog-addr=" + a,
                            "--assessment-addr=" + a, "--report-addr=" + a,
                            "--max-connections=3", "--max-connections-per-client=2"});
  // Two from 127.0.0.1: served and kept open.
  int a1 = ConnectServed("127.0.0.1", g.port);
  int a2 = ConnectServed("127.0.0.1", g.port);
  ASSERT_GE(a1, 0);
  ASSERT_GE(a2, 0);
  // A third from the same address is over its cap: closed.
  int a3 = ConnectFrom("127.0.0.1", g.port);
  EXPECT_EQ(Exchange(a3), 0);
  close(a3);
  // Another client still gets in (3 in all)...
  int b1 = ConnectServed("127.0.0.2", g.port);
  EXPECT_GE(b1, 0);
  // ...but a fourth connection in all is over the global cap.
  int c1 = ConnectFrom("127.0.0.3", g.port);
  EXPECT_EQ(Exchange(c1), 0);
  close(c1);
  // A closed connection frees its place.
  close(a1);
  int a4 = ConnectServed("127.0.0.1", g.port);
  EXPECT_GE(a4, 0);
  Reply m = Fetch(g.metrics_port, "GET", "/metrics");
  EXPECT_NE(m.body.find("mgi_gateway_connections_rejected_total"), std::string::npos);
  for (int fd : {a2, b1, a4}) close(fd);
}

TEST(GatewayProcessTest, UnknownServiceWithoutBackendFailsAtStart) {
  auto p = mgi::testing::Process::Start(mgi::testing::BinaryPath("mgi-gateway-test"),
                                        {"--port=" + std::to_string(mgi::testing::FreePort())});
  auto code = p->Wait(milliseconds(10000));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(p->Log().find("no backend for service mgi.gwtest.v1.ThingService"), std::string::npos)
      << p->Log();
}

TEST(GatewayProcessTest, GracefulShutdownFinishesInFlightRequests) {
  auto fake = FakeBackend::Start();
  ASSERT_NE(fake, nullptr);
  std::string a = fake->address();
  Gateway g = StartGateway("mgi-gateway-test",
                           {"--backend=mgi.gwtest=" + a, "--catalog-addr=" + a,
                            "--assessment-addr=" + a, "--report-addr=" + a,
                            "--backend-timeout=30s", "--shutdown-grace=20s"});
  constexpr int kInFlight = 16;
  // An idle keep-alive connection: it must be closed, not block the shutdown.
  HttpClient idle(g.port);
  ASSERT_EQ(idle.Send("GET", "/healthz").status, 200);
  std::vector<std::future<Reply>> replies;
  for (int i = 0; i < kInFlight; ++i) {
    replies.push_back(std::async(std::launch::async, [&, i] {
      return Fetch(g.port, "POST", "/v1/things:wait", R"({"label":"r)" + std::to_string(i) + "\"}");
    }));
  }
  ASSERT_TRUE(fake->WaitForPending(kInFlight, milliseconds(20000)));
  ASSERT_TRUE(g.process->Signal(SIGTERM));
  // The listener closes first.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!ConnectionRefused(g.port) && std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(ConnectionRefused(g.port));
  EXPECT_TRUE(g.process->Running());  // still serving the in-flight requests
  fake->ReleaseAll();
  for (int i = 0; i < kInFlight; ++i) {
    Reply r = replies[i].get();
    EXPECT_EQ(r.status, 200) << "request " << i << " was cut off";
    EXPECT_EQ(json::parse(r.body, nullptr, false)["title"], "done r" + std::to_string(i));
  }
  auto code = g.process->Wait(milliseconds(15000));
  ASSERT_TRUE(code.has_value()) << g.process->Log();
  EXPECT_EQ(*code, 0) << g.process->Log();
}

#ifdef MGI_GATEWAY_WITH_CATALOG
// The real mgi-catalog behind the real mgi-gateway.
TEST(GatewaySuiteTest, CatalogThroughTheGateway) {
  auto catalog = mgi::testing::StartService("mgi-catalog", {"--country-languages=fr,es"});
  ASSERT_TRUE(catalog.has_value());
  auto fake = FakeBackend::Start();  // stands in for assessment and report (readiness only)
  ASSERT_NE(fake, nullptr);
  Gateway g = StartGateway("mgi-gateway", {"--catalog-addr=" + catalog->address,
                                           "--assessment-addr=" + fake->address(),
                                           "--report-addr=" + fake->address()});
  Reply country = Fetch(g.port, "GET", "/v1/countries/GTM");
  ASSERT_EQ(country.status, 200) << country.body;
  json j = json::parse(country.body, nullptr, false);
  EXPECT_EQ(j["alpha3"], "GTM");
  EXPECT_EQ(j["displayName"], "Guatemala");
  EXPECT_EQ(country.Header("cache-control"), "public, max-age=60");
  std::string etag = country.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(Fetch(g.port, "GET", "/v1/countries/GTM", "", {{"If-None-Match", etag}}).status, 304);
  Reply french = Fetch(g.port, "GET", "/v1/countries/DEU", "", {{"Accept-Language", "fr"}});
  ASSERT_EQ(french.status, 200) << french.body;
  EXPECT_EQ(json::parse(french.body, nullptr, false)["displayName"], "Allemagne");
  Reply missing = Fetch(g.port, "GET", "/v1/countries/ZZZ");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(json::parse(missing.body, nullptr, false)["error"]["status"], "NOT_FOUND");
  Reply bad = Fetch(g.port, "GET", "/v1/indicators?page_size=-1");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("page_size"), std::string::npos) << bad.body;
  Reply domains = Fetch(g.port, "GET", "/v1/domains");
  EXPECT_EQ(domains.status, 200) << domains.body;
  EXPECT_EQ(Fetch(g.port, "GET", "/readyz").status, 200);
}
#endif

}  // namespace
}  // namespace mgi::gateway::testing
