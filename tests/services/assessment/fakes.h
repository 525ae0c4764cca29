// Test doubles for the assessment service: a catalog with the six domains, a few countries and
// indicators, and a settable clock.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "services/common/status.h"
#include "services/assessment/catalog_client.h"
#include "services/assessment/clock.h"

namespace mgi::assessment::testing {

namespace cv1 = mgi::catalog::v1;

// Serves itself as the catalog of every caller, recording the credentials each was opened with.
class FakeCatalog final : public CatalogClient, public CatalogConnector {
 public:
  std::unique_ptr<CatalogClient> Connect(const PeerCredentials& credentials) override {
    last_credentials = credentials;
    ++connections;
    return std::make_unique<Session>(this);
  }

  absl::StatusOr<CountryInfo> GetCountry(const std::string& name,
                                         const std::string& language) override {
    ++calls;
    if (!available) return absl::UnavailableError("catalog down");
    auto it = countries.find(name);
    if (it == countries.end()) return mgi::NotFound(name);
    auto l = it->second.find(language);
    return CountryInfo{name, l != it->second.end() ? l->second : it->second.at("en")};
  }
  absl::StatusOr<std::vector<std::string>> ListDomains() override {
    ++calls;
    if (!available) return absl::UnavailableError("catalog down");
    return domains;
  }
  absl::StatusOr<IndicatorInfo> GetIndicator(const std::string& name) override {
    ++calls;
    if (!available) return absl::UnavailableError("catalog down");
    auto it = indicators.find(name);
    if (it == indicators.end()) return mgi::NotFound(name);
    return it->second;
  }

  class Session final : public CatalogClient {
   public:
    explicit Session(FakeCatalog* catalog) : catalog_(catalog) {}
    absl::StatusOr<CountryInfo> GetCountry(const std::string& name,
                                           const std::string& language) override {
      return catalog_->GetCountry(name, language);
    }
    absl::StatusOr<std::vector<std::string>> ListDomains() override {
      return catalog_->ListDomains();
    }
    absl::StatusOr<IndicatorInfo> GetIndicator(const std::string& name) override {
      return catalog_->GetIndicator(name);
    }

   private:
    FakeCatalog* catalog_;
  };
  PeerCredentials last_credentials = PeerCredentials::Anonymous();
  std::atomic<int> connections{0};
  std::atomic<bool> available{true};
  std::atomic<int> calls{0};
  std::vector<std::string> domains = {"domains/migrants-rights",
                                      "domains/whole-of-government",
                                      "domains/partnerships",
                                      "domains/well-being",
                                      "domains/mobility-dimensions-of-crises",
                                      "domains/safe-orderly-regular-migration"};
  std::map<std::string, std::map<std::string, std::string>> countries = {
      {"countries/GTM",
       {{"en", "Republic of Guatemala"},
        {"fr", "République du Guatemala"},
        {"es", "República de Guatemala"}}},
      {"countries/CAN", {{"en", "Canada"}}}};
  std::map<std::string, IndicatorInfo> indicators = {
      {"indicators/n-1-01",
       {"indicators/n-1-01",
        cv1::LEVEL_NATIONAL,
        {cv1::SCALE_VALUE_ABSENT, cv1::SCALE_VALUE_PARTIAL, cv1::SCALE_VALUE_COMPLETE}}},
      {"indicators/n-1-02",
       {"indicators/n-1-02",
        cv1::LEVEL_NATIONAL,
        {cv1::SCALE_VALUE_ABSENT, cv1::SCALE_VALUE_COMPLETE}}},
      {"indicators/l-1-01",
       {"indicators/l-1-01",
        cv1::LEVEL_LOCAL,
        {cv1::SCALE_VALUE_ABSENT, cv1::SCALE_VALUE_PARTIAL, cv1::SCALE_VALUE_COMPLETE}}}};
};

class FakeClock final : public Clock {
 public:
  int64_t NowMicros() override { return now_us += 1000000; }  // one second per reading
  std::atomic<int64_t> now_us{1'660'000'000'000'000};
};

}  // namespace mgi::assessment::testing
