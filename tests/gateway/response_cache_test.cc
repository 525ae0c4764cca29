#include "gateway/response_cache.h"

#include <gtest/gtest.h>

namespace mgi::gateway {
namespace {

using std::chrono::milliseconds;

class ResponseCacheTest : public ::testing::Test {
 protected:
  ResponseCache::TimePoint now_ = ResponseCache::TimePoint{} + std::chrono::hours(1);
  ResponseCache Make(size_t entries, milliseconds ttl = milliseconds(1000)) {
    return ResponseCache({ttl, entries}, [this] { return now_; });
  }
  static HttpResponse Body(const std::string& body) {
    HttpResponse r;
    r.body = body;
    return r;
  }
  // Fetches `key` through a flight and stores `body`.
  static void Fill(ResponseCache& cache, const std::string& key, const std::string& body) {
    auto claim = cache.ClaimFetch(key, [](const ResponseCache::Entry*) {});
    ASSERT_NE(claim.flight, nullptr);
    HttpResponse r = Body(body);
    cache.Complete(key, claim.flight, &r, "\"e\"");
  }
};

TEST_F(ResponseCacheTest, EntriesLiveTheirTtlOnTheInjectedClock) {
  auto cache = Make(10);
  Fill(cache, "a", "A");
  ASSERT_TRUE(cache.Lookup("a"));
  EXPECT_EQ(cache.Lookup("a")->response->body, "A");
  EXPECT_EQ(cache.Lookup("a")->etag, "\"e\"");
  now_ += milliseconds(1000);
  EXPECT_TRUE(cache.Lookup("a"));
  now_ += milliseconds(1);
  EXPECT_FALSE(cache.Lookup("a"));
}

TEST_F(ResponseCacheTest, FullCacheEvictsTheLeastRecentlyUsedOnly) {
  auto cache = Make(3);
  Fill(cache, "a", "A");
  Fill(cache, "b", "B");
  Fill(cache, "c", "C");
  ASSERT_TRUE(cache.Lookup("a"));  // a is now the most recently used; b the least
  Fill(cache, "d", "D");
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.Lookup("b"));
  EXPECT_TRUE(cache.Lookup("a"));
  EXPECT_TRUE(cache.Lookup("c"));
  EXPECT_TRUE(cache.Lookup("d"));
}

TEST_F(ResponseCacheTest, SingleFlightSharesOnlyShareableResults) {
  auto cache = Make(10);
  auto first = cache.ClaimFetch("k", [](const ResponseCache::Entry*) {});
  ASSERT_NE(first.flight, nullptr);
  std::vector<std::string> seen;
  for (int i = 0; i < 2; ++i) {
    auto waiter = cache.ClaimFetch("k", [&](const ResponseCache::Entry* e) {
      seen.push_back(e == nullptr ? "own call" : e->response->body);
    });
    EXPECT_TRUE(waiter.waiting);
    EXPECT_EQ(waiter.flight, nullptr);
  }
  HttpResponse r = Body("shared");
  cache.Complete("k", first.flight, &r, "\"e\"");
  EXPECT_EQ(seen, (std::vector<std::string>{"shared", "shared"}));
  EXPECT_TRUE(cache.ClaimFetch("k", [](const ResponseCache::Entry*) {}).hit);
  // Not shareable: waiters make their own call and nothing is stored.
  auto second = cache.ClaimFetch("p", [](const ResponseCache::Entry*) {});
  seen.clear();
  cache.ClaimFetch("p", [&](const ResponseCache::Entry* e) { seen.push_back(e ? "x" : "own"); });
  cache.Complete("p", second.flight, nullptr, "");
  EXPECT_EQ(seen, std::vector<std::string>{"own"});
  EXPECT_FALSE(cache.Lookup("p"));
}

TEST_F(ResponseCacheTest, AWriteDropsEntriesAndDetachesFlights) {
  auto cache = Make(10);
  Fill(cache, "/v1/things/a?x\nen", "A");
  Fill(cache, "/v1/others/b\nen", "B");
  auto flight = cache.ClaimFetch("/v1/things/a/sub\nen", [](const ResponseCache::Entry*) {});
  cache.Invalidate([](const std::string& key) { return WriteAffects("/v1/things/a", key); });
  EXPECT_FALSE(cache.Lookup("/v1/things/a?x\nen"));
  EXPECT_TRUE(cache.Lookup("/v1/others/b\nen"));
  // The fetch that started before the write completes, but its result is not stored.
  HttpResponse r = Body("old");
  cache.Complete("/v1/things/a/sub\nen", flight.flight, &r, "");
  EXPECT_FALSE(cache.Lookup("/v1/things/a/sub\nen"));
}

TEST_F(ResponseCacheTest, OneBackgroundRefreshPerKey) {
  auto cache = Make(10);
  auto refresh = cache.ClaimRefresh("k");
  ASSERT_NE(refresh, nullptr);
  EXPECT_EQ(cache.ClaimRefresh("k"), nullptr);
  EXPECT_TRUE(cache.ClaimFetch("k", [](const ResponseCache::Entry*) {}).waiting);
  HttpResponse r = Body("new");
  cache.Complete("k", refresh, &r, "");
  EXPECT_EQ(cache.Lookup("k")->response->body, "new");
  EXPECT_NE(cache.ClaimRefresh("k"), nullptr);
}

// A hit shares the stored response (no copy); a write then a new fetch stores a new one, and a
// reader still holding the old one sees it unchanged: an entry is never changed in place.
TEST_F(ResponseCacheTest, EntriesAreSharedNeverChangedAndNeverStaleAfterAWrite) {
  auto cache = Make(10);
  Fill(cache, "/v1/things/a\n", "old");
  auto first = cache.Lookup("/v1/things/a\n");
  auto second = cache.Lookup("/v1/things/a\n");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->response.get(), second->response.get());
  cache.Invalidate([](const std::string& key) { return WriteAffects("/v1/things/a", key); });
  EXPECT_FALSE(cache.Lookup("/v1/things/a\n"));
  Fill(cache, "/v1/things/a\n", "new");
  auto third = cache.Lookup("/v1/things/a\n");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->response->body, "new");
  EXPECT_EQ(first->response->body, "old");
}

// What is stored is the response's own copy, even when it was made from a kept response.
TEST_F(ResponseCacheTest, AResponseMadeFromAKeptOneIsStoredWhole) {
  auto cache = Make(10);
  HttpResponse base;
  base.Set("ETag", "\"k\"");
  base.body = "kept body";
  HttpResponse made = HttpResponse::From(std::make_shared<const HttpResponse>(base));
  made.Set("Grpc-Metadata-X", "1");
  auto claim = cache.ClaimFetch("k", [](const ResponseCache::Entry*) {});
  ASSERT_NE(claim.flight, nullptr);
  cache.Complete("k", claim.flight, &made, "\"k\"");
  auto hit = cache.Lookup("k");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->response->kept, nullptr);
  EXPECT_EQ(hit->response->body, "kept body");
  EXPECT_EQ(hit->response->Get("ETag"), "\"k\"");
  EXPECT_EQ(hit->response->Get("Grpc-Metadata-X"), "1");
}

}  // namespace
}  // namespace mgi::gateway
