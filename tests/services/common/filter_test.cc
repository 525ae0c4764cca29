#include "services/common/filter.h"

#include <gtest/gtest.h>

#include "services/common/status.h"

namespace mgi {
namespace {

TEST(FilterTest, ParsesConjunctions) {
  auto terms = ParseFilter(R"(country = "GTM" AND state=PUBLISHED AND edition = 2)",
                           {"country", "state", "edition"});
  ASSERT_TRUE(terms.ok()) << terms.status();
  ASSERT_EQ(terms->size(), 3u);
  EXPECT_EQ((*terms)[0].field, "country");
  EXPECT_EQ((*terms)[0].value, "GTM");
  EXPECT_EQ((*terms)[1].value, "PUBLISHED");
  EXPECT_EQ((*terms)[2].value, "2");
}

TEST(FilterTest, EmptyIsNoTerms) {
  auto terms = ParseFilter("   ", {"a"});
  ASSERT_TRUE(terms.ok());
  EXPECT_TRUE(terms->empty());
}

TEST(FilterTest, ErrorsNameTheFilterField) {
  for (const char* bad : {"colour = red", "a", "a = ", "a = 1 OR a = 2", "a = \"x", "a = 1 AND a = 2",
                          "a > 1"}) {
    auto terms = ParseFilter(bad, {"a"});
    ASSERT_FALSE(terms.ok()) << bad;
    EXPECT_EQ(terms.status().code(), absl::StatusCode::kInvalidArgument);
    auto v = FieldViolations(terms.status());
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].field, "filter");
  }
}

}  // namespace
}  // namespace mgi
