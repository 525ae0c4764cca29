// The cache of rendered reports: asking twice for the same report renders it once; any change
// of the inputs (profile revision, language, format) renders again; a real Redis that dies
// only costs the cache.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "services/common/redis_cache.h"
#include "harness.h"
#include "services/report/report_service.h"
#include "report_fixtures.h"

namespace mgi::report {
namespace {

using namespace mgi::report::testing;
using namespace std::chrono_literals;

// An in-memory Cache that counts its calls.
class MapCache final : public Cache {
 public:
  std::optional<std::string> Get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++gets;
    auto it = values.find(std::string(key));
    if (it == values.end()) return std::nullopt;
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
  int gets = 0;

 private:
  std::mutex mu_;
};

class ReportCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { assessment_.profiles["profiles/gtm-2022"] = Guatemala(); }
  FakeAssessment assessment_;
  FakeCatalog catalog_;
};

TEST_F(ReportCacheTest, SamePdfTwiceIsRenderedOnce) {
  MapCache cache;
  ReportService service(TheRenderer(), assessment_, catalog_, &cache);
  auto first = service.GetReport({"profiles/gtm-2022/report", "pdf", "en", PeerCredentials::Anonymous()});
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = service.GetReport({"profiles/gtm-2022/report", "pdf", "en", PeerCredentials::Anonymous()});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(service.renders(), 1);
  EXPECT_EQ(second->data, first->data);
  EXPECT_EQ(second->content_type, "application/pdf");
  EXPECT_EQ(second->etag, first->etag);
  EXPECT_EQ(cache.values.size(), 1u);
  EXPECT_EQ(assessment_.get_calls, 2) << "the profile is read every time: its etag is the key";
}

// The gRPC adapter calls FetchInputs then Render (to time the rendering): the cache sits in
// Render, so that path is cached too.
TEST_F(ReportCacheTest, RenderItselfIsCached) {
  MapCache cache;
  ReportService service(TheRenderer(), assessment_, catalog_, &cache);
  ReportInputs inputs = Inputs(Guatemala(), "en");
  auto first = service.Render(inputs, "pdf");
  auto second = service.Render(inputs, "pdf");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(service.renders(), 1);
  EXPECT_EQ(second->etag, first->etag);
}

TEST_F(ReportCacheTest, AnotherFormatLanguageOrRevisionRendersAgain) {
  MapCache cache;
  ReportService service(TheRenderer(), assessment_, catalog_, &cache);
  ASSERT_TRUE(service.GetReport({"profiles/gtm-2022/report", "pdf", "en", PeerCredentials::Anonymous()}).ok());
  ASSERT_TRUE(service.GetReport({"profiles/gtm-2022/report", "html", "en", PeerCredentials::Anonymous()}).ok());
  ASSERT_TRUE(service.GetReport({"profiles/gtm-2022/report", "pdf", "fr", PeerCredentials::Anonymous()}).ok());
  EXPECT_EQ(service.renders(), 3);
  // An update of the profile (new revision and etag, new text) is never served stale.
  auto& profile = assessment_.profiles["profiles/gtm-2022"];
  profile.set_revision(profile.revision() + 1);
  profile.set_etag("\"updated\"");
  auto updated = service.GetReport({"profiles/gtm-2022/report", "pdf", "en", PeerCredentials::Anonymous()});
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(service.renders(), 4);
  EXPECT_EQ(cache.values.size(), 4u);
}

TEST_F(ReportCacheTest, KeyNamesTheProfileFormatLanguageAndRendererVersion) {
  ReportInputs inputs = Inputs(Guatemala(), "fr");
  std::string key = RenderedReportKey(inputs, "pdf");
  EXPECT_EQ(key.rfind("report:profiles/gtm-2022:", 0), 0u) << key;
  EXPECT_NE(key.find(":pdf:fr:" + std::string(kRendererVersion)), std::string::npos) << key;
  EXPECT_EQ(key, RenderedReportKey(Inputs(Guatemala(), "fr"), "pdf"));
  inputs.domains[0].set_display_name("changed");
  EXPECT_NE(RenderedReportKey(inputs, "pdf"), key) << "catalog texts are inputs too";
}

TEST_F(ReportCacheTest, WithoutACacheEveryRequestRenders) {
  ReportService service(TheRenderer(), assessment_, catalog_);
  ASSERT_TRUE(service.GetReport({"profiles/gtm-2022/report", "svg", "en", PeerCredentials::Anonymous()}).ok());
  ASSERT_TRUE(service.GetReport({"profiles/gtm-2022/report", "svg", "en", PeerCredentials::Anonymous()}).ok());
  EXPECT_EQ(service.renders(), 2);
}

TEST_F(ReportCacheTest, RealRedisServesTheSecondRequestAndItsDeathCostsOnlyTheCache) {
  auto redis = mgi::testing::RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  MetricsRegistry metrics;
  RedisCacheOptions options;
  options.port = redis->port();
  RedisCache cache(options, &metrics, "report");
  ReportService service(TheRenderer(), assessment_, catalog_, &cache);
  auto first = service.GetReport({"profiles/gtm-2022/report", "pdf", "es", PeerCredentials::Anonymous()});
  auto second = service.GetReport({"profiles/gtm-2022/report", "pdf", "es", PeerCredentials::Anonymous()});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->data, first->data);
  EXPECT_EQ(service.renders(), 1);
  EXPECT_EQ(metrics.GetCounter("mgi_cache_hits_total", "", {{"cache", "report"}})->Value(), 1);

  redis->Kill();
  auto third = service.GetReport({"profiles/gtm-2022/report", "pdf", "es", PeerCredentials::Anonymous()});
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->data, first->data);
  EXPECT_EQ(service.renders(), 2);
}

}  // namespace
}  // namespace mgi::report
