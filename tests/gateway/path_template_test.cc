#include "gateway/path_template.h"

#include <gtest/gtest.h>

namespace mgi::gateway {
namespace {

PathTemplate T(const std::string& text) {
  auto t = PathTemplate::Parse(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status();
  return *t;
}

TEST(PathTemplateTest, SingleSegmentVariable) {
  PathTemplate t = T("/v1/echo/{id}");
  PathTemplate::Bindings b;
  ASSERT_TRUE(t.Match("/v1/echo/abc", &b));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].first, "id");
  EXPECT_EQ(b[0].second, "abc");
  EXPECT_FALSE(t.Match("/v1/echo", &b));
  EXPECT_FALSE(t.Match("/v1/echo/a/b", &b));
  EXPECT_FALSE(t.Match("/v1/echo/", &b));
}

TEST(PathTemplateTest, MultiSegmentVariable) {
  PathTemplate t = T("/v1/{name=profiles/*/report}");
  PathTemplate::Bindings b;
  ASSERT_TRUE(t.Match("/v1/profiles/gtm-2022/report", &b));
  EXPECT_EQ(b[0].first, "name");
  EXPECT_EQ(b[0].second, "profiles/gtm-2022/report");
  EXPECT_FALSE(t.Match("/v1/profiles/gtm-2022", &b));
  EXPECT_FALSE(t.Match("/v1/countries/gtm-2022/report", &b));
}

TEST(PathTemplateTest, NestedFieldPathAndLiteralSuffix) {
  PathTemplate t = T("/v1/{thing.name=shelves/*/things/*}");
  PathTemplate::Bindings b;
  ASSERT_TRUE(t.Match("/v1/shelves/s1/things/t1", &b));
  EXPECT_EQ(b[0].first, "thing.name");
  EXPECT_EQ(b[0].second, "shelves/s1/things/t1");
  PathTemplate revisions = T("/v1/{name=profiles/*}/revisions");
  ASSERT_TRUE(revisions.Match("/v1/profiles/p/revisions", &b));
  EXPECT_EQ(b[0].second, "profiles/p");
}

TEST(PathTemplateTest, CustomVerb) {
  PathTemplate publish = T("/v1/{name=profiles/*}:publish");
  PathTemplate get = T("/v1/{name=profiles/*}");
  PathTemplate import = T("/v1/profiles:import");
  EXPECT_EQ(publish.verb(), "publish");
  EXPECT_EQ(import.verb(), "import");
  PathTemplate::Bindings b;
  ASSERT_TRUE(publish.Match("/v1/profiles/x:publish", &b));
  EXPECT_EQ(b[0].second, "profiles/x");
  EXPECT_FALSE(publish.Match("/v1/profiles/x:archive", &b));
  EXPECT_FALSE(publish.Match("/v1/profiles/x", &b));
  // A path with a verb never matches a template without one.
  EXPECT_FALSE(get.Match("/v1/profiles/x:publish", &b));
  EXPECT_TRUE(import.Match("/v1/profiles:import", &b));
  EXPECT_FALSE(import.Match("/v1/profiles", &b));
}

TEST(PathTemplateTest, DoubleWildcard) {
  PathTemplate t = T("/v1/things/{name=**}");
  PathTemplate::Bindings b;
  ASSERT_TRUE(t.Match("/v1/things/a/b/c", &b));
  EXPECT_EQ(b[0].second, "a/b/c");
  ASSERT_TRUE(t.Match("/v1/things", &b));
  EXPECT_EQ(b[0].second, "");
  EXPECT_FALSE(PathTemplate::Parse("/v1/**/x").ok());
}

TEST(PathTemplateTest, PercentDecoding) {
  PathTemplate single = T("/v1/echo/{id}");
  PathTemplate multi = T("/v1/things/{name=**}");
  PathTemplate::Bindings b;
  ASSERT_TRUE(single.Match("/v1/echo/a%20b%2Fc", &b));
  EXPECT_EQ(b[0].second, "a b/c");  // single segment: fully decoded
  ASSERT_TRUE(multi.Match("/v1/things/a%2Fb/c%20d", &b));
  EXPECT_EQ(b[0].second, "a%2Fb/c d");  // multi segment: "/" stays encoded
  EXPECT_FALSE(single.Match("/v1/echo/bad%zz", &b));
}

TEST(PathTemplateTest, RejectsMalformedTemplates) {
  EXPECT_FALSE(PathTemplate::Parse("v1/x").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/{name").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1//x").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/x/").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/{=x}").ok());
}

TEST(PathTemplateTest, SpecificityPrefersLiterals) {
  EXPECT_GT(T("/v1/profiles:export").Specificity(), T("/v1/{name=**}").Specificity());
  EXPECT_GT(T("/v1/echo/x").Specificity(), T("/v1/echo/{id}").Specificity());
}

}  // namespace
}  // namespace mgi::gateway

namespace mgi::gateway {
namespace {

// Found by the path_template fuzz target: a literal that is not URL path characters parsed, and
// then matched no request path at all (tests/fuzz/regressions/path_template/).
TEST(PathTemplateTest, LiteralsAreUrlPathCharactersOnly) {
  EXPECT_FALSE(PathTemplate::Parse("/t1/{name=prof\xca" "les%/*}:publish").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/a%/x").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/a%4").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/a b").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/a?b").ok());
  auto t = PathTemplate::Parse("/v1/a%41/{x}:do");
  ASSERT_TRUE(t.ok()) << t.status();
  PathTemplate::Bindings b;
  EXPECT_TRUE(t->Match("/v1/a%41/y:do", &b));
}

}  // namespace
}  // namespace mgi::gateway
