#include "services/common/pagination.h"

#include <gtest/gtest.h>

namespace mgi {
namespace {

TEST(PaginationTest, TokenRoundTrip) {
  std::string token = EncodePageToken(150, "filter=a;lang=en");
  auto offset = DecodePageToken(token, "filter=a;lang=en");
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(*offset, 150);
  EXPECT_EQ(token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(PaginationTest, TokenForOtherQueryIsRejected) {
  std::string token = EncodePageToken(10, "filter=a");
  EXPECT_EQ(DecodePageToken(token, "filter=b").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PaginationTest, TamperedTokenIsRejected) {
  std::string token = EncodePageToken(10, "q");
  token[3] = token[3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(DecodePageToken(token, "q").ok());
  EXPECT_FALSE(DecodePageToken("not-a-token", "q").ok());
}

TEST(PaginationTest, PageSizes) {
  PageSpec spec{50, 500};
  EXPECT_EQ(*ResolvePageSize(0, spec), 50);
  EXPECT_EQ(*ResolvePageSize(10, spec), 10);
  EXPECT_EQ(*ResolvePageSize(9999, spec), 500);
  EXPECT_FALSE(ResolvePageSize(-1, spec).ok());
}

}  // namespace
}  // namespace mgi
