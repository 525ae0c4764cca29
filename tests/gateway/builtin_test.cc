#include "gateway/builtin.h"

#include <gtest/gtest.h>

#include <fstream>

namespace mgi::gateway {
namespace {

// Backends whose health is given by the test.
class StubBackends : public Backends {
 public:
  std::vector<BackendHealth> health;
  void Call(BackendCall, std::function<void(BackendReply)> done) override { done({}); }
  void CheckHealth(std::chrono::milliseconds,
                   std::function<void(std::vector<BackendHealth>)> done) override {
    done(health);
  }
};

HttpResponse Get(const Builtins& b, const std::string& path, const std::string& method = "GET") {
  HttpRequest req;
  req.method = method;
  req.target = path;
  HttpResponse out;
  out.status = 0;
  b.Serve(req, path, [&](HttpResponse r) { out = std::move(r); });
  return out;
}

TEST(BuiltinsTest, LabelsOnlyItsOwnPaths) {
  StubBackends backends;
  Builtins with_www("/tmp", &backends, "{}", nullptr), without("", &backends, "{}", nullptr);
  EXPECT_EQ(with_www.Label("/healthz"), "/healthz");
  EXPECT_EQ(with_www.Label("/readyz"), "/readyz");
  EXPECT_EQ(with_www.Label("/openapi.json"), "/openapi.json");
  EXPECT_EQ(with_www.Label("/"), "www");
  EXPECT_EQ(with_www.Label("/app.js"), "www");
  EXPECT_EQ(with_www.Label("/metrics"), "");  // on its own port
  EXPECT_EQ(with_www.Label("/../etc/passwd"), "");
  EXPECT_EQ(with_www.Label("/v1/profiles"), "");
  EXPECT_EQ(without.Label("/"), "");
}

TEST(BuiltinsTest, ReadinessShowsServicesAndStatesButNoAddressOrError) {
  StubBackends backends;
  Builtins b("", &backends, "{}", nullptr);
  backends.health = {{"a.v1.A", "10.1.2.3:50051", true, "SERVING", ""}};
  EXPECT_EQ(Get(b, "/readyz").status, 200);
  backends.health.push_back(
      {"b.v1.B", "10.9.9.9:50052", false, "UNREACHABLE", "code 14: connection refused"});
  HttpResponse r = Get(b, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("\"b.v1.B\":\"UNREACHABLE\""), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("10.9.9.9"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("refused"), std::string::npos) << r.body;
  b.SetDraining();
  EXPECT_EQ(Get(b, "/readyz").body, "{\"status\":\"draining\"}");
}

TEST(BuiltinsTest, HealthOpenApiFilesAndMethods) {
  StubBackends backends;
  std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/index.html") << "<!doctype html>";
  Builtins b(dir, &backends, "{\"openapi\":\"3.0.3\"}", nullptr);
  EXPECT_EQ(Get(b, "/healthz").status, 200);
  EXPECT_EQ(Get(b, "/openapi.json").body, "{\"openapi\":\"3.0.3\"}");
  HttpResponse page = Get(b, "/");
  EXPECT_EQ(page.body, "<!doctype html>");
  EXPECT_EQ(page.Get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.Get("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(Get(b, "/missing.js").status, 404);
  HttpResponse post = Get(b, "/healthz", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Get("Allow"), "GET, HEAD");
  EXPECT_TRUE(Get(b, "/healthz", "HEAD").body.empty());
}

}  // namespace
}  // namespace mgi::gateway
