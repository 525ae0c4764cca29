// Unit tests of issue 15's parts: http_semantics (Retry-After, representation tags), query_extras
// (maps, masks), route_checks (response_body, conflicts), response_body, forwarding, cancel,
// path unescaping modes, and the OpenAPI additions.
#include <google/rpc/error_details.pb.h>
#include <google/rpc/error_info.pb.h>
#include <google/rpc/status.pb.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance.pb.h"
#include "gateway/cancel.h"
#include "gateway/forwarding.h"
#include "gateway/http_semantics.h"
#include "gateway/if_match_any.h"
#include "gateway/openapi.h"
#include "gateway/proto_comments.h"
#include "gateway/query_extras.h"
#include "gateway/request_builder.h"
#include "gateway/response_body.h"
#include "gateway/route_checks.h"
#include "gwtest.pb.h"

namespace mgi::gateway {
namespace {

namespace conf = mgi::gwconf::v1;

std::string DetailsWithDelay(int64_t seconds, int32_t nanos) {
  google::rpc::Status status;
  status.set_code(8);
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(seconds);
  info.mutable_retry_delay()->set_nanos(nanos);
  status.add_details()->PackFrom(google::rpc::ErrorInfo());
  status.add_details()->PackFrom(info);
  return status.SerializeAsString();
}

TEST(RetryAfterTest, WholeSecondsRoundedUpFromRetryInfo) {
  EXPECT_EQ(RetryAfterSeconds(DetailsWithDelay(2, 500000000)), 3);
  EXPECT_EQ(RetryAfterSeconds(DetailsWithDelay(30, 0)), 30);
  EXPECT_EQ(RetryAfterSeconds(DetailsWithDelay(0, 1)), 1);
  EXPECT_EQ(RetryAfterSeconds(DetailsWithDelay(0, 0)), 1);
  google::rpc::Status no_retry;
  no_retry.add_details()->PackFrom(google::rpc::ErrorInfo());
  EXPECT_EQ(RetryAfterSeconds(no_retry.SerializeAsString()), std::nullopt);
  EXPECT_EQ(RetryAfterSeconds(""), std::nullopt);
  EXPECT_EQ(RetryAfterSeconds("not a status"), std::nullopt);
}

TEST(RepresentationEtagTest, LanguageAndCodingInsideTheQuotesAndStrippedForIfMatch) {
  EXPECT_EQ(RepresentationEtag("\"v1\"", "fr", false), "\"v1;lang=fr\"");
  EXPECT_EQ(RepresentationEtag("\"v1\"", "", true), "\"v1;gzip\"");
  EXPECT_EQ(RepresentationEtag("\"v1\"", "es-419", true), "\"v1;lang=es-419;gzip\"");
  EXPECT_EQ(RepresentationEtag("W/\"v1\"", "fr", false), "W/\"v1;lang=fr\"");
  EXPECT_EQ(RepresentationEtag("", "fr", true), "");
  EXPECT_EQ(ResourceEtags("\"v1;lang=fr;gzip\""), "\"v1\"");
  EXPECT_EQ(ResourceEtags("\"v1;gzip\", \"v2;lang=en\""), "\"v1\", \"v2\"");
  EXPECT_EQ(ResourceEtags("\"v1\""), "\"v1\"");
  EXPECT_EQ(ResourceEtags("\"a;lang=<x>\""), "\"a;lang=<x>\"");  // not a suffix we add
  EXPECT_EQ(ResourceEtags("*"), "*");
}

TEST(QueryExtrasTest, MapEntriesFromBracketedKeys) {
  EXPECT_TRUE(IsMapParam("labels[k]"));
  EXPECT_TRUE(IsMapParam("a.labels[k.x]"));
  EXPECT_FALSE(IsMapParam("labels"));
  EXPECT_FALSE(IsMapParam("[k]"));
  EXPECT_FALSE(IsMapParam("labels[a][b]"));
  conf::QueryRequest req;
  std::set<std::string> seen;
  ASSERT_TRUE(ApplyMapParam(&req, "labels[colour]", "blue", {}, &seen).ok());
  ASSERT_TRUE(ApplyMapParam(&req, "by_number[7]", "seven", {}, &seen).ok());
  ASSERT_TRUE(ApplyMapParam(&req, "byNumber[8]", "eight", {}, &seen).ok());
  EXPECT_EQ(req.labels().at("colour"), "blue");
  EXPECT_EQ(req.by_number().at(7), "seven");
  EXPECT_EQ(req.by_number().at(8), "eight");
  EXPECT_FALSE(ApplyMapParam(&req, "labels[colour]", "red", {}, &seen).ok());     // twice
  EXPECT_FALSE(ApplyMapParam(&req, "by_number[x]", "bad", {}, &seen).ok());       // bad key
  EXPECT_FALSE(ApplyMapParam(&req, "tags[a]", "x", {}, &seen).ok());              // not a map
  EXPECT_FALSE(ApplyMapParam(&req, "nothing[a]", "x", {}, &seen).ok());           // unknown
  EXPECT_FALSE(ApplyMapParam(&req, "labels[other]", "x", {"*"}, &seen).ok());     // body "*"
}

TEST(QueryExtrasTest, FieldMaskTextIsSplitAndSnakeCased) {
  google::protobuf::FieldMask mask;
  ASSERT_TRUE(ParseFieldMaskText("title, displayName,author.displayName,,etag", &mask).ok());
  EXPECT_EQ(mask.paths_size(), 4);
  EXPECT_EQ(mask.paths(1), "display_name");
  EXPECT_EQ(mask.paths(2), "author.display_name");
  for (const char* bad : {"a b", "1abc", "a..b", "a.", "ti-tle", "x,*"}) {
    google::protobuf::FieldMask m;
    EXPECT_FALSE(ParseFieldMaskText(bad, &m).ok()) << bad;
  }
}

TEST(QueryExtrasTest, IgnoredParametersAreSkipped) {
  conf::QueryRequest req;
  std::set<std::string> ignored = {"utm_source", "_"};
  ASSERT_TRUE(ApplyQuery("s=x&utm_source=mail&_=17", {}, &req, &ignored).ok());
  EXPECT_EQ(req.s(), "x");
  EXPECT_FALSE(ApplyQuery("utm_source=mail", {}, &req).ok());  // not ignored without the list
}

const google::protobuf::ServiceDescriptor* Conformance() {
  return conf::Book::descriptor()->file()->FindServiceByName("ConformanceService");
}

TEST(RouteChecksTest, OverlapFollowsSegmentsAndVerbs) {
  auto t = [](const char* text) { return *PathTemplate::Parse(text); };
  EXPECT_TRUE(TemplatesOverlap(t("/v1/{a}/x"), t("/v1/{b}/x")));
  EXPECT_TRUE(TemplatesOverlap(t("/v1/{a}/x"), t("/v1/y/{b}")));
  EXPECT_FALSE(TemplatesOverlap(t("/v1/{a}/x"), t("/v1/{a}/y")));
  EXPECT_FALSE(TemplatesOverlap(t("/v1/{a}"), t("/v1/{a}:verb")));
  EXPECT_TRUE(TemplatesOverlap(t("/v1/{a=**}"), t("/v1/x/y/z")));
  EXPECT_TRUE(TemplatesOverlap(t("/v1/x/{a=**}"), t("/v1/x")));  // "**" matches zero segments
  EXPECT_FALSE(TemplatesOverlap(t("/v1/x/{a=**}"), t("/v2")));
}

TEST(RouteChecksTest, ConformanceRoutesBuildAndConflictsAreFound) {
  auto table = RouteTable::Build({Conformance()});
  ASSERT_TRUE(table.ok()) << table.status();
  // The same service twice: every route conflicts with its copy.
  auto twice = RouteTable::Build({Conformance(), Conformance()});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("conflicting routes"), std::string::npos)
      << twice.status();
  // The suite's own test contract has none with the conformance one.
  EXPECT_TRUE(RouteTable::Build({Conformance(), mgi::gwtest::v1::Thing::descriptor()->file()
                                                    ->FindServiceByName("ThingService")})
                  .ok());
}

TEST(ResponseBodyTest, RepeatedScalarAndMessageFieldsWithDefaults) {
  conf::ListBooksResponse r;
  auto* d = conf::ListBooksResponse::descriptor();
  EXPECT_EQ(*FieldJson(r, d->FindFieldByName("books")), "[]");
  EXPECT_EQ(*FieldJson(r, d->FindFieldByName("total_size")), "\"0\"");
  EXPECT_EQ(*FieldJson(r, d->FindFieldByName("first")), "{}");
  r.add_books()->set_title("A");
  r.add_books()->set_name("shelves/s/books/b");
  r.set_total_size(12);
  EXPECT_EQ(*FieldJson(r, d->FindFieldByName("books")),
            R"([{"title":"A"},{"name":"shelves/s/books/b"}])");
  EXPECT_EQ(*FieldJson(r, d->FindFieldByName("total_size")), "\"12\"");
  conf::QueryRequest q;
  auto* qd = conf::QueryRequest::descriptor();
  EXPECT_EQ(*FieldJson(q, qd->FindFieldByName("view")), "\"BOOK_VIEW_UNSPECIFIED\"");
  EXPECT_EQ(*FieldJson(q, qd->FindFieldByName("labels")), "{}");
  EXPECT_EQ(*FieldJson(q, qd->FindFieldByName("b")), "false");
  EXPECT_EQ(*FieldJson(q, qd->FindFieldByName("s")), "\"\"");
}

TEST(ForwardingTest, AllowListAndForwardedHeaders) {
  EXPECT_FALSE(ForwardingPolicy::Make({"Bad Key"}).ok());
  EXPECT_FALSE(ForwardingPolicy::Make({"grpc-timeout"}).ok());
  EXPECT_FALSE(ForwardingPolicy::Make({"authorization"}).ok());
  EXPECT_FALSE(ForwardingPolicy::Make({"x-data-bin"}).ok());
  auto policy = ForwardingPolicy::Make({"X-Tenant"});
  ASSERT_TRUE(policy.ok()) << policy.status();
  HttpRequest req;
  req.remote_address = "10.0.0.9";
  req.secure = true;
  req.headers = {{"grpc-metadata-x-tenant", "acme"}, {"grpc-metadata-x-other", "no"},
                 {"x-forwarded-for", "203.0.113.7, 2001:db8::1"}, {"baggage", "k=v"},
                 {"tracestate", "a=b"}};
  std::vector<MetadataEntry> md;
  policy->AddRequestMetadata(req, &md);
  std::map<std::string, std::string> got;
  for (const auto& e : md) got[std::string(e.key.view())] = e.value.str();
  EXPECT_EQ(got["x-tenant"], "acme");
  EXPECT_EQ(got.count("x-other"), 0u);
  EXPECT_EQ(got["x-forwarded-for"], "203.0.113.7, 2001:db8::1, 10.0.0.9");
  EXPECT_EQ(got["x-forwarded-proto"], "https");
  EXPECT_EQ(got["baggage"], "k=v");
  EXPECT_EQ(got.count("tracestate"), 0u);  // no traceparent was forwarded
  EXPECT_TRUE(WellFormedForwardedFor("unknown, [::1]"));
  EXPECT_FALSE(WellFormedForwardedFor("1.2.3.4, evil"));
  HttpResponse resp;
  policy->AddResponseHeaders({{"x-tenant", "acme"}, {"x-secret", "s"}, {"x-tenant", "bad\x01"}},
                             &resp);
  ASSERT_EQ(resp.headers.size(), 1u);
  EXPECT_EQ(resp.Get("Grpc-Metadata-x-tenant"), "acme");
}

TEST(CancelSignalTest, FiresOnceLateHooksRunAtOnceClearedHooksNever) {
  CancelSignal s;
  int runs = 0;
  s.OnCancel([&] { ++runs; });
  s.Clear();
  CancelSignal t;
  t.OnCancel([&] { ++runs; });
  t.Cancel();
  t.Cancel();
  EXPECT_EQ(runs, 1);
  t.OnCancel([&] { runs += 10; });  // already fired: runs now
  EXPECT_EQ(runs, 11);
  s.Cancel();
  EXPECT_EQ(runs, 11);
  EXPECT_TRUE(s.cancelled());
}

TEST(PathUnescapeTest, ModesForMultiSegmentVariables) {
  PathTemplate multi = *PathTemplate::Parse("/v1/{name=**}");
  PathTemplate single = *PathTemplate::Parse("/v1/x/{id}");
  PathTemplate::Bindings b;
  const std::string path = "/v1/a%2Fb%3Ac%40d%20e%2fz";
  ASSERT_TRUE(multi.Match(path, &b));
  EXPECT_EQ(b[0].second, "a%2Fb%3Ac%40d e%2fz");
  ASSERT_TRUE(multi.Match(path, &b, UnescapeMode::kAllExceptSlash));
  EXPECT_EQ(b[0].second, "a%2Fb:c@d e%2fz");
  ASSERT_TRUE(multi.Match(path, &b, UnescapeMode::kAll));
  EXPECT_EQ(b[0].second, "a/b:c@d e/z");
  ASSERT_TRUE(single.Match("/v1/x/a%2Fb%3Ac", &b));
  EXPECT_EQ(b[0].second, "a/b:c");
}

TEST(IfMatchAnyTest, WhichRoutesTakeAnEtag) {
  auto table = RouteTable::Build({Conformance()});
  ASSERT_TRUE(table.ok());
  EXPECT_TRUE(IsIfMatchAny(" * "));
  EXPECT_FALSE(IsIfMatchAny("\"*\""));
  EXPECT_TRUE(RouteTakesEtag(*table->Find("DELETE", "/conf/v1/shelves/s/books/b").route));
  EXPECT_TRUE(RouteTakesEtag(*table->Find("PATCH", "/conf/v1/shelves/s/books/b").route));
  EXPECT_FALSE(RouteTakesEtag(*table->Find("POST", "/conf/v1/shelves/s:archive").route));
}

TEST(OpenApiTest, SecurityServersWellKnownTypesResponseBodyAndHttpBody) {
  auto table = RouteTable::Build({Conformance()});
  ASSERT_TRUE(table.ok());
  auto doc = nlohmann::json::parse(BuildOpenApi(*table, "t", "v1"));
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
  EXPECT_EQ(doc["servers"][0]["url"], "/");
  auto props = doc["components"]["schemas"]["mgi.gwconf.v1.PutAttributesRequest"]["properties"];
  EXPECT_FALSE(props["value"].contains("type"));  // any JSON value
  EXPECT_EQ(props["items"]["type"], "array");
  EXPECT_EQ(props["attributes"]["type"], "object");
  EXPECT_EQ(props["nothing"]["nullable"], true);
  auto query = doc["components"]["schemas"]["mgi.gwconf.v1.QueryRequest"]["properties"];
  EXPECT_EQ(query["u32"]["format"], "int64");
  EXPECT_EQ(query["u32"]["minimum"], 0);
  auto& paths = doc["paths"];
  ASSERT_TRUE(paths.contains("/conf/v1/books/{name}")) << paths.dump();
  EXPECT_EQ(paths["/conf/v1/books/{name}"]["get"]["parameters"][0]["name"], "name");
  auto list = paths["/conf/v1/shelves/{shelvesId}/books"]["get"]["responses"]["200"];
  EXPECT_EQ(list["content"]["application/json"]["schema"]["type"], "array");
  auto count = paths["/conf/v1/shelves/{shelvesId}/books:count"]["get"]["responses"]["200"];
  EXPECT_EQ(count["content"]["application/json"]["schema"]["format"], "int64");
  auto upload = paths["/conf/v1/blobs/{blobsId}:upload"]["post"]["requestBody"]["content"];
  EXPECT_TRUE(upload.contains("*/*")) << upload.dump();
  EXPECT_TRUE(paths["/conf/v1/raw"]["post"]["requestBody"]["content"].contains("*/*"));
  // Descriptions from the proto comments (embedded with add_proto_library DOCS).
  EXPECT_EQ(paths["/conf/v1/shelves/{shelvesId}/books/{booksId}"]["get"]["description"],
            "Multi-segment variable; additional binding with \"**\".");
  auto book = doc["components"]["schemas"]["mgi.gwconf.v1.Book"];
  EXPECT_EQ(book["description"], "A book.");
  EXPECT_EQ(book["properties"]["title"]["description"], "Title.");
  EXPECT_FALSE(book["properties"]["author"].contains("description"));  // a $ref
}

TEST(ProtoCommentsTest, ElementsByFullName) {
  const ProtoComments& c = ProtoComments::Linked();
  EXPECT_EQ(c.For("mgi.gwconf.v1.ConformanceService.Query"),
            "Every query-mappable field type; echoed back.");
  EXPECT_EQ(c.For("mgi.gwconf.v1.QueryRequest.u32"), "uint32.");
  EXPECT_EQ(c.For("mgi.gwconf.v1.BookView"), "A view of a book.");
  EXPECT_EQ(c.For("mgi.gwconf.v1.BOOK_VIEW_FULL"), "Everything.");
  EXPECT_EQ(c.For("mgi.gwconf.v1.Nope"), "");
}

}  // namespace
}  // namespace mgi::gateway
