#include "gateway/request_builder.h"
#include "gateway/response_writer.h"

#include <google/api/httpbody.pb.h>
#include <google/protobuf/empty.pb.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "gwtest.pb.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "mgi/catalog/v1/catalog_service.pb.h"
#include "mgi/report/v1/report_service.pb.h"

namespace mgi::gateway {
namespace {

using mgi::gwtest::v1::EchoRequest;

const google::protobuf::ServiceDescriptor* ThingService() {
  return mgi::gwtest::v1::Thing::descriptor()->file()->FindServiceByName("ThingService");
}

RouteTable Table() {
  auto table = RouteTable::Build({ThingService()});
  EXPECT_TRUE(table.ok()) << table.status();
  return *std::move(table);
}

TEST(RouteTableTest, SuiteRoutesFromTheLinkedDescriptors) {
  // Referencing the types links their descriptors in; the listing finds them without names.
  (void)mgi::catalog::v1::GetCountryRequest::descriptor();
  (void)mgi::assessment::v1::GetProfileRequest::descriptor();
  (void)mgi::report::v1::GetReportRequest::descriptor();
  auto services = LinkedAnnotatedServices();
  std::vector<std::string> names;
  for (auto* s : services) names.push_back(s->full_name());
  EXPECT_NE(std::find(names.begin(), names.end(), "mgi.catalog.v1.CatalogService"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "mgi.report.v1.ReportService"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "mgi.gwtest.v1.ThingService"), names.end());
  auto table = RouteTable::Build(services);
  ASSERT_TRUE(table.ok()) << table.status();
  auto m = table->Find("GET", "/v1/profiles/gtm-2022/report");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->rpc_path, "/mgi.report.v1.ReportService/GetReport");
  m = table->Find("GET", "/v1/profiles:export");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->rpc_path, "/mgi.assessment.v1.AssessmentService/ExportProfiles");
  EXPECT_EQ(m.route->binding_index, 1);
  m = table->Find("GET", "/v1/profiles/x:export");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->binding_index, 0);
  m = table->Find("POST", "/v1/profiles/x:publish");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method->name(), "PublishProfile");
  m = table->Find("PUT", "/v1/profiles/x");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"DELETE", "GET", "PATCH"}));
  m = table->Find("POST", "/v1/profiles");
  ASSERT_NE(m.route, nullptr);
  EXPECT_TRUE(m.route->creates);
  EXPECT_EQ(table->Find("GET", "/v1/nothing").allowed.size(), 0u);
}

TEST(TranscoderTest, QueryParametersFillScalarsRepeatedNestedEnumsAndMasks) {
  RouteTable table = Table();
  auto m = table.Find("GET", "/v1/echo/e1");
  ASSERT_NE(m.route, nullptr);
  EchoRequest req;
  HttpInput in;
  in.query =
      "tags=a&tags=b+c&nested.a=x%26y&nested.b=7&nested.child.a=deep&state=THING_STATE_DRAFT"
      "&nums=1&nums=-2&mask=title,etag&flag=true&ratio=0.5";
  ASSERT_TRUE(BuildRequest(*m.route, m.bindings, in, &req).ok());
  EXPECT_EQ(req.id(), "e1");
  ASSERT_EQ(req.tags_size(), 2);
  EXPECT_EQ(req.tags(1), "b c");
  EXPECT_EQ(req.nested().a(), "x&y");
  EXPECT_EQ(req.nested().b(), 7);
  EXPECT_EQ(req.nested().child().a(), "deep");
  EXPECT_EQ(req.state(), mgi::gwtest::v1::THING_STATE_DRAFT);
  ASSERT_EQ(req.nums_size(), 2);
  EXPECT_EQ(req.nums(1), -2);
  ASSERT_EQ(req.mask().paths_size(), 2);
  EXPECT_EQ(req.mask().paths(1), "etag");
  EXPECT_TRUE(req.flag());
  EXPECT_DOUBLE_EQ(req.ratio(), 0.5);
}

TEST(TranscoderTest, QueryErrorsNameTheParameter) {
  RouteTable table = Table();
  auto m = table.Find("GET", "/v1/echo/e1");
  ASSERT_NE(m.route, nullptr);
  auto build = [&](const std::string& query) {
    EchoRequest req;
    HttpInput in;
    in.query = query;
    return BuildRequest(*m.route, m.bindings, in, &req);
  };
  auto s = build("bogus=1");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("bogus"), absl::string_view::npos) << s;
  s = build("nested.b=seven");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nested.b"), absl::string_view::npos) << s;
  s = build("state=PURPLE");
  EXPECT_NE(s.message().find("THING_STATE_DRAFT"), absl::string_view::npos) << s;
  EXPECT_FALSE(build("flag=true&flag=false").ok());  // twice for a non-repeated field
  EXPECT_FALSE(build("id=other").ok());              // bound by the path
  EXPECT_FALSE(build("nested=1").ok());              // a message, not a leaf
  EXPECT_FALSE(build("metadata=1").ok());            // a map
  EXPECT_FALSE(build("ratio=%zz").ok());             // malformed escape
  EXPECT_TRUE(build("").ok());
}

TEST(TranscoderTest, BodyFieldPathVariablesAndIfMatch) {
  RouteTable table = Table();
  auto m = table.Find("PATCH", "/v1/shelves/s1/things/t1");
  ASSERT_NE(m.route, nullptr);
  mgi::gwtest::v1::UpdateThingRequest req;
  HttpInput in;
  in.body = R"({"title":"New"})";
  in.query = "update_mask=title";
  in.if_match = "W/\"v7\"";
  ASSERT_TRUE(BuildRequest(*m.route, m.bindings, in, &req).ok());
  EXPECT_EQ(req.thing().name(), "shelves/s1/things/t1");
  EXPECT_EQ(req.thing().title(), "New");
  EXPECT_EQ(req.thing().etag(), "W/\"v7\"");  // as sent: a weak tag never matches (412)
  EXPECT_EQ(req.update_mask().paths(0), "title");

  // If-Match that is not UTF-8 cannot go into the etag string (found by the query_request fuzz
  // target: the request would not parse at the backend).
  mgi::gwtest::v1::UpdateThingRequest binary_tag;
  in.if_match = "\"u\x8f\"";
  auto tag = BuildRequest(*m.route, m.bindings, in, &binary_tag);
  EXPECT_EQ(tag.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(tag.message().find("If-Match"), absl::string_view::npos) << tag;

  // The body names another thing than the path.
  mgi::gwtest::v1::UpdateThingRequest conflict;
  in.body = R"({"name":"shelves/s1/things/other"})";
  in.if_match.clear();
  auto s = BuildRequest(*m.route, m.bindings, in, &conflict);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("thing.name"), absl::string_view::npos) << s;

  // Unknown JSON field and malformed JSON.
  mgi::gwtest::v1::UpdateThingRequest bad;
  in.body = R"({"titel":"x"})";
  EXPECT_EQ(BuildRequest(*m.route, m.bindings, in, &bad).code(),
            absl::StatusCode::kInvalidArgument);
  in.body = R"({"title":)";
  EXPECT_EQ(BuildRequest(*m.route, m.bindings, in, &bad).code(),
            absl::StatusCode::kInvalidArgument);
  // Query parameters may not reach into the body field.
  in.body = "{}";
  in.query = "thing.title=x";
  EXPECT_FALSE(BuildRequest(*m.route, m.bindings, in, &bad).ok());
}

TEST(TranscoderTest, BodyStarTopLevelEtagAndLanguage) {
  RouteTable table = Table();
  auto m = table.Find("POST", "/v1/shelves/s/things/t:publish");
  ASSERT_NE(m.route, nullptr);
  mgi::gwtest::v1::PublishThingRequest req;
  HttpInput in;
  in.if_match = "\"e1\"";
  ASSERT_TRUE(BuildRequest(*m.route, m.bindings, in, &req).ok());
  EXPECT_EQ(req.name(), "shelves/s/things/t");
  EXPECT_EQ(req.etag(), "\"e1\"");
  in.query = "etag=x";  // body "*" leaves no query parameter
  EXPECT_FALSE(BuildRequest(*m.route, m.bindings, in, &req).ok());

  auto get = table.Find("GET", "/v1/shelves/s/things/t");
  mgi::gwtest::v1::GetThingRequest g;
  HttpInput gin;
  gin.default_language = "fr";
  ASSERT_TRUE(BuildRequest(*get.route, get.bindings, gin, &g).ok());
  EXPECT_EQ(g.language(), "fr");
  mgi::gwtest::v1::GetThingRequest g2;
  gin.query = "language=es";
  ASSERT_TRUE(BuildRequest(*get.route, get.bindings, gin, &g2).ok());
  EXPECT_EQ(g2.language(), "es");  // the query wins over Accept-Language
  gin.body = "{}";
  EXPECT_FALSE(BuildRequest(*get.route, get.bindings, gin, &g2).ok());  // GET takes no body
}

TEST(TranscoderTest, RenderResponse) {
  RouteTable table = Table();
  auto create = table.Find("POST", "/v1/shelves/s/things");
  ASSERT_NE(create.route, nullptr);
  mgi::gwtest::v1::Thing thing;
  thing.set_name("shelves/s/things/t");
  thing.set_etag("abc");
  thing.set_state(mgi::gwtest::v1::THING_STATE_PUBLISHED);
  auto r = RenderResponse(*create.route, thing);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->http_status, 201);
  EXPECT_EQ(r->resource_etag, "abc");
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_NE(r->body.find("\"THING_STATE_PUBLISHED\""), std::string::npos);

  auto del = table.Find("DELETE", "/v1/shelves/s/things/t");
  auto d = RenderResponse(*del.route, google::protobuf::Empty());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->http_status, 204);

  auto blob = table.Find("GET", "/v1/blobs/b/content");
  google::api::HttpBody hb;
  hb.set_content_type("text/html; charset=utf-8");
  hb.set_data("<p>x</p>");
  auto b = RenderResponse(*blob.route, hb);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(b->body, "<p>x</p>");
}

}  // namespace
}  // namespace mgi::gateway
