// Unit tests of the catalog's response cache (CachedCatalog) with an in-memory fake Cache, and of
// the data version that keys it.
#include "services/catalog/catalog_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "services/common/cache_config.h"
#include "test_util.h"

namespace mgi::catalog {
namespace {

class FakeCache final : public Cache {
 public:
  std::optional<std::string> Get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++gets;
    auto it = values.find(std::string(key));
    if (it == values.end()) return std::nullopt;
    ++hits;
    return it->second;
  }
  void Set(std::string_view key, std::string_view value, std::chrono::seconds) override {
    std::lock_guard<std::mutex> lock(mu_);
    values[std::string(key)] = std::string(value);
  }
  void Delete(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    values.erase(std::string(key));
  }
  std::map<std::string, std::string> values;
  int gets = 0, hits = 0;

 private:
  std::mutex mu_;
};

CatalogOptions RealOptions(const std::string& dir = testing::RealDataDir()) {
  return {.data_dir = dir,
          .iso_codes_dir = "/usr/share/iso-codes/json",
          .locale_dir = "/usr/share/locale",
          .country_languages = {"fr"}};
}

class CatalogCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = Catalog::Load(RealOptions());
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = c->release();
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
  }
  static Catalog* catalog_;
};
Catalog* CatalogCacheTest::catalog_ = nullptr;

TEST_F(CatalogCacheTest, SecondCallIsServedFromTheCacheWithTheSameAnswer) {
  FakeCache cache;
  CachedCatalog cached(catalog_, &cache, "v1");
  ASSERT_TRUE(cached.caching());
  v1::ListIndicatorsRequest req;
  req.set_page_size(5);
  auto first = cached.ListIndicators(req);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(cache.hits, 0);
  ASSERT_EQ(cache.values.size(), 1u);
  auto second = cached.ListIndicators(req);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(cache.hits, 1);
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
  EXPECT_EQ(first->SerializeAsString(), catalog_->ListIndicators(req)->SerializeAsString());
}

TEST_F(CatalogCacheTest, WhatIsStoredUnderTheKeyIsWhatIsServed) {
  FakeCache cache;
  CachedCatalog cached(catalog_, &cache, "v1");
  v1::GetDomainRequest req;
  req.set_name("domains/migrants-rights");
  v1::Domain planted;
  planted.set_name("domains/planted");
  cache.values[cached.Key("GetDomain", req)] = planted.SerializeAsString();
  auto got = cached.GetDomain(req);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name(), "domains/planted");
  // Bytes that do not parse are a miss: the catalog answers.
  cache.values[cached.Key("GetDomain", req)] = std::string("\xff\xff\xff", 3);
  got = cached.GetDomain(req);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_NE(got->name(), "domains/planted");
}

TEST_F(CatalogCacheTest, KeysDependOnMethodRequestAndDataVersion) {
  FakeCache cache;
  CachedCatalog v1(catalog_, &cache, "v1"), v2(catalog_, &cache, "v2");
  v1::GetIndicatorRequest a, b;
  a.set_name("indicators/n-1-01");
  b.set_name("indicators/n-1-01");
  b.set_language("fr");
  EXPECT_NE(v1.Key("GetIndicator", a), v1.Key("GetIndicator", b));
  EXPECT_NE(v1.Key("GetIndicator", a), v2.Key("GetIndicator", a));
  EXPECT_NE(v1.Key("GetIndicator", a), v1.Key("GetDomain", a));
  EXPECT_EQ(v1.Key("GetIndicator", a), v1.Key("GetIndicator", a));
  EXPECT_EQ(v1.Key("GetIndicator", a).rfind("catalog:GetIndicator:", 0), 0u);
  // A new data version never reads the old entries.
  ASSERT_TRUE(v1.GetIndicator(a).ok());
  ASSERT_TRUE(v2.GetIndicator(a).ok());
  EXPECT_EQ(cache.hits, 0);
  EXPECT_EQ(cache.values.size(), 2u);
}

TEST_F(CatalogCacheTest, ErrorsAreNotCached) {
  FakeCache cache;
  CachedCatalog cached(catalog_, &cache, "v1");
  v1::GetIndicatorRequest req;
  req.set_name("indicators/n-9-99");
  EXPECT_EQ(cached.GetIndicator(req).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(cached.GetIndicator(req).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(cache.values.empty());
  EXPECT_EQ(cache.gets, 2);
}

TEST_F(CatalogCacheTest, NoCacheOrNullCacheGoesStraightToTheCatalog) {
  NullCache null;
  EXPECT_FALSE(CachedCatalog(catalog_, &null, "v1").caching());
  CachedCatalog none(catalog_, nullptr, "v1");
  EXPECT_FALSE(none.caching());
  v1::ListCountriesRequest req;
  req.set_page_size(3);
  EXPECT_TRUE(none.ListCountries(req).ok());
}

TEST(CatalogDataVersionTest, StableForTheSameFilesAndChangesWithAnyOfThem) {
  namespace fs = std::filesystem;
  auto v = CatalogDataVersion(RealOptions());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->size(), 32u);
  EXPECT_EQ(*CatalogDataVersion(RealOptions()), *v);
  std::string dir = testing::MakeDataDir(testing::RealDataDir() + "/framework.json", {});
  fs::remove_all(fs::path(dir) / "indicators");
  fs::copy(fs::path(testing::RealDataDir()) / "indicators", fs::path(dir) / "indicators",
           fs::copy_options::recursive);
  // A copy elsewhere (another replica's install path): the same version.
  auto copy = CatalogDataVersion(RealOptions(dir));
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(*copy, *v);
  auto indicator = *fs::directory_iterator(fs::path(dir) / "indicators");
  std::ofstream(indicator.path(), std::ios::app) << " ";
  auto edited = CatalogDataVersion(RealOptions(dir));
  ASSERT_TRUE(edited.ok());
  EXPECT_NE(*edited, *copy);
  CatalogOptions languages = RealOptions(dir);
  languages.country_languages = {"fr", "es"};
  EXPECT_NE(*CatalogDataVersion(languages), *edited);
  EXPECT_FALSE(CatalogDataVersion(RealOptions(dir + "/absent")).ok());
}

}  // namespace
}  // namespace mgi::catalog
