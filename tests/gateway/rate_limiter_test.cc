#include "gateway/rate_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mgi::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RateLimiterTest, BurstThenRateWithRetryAfter) {
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  RateLimiter limiter({.rate_per_second = 2, .burst = 3}, [&now] { return now; });
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Acquire("a"), std::nullopt) << i;
  auto wait = limiter.Acquire("a");
  ASSERT_TRUE(wait.has_value());
  EXPECT_GE(*wait, std::chrono::milliseconds(500));  // one token every 500 ms
  EXPECT_LE(*wait, std::chrono::milliseconds(501));
  // Another client is not affected.
  EXPECT_EQ(limiter.Acquire("b"), std::nullopt);
  now += std::chrono::milliseconds(499);
  EXPECT_TRUE(limiter.Acquire("a").has_value());
  now += std::chrono::milliseconds(2);
  EXPECT_EQ(limiter.Acquire("a"), std::nullopt);
  EXPECT_TRUE(limiter.Acquire("a").has_value());
  // A long pause refills up to the burst, not beyond.
  now += std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Acquire("a"), std::nullopt) << i;
  EXPECT_TRUE(limiter.Acquire("a").has_value());
}

TEST(RateLimiterTest, IdleClientsAreForgottenWhenTheTableIsFull) {
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  RateLimiter limiter({.rate_per_second = 1, .burst = 1, .max_clients = 2}, [&now] { return now; });
  EXPECT_EQ(limiter.Acquire("a"), std::nullopt);
  EXPECT_EQ(limiter.Acquire("b"), std::nullopt);
  EXPECT_EQ(limiter.clients(), 2u);
  // Both are empty: nobody is dropped, a third client still gets in.
  EXPECT_EQ(limiter.Acquire("c"), std::nullopt);
  EXPECT_EQ(limiter.clients(), 3u);
  EXPECT_TRUE(limiter.Acquire("a").has_value());  // a was not reset by the sweep
  now += std::chrono::seconds(5);
  EXPECT_EQ(limiter.Acquire("d"), std::nullopt);
  EXPECT_EQ(limiter.clients(), 1u);  // a, b, c were full again and dropped
}

TEST(RateLimiterTest, ClientKeyHidesTheToken) {
  std::string key = ClientKey("Bearer s3cret", "10.0.0.1:5555");
  EXPECT_THAT(key, Not(HasSubstr("s3cret")));
  EXPECT_EQ(key, ClientKey("Bearer s3cret", "10.0.0.2:6666"));  // same token, same bucket
  EXPECT_NE(key, ClientKey("Bearer other", "10.0.0.1:5555"));
  EXPECT_EQ(ClientKey("", "10.0.0.1"), "addr:10.0.0.1");
}

}  // namespace
}  // namespace mgi::gateway
