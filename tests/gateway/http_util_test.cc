#include <zlib.h>

#include <gtest/gtest.h>

#include "gateway/errors.h"
#include "gateway/gateway.h"
#include "gateway/request_builder.h"
#include "gateway/response_writer.h"

namespace mgi::gateway {
namespace {

TEST(StatusMappingTest, FollowsTheTable) {
  const std::vector<std::pair<int, int>> table = {
      {0, 200},  {1, 499},  {2, 500},  {3, 400},  {4, 504},  {5, 404},
      {6, 409},  {7, 403},  {8, 429},  {9, 400},  {10, 409}, {11, 400},
      {12, 501}, {13, 500}, {14, 503}, {15, 500}, {16, 401}, {42, 500}};
  for (auto [grpc_code, http] : table) {
    EXPECT_EQ(HttpStatusFromGrpc(grpc_code), http) << "grpc code " << grpc_code;
  }
  EXPECT_EQ(GrpcCodeName(5), "NOT_FOUND");
  EXPECT_EQ(GrpcCodeName(16), "UNAUTHENTICATED");
  EXPECT_EQ(GrpcCodeName(99), "UNKNOWN");
}

TEST(ErrorEnvelopeTest, CarriesDetails) {
  GatewayError e = MakeError(absl::StatusCode::kNotFound, "NO_ROUTE", "no route for GET /x");
  std::string body = ErrorEnvelope(404, e.grpc_code, e.message, e.details_bin);
  EXPECT_NE(body.find("\"code\":404"), std::string::npos) << body;
  EXPECT_NE(body.find("\"status\":\"NOT_FOUND\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"reason\":\"NO_ROUTE\""), std::string::npos) << body;
  EXPECT_NE(body.find("google.rpc.ErrorInfo"), std::string::npos) << body;
  std::string plain = ErrorEnvelope(500, 13, "boom", "");
  EXPECT_NE(plain.find("\"details\":[]"), std::string::npos) << plain;
}

TEST(JsonDepthTest, CountsNestingOutsideStrings) {
  EXPECT_FALSE(JsonTooDeep("{\"a\":[1,{\"b\":2}]}", 3));
  EXPECT_TRUE(JsonTooDeep("{\"a\":[1,{\"b\":2}]}", 2));
  EXPECT_FALSE(JsonTooDeep("{\"a\":\"[[[[[[[[\"}", 1));       // brackets inside a string
  EXPECT_FALSE(JsonTooDeep("{\"a\":\"\\\"[[[[\"}", 1));       // escaped quote in a string
  EXPECT_TRUE(JsonTooDeep(std::string(100, '[') + std::string(100, ']'), 32));
  EXPECT_FALSE(JsonTooDeep(std::string(32, '[') + std::string(32, ']'), 32));
}

TEST(GrpcTimeoutTest, Parses) {
  std::chrono::milliseconds t;
  ASSERT_TRUE(ParseGrpcTimeout("250m", &t));
  EXPECT_EQ(t.count(), 250);
  ASSERT_TRUE(ParseGrpcTimeout("2S", &t));
  EXPECT_EQ(t.count(), 2000);
  ASSERT_TRUE(ParseGrpcTimeout("1M", &t));
  EXPECT_EQ(t.count(), 60000);
  ASSERT_TRUE(ParseGrpcTimeout("1500u", &t));
  EXPECT_EQ(t.count(), 2);
  EXPECT_FALSE(ParseGrpcTimeout("5", &t));
  EXPECT_FALSE(ParseGrpcTimeout("5x", &t));
  EXPECT_FALSE(ParseGrpcTimeout("-5S", &t));
  EXPECT_FALSE(ParseGrpcTimeout("123456789S", &t));
}

TEST(AcceptLanguageTest, PicksHighestQuality) {
  EXPECT_EQ(PreferredLanguage("fr-CH, fr;q=0.9, en;q=0.8"), "fr-CH");
  EXPECT_EQ(PreferredLanguage("en;q=0.5, es;q=0.9"), "es");
  EXPECT_EQ(PreferredLanguage("*"), "");
  EXPECT_EQ(PreferredLanguage("not a tag!!, fr;q=0.1"), "fr");
  EXPECT_EQ(PreferredLanguage(""), "");
}

TEST(GzipTest, RoundTripsAndHonoursQZero) {
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("identity"));
  std::string data(5000, 'x');
  std::string gz = Gzip(data);
  ASSERT_FALSE(gz.empty());
  EXPECT_LT(gz.size(), data.size());
  std::string out(data.size() + 10, '\0');
  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  EXPECT_EQ(out, data);
}

TEST(EtagTest, ContentHashIsStableAndQuoted) {
  EXPECT_EQ(ContentEtag("abc"), ContentEtag("abc"));
  EXPECT_NE(ContentEtag("abc"), ContentEtag("abd"));
  EXPECT_EQ(ContentEtag("abc").front(), '"');
  EXPECT_EQ(ContentEtag("abc").back(), '"');
}

TEST(CacheInvalidationTest, WriteAffectsTheResourceItsPartsAndTheCollectionsAbove) {
  const std::string archive = "/v1/profiles/gtm-2022:archive";
  EXPECT_TRUE(WriteAffects(archive, "/v1/profiles/gtm-2022\nfr"));
  EXPECT_TRUE(WriteAffects(archive, "/v1/profiles/gtm-2022/report?format=html\n"));
  EXPECT_TRUE(WriteAffects(archive, "/v1/profiles/gtm-2022:export?format=csv\n"));
  EXPECT_TRUE(WriteAffects(archive, "/v1/profiles/gtm-2022/revisions/3"));
  EXPECT_TRUE(WriteAffects(archive, "/v1/profiles?page_size=5\n"));
  EXPECT_TRUE(WriteAffects(archive, "/v1/profiles:export\n"));
  EXPECT_FALSE(WriteAffects(archive, "/v1/profiles/gtm-20221\n"));
  EXPECT_FALSE(WriteAffects(archive, "/v1/profiles/hti-2023/report\n"));
  EXPECT_FALSE(WriteAffects(archive, "/v1/countries/GTM\n"));
  for (const char* collection : {"/v1/profiles:import", "/v1/profiles"}) {
    EXPECT_TRUE(WriteAffects(collection, "/v1/profiles/hti-2023/report?format=pdf\n"));
    EXPECT_TRUE(WriteAffects(collection, "/v1/profiles?filter=x\n"));
    EXPECT_FALSE(WriteAffects(collection, "/v1/reportFormats\n"));
  }
  EXPECT_TRUE(WriteAffects("/v1/profiles/gtm-2022", "/v1/profiles/gtm-2022?language=es\n"));
}

}  // namespace
}  // namespace mgi::gateway
