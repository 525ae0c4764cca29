// NearCache (common/near_cache.h): only the version asked for is served, entries expire, the
// least recently used go first beyond the entry and byte bounds, and the metrics count.
#include "services/common/near_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mgi {
namespace {

using std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;

std::shared_ptr<const std::string> Value(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

TEST(NearCacheTest, ServesOnlyTheVersionAskedFor) {
  NearCache cache({});
  EXPECT_EQ(cache.Find("p", "v1"), nullptr);
  cache.Put("p", "v1", Value("one"));
  ASSERT_NE(cache.Find("p", "v1"), nullptr);
  EXPECT_EQ(*cache.Find("p", "v1"), "one");
  // The source of truth moved on (another replica wrote): the old entry is never served.
  EXPECT_EQ(cache.Find("p", "v2"), nullptr);
  cache.Put("p", "v2", Value("two"));
  EXPECT_EQ(*cache.Find("p", "v2"), "two");
  EXPECT_EQ(cache.Find("p", "v1"), nullptr);  // replaced, not kept beside
  EXPECT_EQ(cache.size(), 1u);
  cache.Erase("p");
  EXPECT_EQ(cache.Find("p", "v2"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(NearCacheTest, EntriesExpireAfterMaxAge) {
  TimePoint now{};
  NearCache cache({.max_age = milliseconds(1000)}, nullptr, "", [&] { return now; });
  cache.Put("p", "v", Value("x"));
  now += milliseconds(1000);
  EXPECT_NE(cache.Find("p", "v"), nullptr);
  now += milliseconds(1);
  EXPECT_EQ(cache.Find("p", "v"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(NearCacheTest, EvictsTheLeastRecentlyUsedBeyondEntriesOrBytes) {
  NearCache cache({.max_entries = 2, .max_bytes = 10});
  cache.Put("a", "1", Value("aaa"));
  cache.Put("b", "1", Value("bbb"));
  ASSERT_NE(cache.Find("a", "1"), nullptr);  // a is now the most recent
  cache.Put("c", "1", Value("ccc"));         // third entry: b goes
  EXPECT_EQ(cache.Find("b", "1"), nullptr);
  EXPECT_NE(cache.Find("a", "1"), nullptr);
  EXPECT_NE(cache.Find("c", "1"), nullptr);
  cache.Put("d", "1", Value("dddddddd"));  // 8 bytes: over 10 with any other, so both go
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), 8u);
  cache.Put("e", "1", Value("eeeeeeeeeeee"));  // larger than the whole cache: not kept
  EXPECT_EQ(cache.Find("e", "1"), nullptr);
  EXPECT_NE(cache.Find("d", "1"), nullptr);
}

TEST(NearCacheTest, AServedValueOutlivesItsEviction) {
  NearCache cache({.max_entries = 1});
  cache.Put("a", "1", Value("kept by the caller"));
  auto held = cache.Find("a", "1");
  cache.Put("b", "1", Value("b"));
  EXPECT_EQ(cache.Find("a", "1"), nullptr);
  EXPECT_EQ(*held, "kept by the caller");
}

TEST(NearCacheTest, CountsHitsAndMissesInTheRegistry) {
  MetricsRegistry metrics;
  NearCache cache({}, &metrics, "test");
  cache.Find("p", "v");
  cache.Put("p", "v", Value("x"));
  cache.Find("p", "v");
  cache.Find("p", "w");
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
  EXPECT_EQ(metrics.GetCounter("mgi_near_cache_hits_total", "", {{"cache", "test"}})->Value(), 1);
  EXPECT_EQ(metrics.GetCounter("mgi_near_cache_misses_total", "", {{"cache", "test"}})->Value(), 2);
  EXPECT_EQ(metrics.GetGauge("mgi_near_cache_bytes", "", {{"cache", "test"}})->Value(), 1);
}

// Revalidation's lookup: whatever version is held (not expired), with that version; neither a
// hit nor a miss.
TEST(NearCacheTest, LatestGivesTheHeldVersionUntilItExpires) {
  TimePoint now{};
  NearCache cache({.max_age = milliseconds(1000)}, nullptr, "", [&] { return now; });
  std::string version = "unset";
  EXPECT_EQ(cache.Latest("p", &version), nullptr);
  EXPECT_EQ(version, "unset");
  cache.Put("p", "v1", Value("one"));
  cache.Put("p", "v2", Value("two"));
  auto held = cache.Latest("p", &version);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(*held, "two");
  EXPECT_EQ(version, "v2");
  EXPECT_EQ(cache.hits() + cache.misses(), 0u);
  now += milliseconds(1001);
  EXPECT_EQ(cache.Latest("p", &version), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

// NearCacheOf<T>: objects shared as they were put, counted as the bytes they were put with.
TEST(NearCacheTest, OfObjectsSharesThemAndCountsTheirGivenBytes) {
  struct Parsed {
    std::vector<int> numbers;
  };
  NearCacheOf<Parsed> cache({.max_entries = 8, .max_bytes = 100});
  auto one = std::make_shared<const Parsed>(Parsed{{1, 2, 3}});
  cache.Put("a", "1", one, 60);
  EXPECT_EQ(cache.Find("a", "1"), one);
  EXPECT_EQ(cache.Find("a", "2"), nullptr);
  std::string version;
  EXPECT_EQ(cache.Latest("a", &version), one);
  EXPECT_EQ(version, "1");
  cache.Put("b", "1", std::make_shared<const Parsed>(), 60);  // 120 bytes > 100: "a" goes
  EXPECT_EQ(cache.Find("a", "1"), nullptr);
  EXPECT_NE(cache.Find("b", "1"), nullptr);
  EXPECT_EQ(one->numbers.size(), 3u);
  cache.Erase("b");
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace mgi
