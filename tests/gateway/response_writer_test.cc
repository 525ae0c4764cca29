#include "gateway/response_writer.h"

#include <gtest/gtest.h>

#include "services/common/config.h"
#include "gateway/flags.h"
#include "gwtest.pb.h"

namespace mgi::gateway {
namespace {

using mgi::gwtest::v1::Thing;

class ResponseWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto table = RouteTable::Build({Thing::descriptor()->file()->FindServiceByName("ThingService")});
    ASSERT_TRUE(table.ok());
    table_ = std::make_unique<RouteTable>(*std::move(table));
    get_ = table_->Find("GET", "/v1/shelves/s1/things/t1").route;
    ASSERT_NE(get_, nullptr);
  }
  static BackendReply Ok(const std::string& cache_control = "") {
    Thing thing;
    thing.set_name("shelves/s1/things/t1");
    thing.set_etag("v7");
    BackendReply reply;
    thing.SerializeToString(&reply.response);
    reply.cache_control = cache_control;
    return reply;
  }
  std::unique_ptr<RouteTable> table_;
  const Route* get_ = nullptr;
  ResponseWriter writer_{ResponseOptions{}};
};

TEST_F(ResponseWriterTest, WhatAnAnonymousCallerReadsIsPublicWithATokenPrivate) {
  RouteResponse anon = writer_.FromReply(*get_, Ok(), /*is_get=*/true, /*anonymous=*/true);
  EXPECT_EQ(anon.response.status, 200);
  EXPECT_EQ(anon.response.Get("Cache-Control"), "public, max-age=60");
  EXPECT_EQ(anon.response.Get("Vary"), "Authorization");
  EXPECT_EQ(anon.etag, "\"v7\"");
  EXPECT_TRUE(anon.shareable);
  RouteResponse token = writer_.FromReply(*get_, Ok(), true, false);
  EXPECT_EQ(token.response.Get("Cache-Control"), "private, no-cache");
  EXPECT_FALSE(token.shareable);
  RouteResponse vetoed = writer_.FromReply(*get_, Ok("no-store"), true, true);
  EXPECT_EQ(vetoed.response.Get("Cache-Control"), "no-store");
  EXPECT_FALSE(vetoed.shareable);
  RouteResponse write = writer_.FromReply(*get_, Ok(), /*is_get=*/false, true);
  EXPECT_EQ(write.response.Get("Cache-Control"), "no-store");
  EXPECT_FALSE(write.shareable);
}

TEST_F(ResponseWriterTest, TransportErrorsNameNoAddress) {
  BackendReply down;
  down.code = 14;
  down.message = "failed to connect to all addresses; last error: ipv4:10.0.0.9:50051";
  down.backend = "mgi.gwtest.v1.ThingService at 10.0.0.9:50051";
  RouteResponse r = writer_.FromReply(*get_, down, true, true);
  EXPECT_EQ(r.response.status, 503);
  EXPECT_EQ(r.response.body.find("10.0.0.9"), std::string::npos) << r.response.body;
  EXPECT_NE(r.response.body.find("the backend of mgi.gwtest.v1.ThingService is unavailable"),
            std::string::npos);
  EXPECT_EQ(r.response.Get("Cache-Control"), "no-store");
}

TEST_F(ResponseWriterTest, DecorateAddsSecurityHeadersAndNotModified) {
  HttpRequest req;
  req.method = "GET";
  req.headers = {{"x-request-id", "r1"}, {"if-none-match", "W/\"v7\""}};
  HttpResponse r = writer_.FromReply(*get_, Ok(), true, true).response;
  ResponseWriter::NotModified(req, "\"v7\"", &r);
  EXPECT_EQ(r.status, 304);
  writer_.Decorate(req, &r);
  EXPECT_EQ(r.Get("X-Request-Id"), "r1");
  EXPECT_EQ(r.Get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.Get("Content-Security-Policy"), kDefaultCsp);
  EXPECT_EQ(r.Get("Strict-Transport-Security"), "");
  ResponseWriter https(ResponseOptions{.hsts_max_age = std::chrono::seconds(100)});
  HttpResponse s;
  https.Decorate(req, &s);
  EXPECT_EQ(s.Get("Strict-Transport-Security"), "max-age=100");
}

TEST(BackendFlagsTest, OneAddressFlagPerLinkedPackageFromTheDescriptors) {
  auto packages = BackendPackages(LinkedAnnotatedServices());
  std::map<std::string, std::string> names;
  for (const auto& p : packages) names[p.package] = p.name;
  EXPECT_EQ(names["mgi.gwtest"], "gwtest");
  EXPECT_EQ(names["mgi.catalog"], "catalog");
  mgi::Config config("gateway");
  GatewayConfig cfg;
  RegisterGatewayFlags(config, &cfg, packages);
  const char* argv[] = {"gw", "--gwtest-addr=127.0.0.1:7", "--backend=mgi.catalog=127.0.0.1:8"};
  const char* envp[] = {"MGI_REPORT_ADDR=127.0.0.1:9", nullptr};
  ASSERT_TRUE(config.Parse(3, argv, envp).ok());
  auto map = MakeBackendMap(cfg);
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(*map->Resolve("mgi.gwtest.v1.ThingService"), "127.0.0.1:7");
  EXPECT_EQ(*map->Resolve("mgi.catalog.v1.CatalogService"), "127.0.0.1:8");
  EXPECT_EQ(*map->Resolve("mgi.report.v1.ReportService"), "127.0.0.1:9");
  EXPECT_FALSE(map->Resolve("mgi.assessment.v1.AssessmentService").ok());  // no default address
}

// A kept response (shared cache, revalidated copy) is served from where it is kept: what a
// request changes (a 304, gzip, its own headers) never changes the kept copy other requests get.
TEST_F(ResponseWriterTest, AnswersMadeFromAKeptResponseNeverChangeIt) {
  RouteResponse fresh = writer_.FromReply(*get_, Ok(), true, true);
  fresh.response.body = std::string(2048, 'x');  // big enough to be gzipped
  auto kept = std::make_shared<const HttpResponse>(fresh.response.Owned());
  const std::string etag = kept->Get("ETag");
  ASSERT_FALSE(etag.empty());

  HttpResponse plain = HttpResponse::From(kept);
  plain.Set("Age", "1");
  EXPECT_EQ(plain.status, 200);
  EXPECT_TRUE(plain.body.empty());           // nothing copied...
  EXPECT_EQ(&plain.Body(), &kept->body);     // ...the kept bytes are the body
  EXPECT_EQ(plain.Get("ETag"), etag);        // kept headers first
  EXPECT_EQ(plain.Get("Age"), "1");
  ASSERT_NE(plain.KeptHeaders(), nullptr);

  HttpRequest conditional;
  conditional.method = "GET";
  conditional.headers["if-none-match"] = etag;
  HttpResponse not_modified = HttpResponse::From(kept);
  ResponseWriter::NotModified(conditional, etag, &not_modified);
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.Body().empty());
  EXPECT_EQ(not_modified.Get("ETag"), etag);  // the headers stay
  EXPECT_EQ(not_modified.KeptHeaders(), nullptr);

  ResponseOptions options;
  options.gzip_min_bytes = 1;
  ResponseWriter gzipping(options);
  HttpRequest gz;
  gz.method = "GET";
  gz.headers["accept-encoding"] = "gzip";
  HttpResponse compressed = HttpResponse::From(kept);
  gzipping.Decorate(gz, &compressed);
  EXPECT_EQ(compressed.Get("Content-Encoding"), "gzip");
  EXPECT_NE(compressed.Get("ETag"), etag);  // the gzip representation's own tag
  EXPECT_LT(compressed.Body().size(), kept->body.size());

  // The kept copy is as it was.
  EXPECT_EQ(kept->status, 200);
  EXPECT_EQ(kept->body, std::string(2048, 'x'));
  EXPECT_EQ(kept->Get("ETag"), etag);
  EXPECT_EQ(kept->Get("Content-Encoding"), "");
  EXPECT_EQ(kept->Get("Age"), "");
  EXPECT_EQ(kept->kept, nullptr);
}

// Changing a header of an answer made from a kept response copies the headers, not the body.
TEST_F(ResponseWriterTest, OwnHeadersCopiesTheHeadersAndSharesTheBody) {
  HttpResponse base;
  base.Set("ETag", "\"a\"");
  base.body = "body";
  auto kept = std::make_shared<const HttpResponse>(base);
  HttpResponse r = HttpResponse::From(kept);
  r.Set("X-Extra", "1");
  r.OwnHeaders();
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[0].first, "ETag");  // the kept headers keep their place, first
  r.headers[0].second = "\"b\"";
  EXPECT_EQ(r.Get("ETag"), "\"b\"");
  EXPECT_EQ(&r.Body(), &kept->body);
  EXPECT_EQ(kept->Get("ETag"), "\"a\"");
  HttpResponse owned = r.Owned();
  EXPECT_EQ(owned.kept, nullptr);
  EXPECT_EQ(owned.body, "body");
  EXPECT_EQ(owned.Get("ETag"), "\"b\"");
  EXPECT_EQ(owned.headers.size(), 2u);
}

}  // namespace
}  // namespace mgi::gateway
