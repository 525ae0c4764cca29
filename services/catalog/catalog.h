// The catalog: the MiGOF framework, its domains, the indicators and the ISO 3166-1 countries, in
// memory and immutable after Load. Each RPC's response is computed by exactly one method here
// (the place a response cache would wrap). No gRPC types: errors are absl::Status built with
// common/status.h (INVALID_ARGUMENT naming the field, NOT_FOUND naming the resource).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/catalog/catalog_data.h"
#include "services/catalog/countries.h"
#include "mgi/catalog/v1/catalog_service.pb.h"

namespace mgi::catalog {

struct CatalogOptions {
  std::string data_dir;                        // framework.json and indicators/*.json
  std::string iso_codes_dir;                   // holds iso_3166-1.json
  std::string locale_dir;                      // holds <lang>/LC_MESSAGES/iso_3166-1.mo
  std::vector<std::string> country_languages;  // empty: every translation found
};

class Catalog {
 public:
  // Loads and validates everything; any problem fails the load with a message naming the file and
  // the entry (all problems of the data directory are listed).
  static absl::StatusOr<std::unique_ptr<Catalog>> Load(const CatalogOptions& options);
  // Builds a catalog from already-loaded parts (tests).
  Catalog(CatalogData data, Countries countries);

  absl::StatusOr<v1::Framework> GetFramework(const v1::GetFrameworkRequest& request) const;
  absl::StatusOr<v1::ListDomainsResponse> ListDomains(const v1::ListDomainsRequest& request) const;
  absl::StatusOr<v1::Domain> GetDomain(const v1::GetDomainRequest& request) const;
  absl::StatusOr<v1::ListIndicatorsResponse> ListIndicators(
      const v1::ListIndicatorsRequest& request) const;
  absl::StatusOr<v1::Indicator> GetIndicator(const v1::GetIndicatorRequest& request) const;
  absl::StatusOr<v1::SearchIndicatorsResponse> SearchIndicators(
      const v1::SearchIndicatorsRequest& request) const;
  absl::StatusOr<v1::ListCountriesResponse> ListCountries(
      const v1::ListCountriesRequest& request) const;
  absl::StatusOr<v1::Country> GetCountry(const v1::GetCountryRequest& request) const;

  const CatalogData& data() const { return data_; }
  const Countries& countries() const { return countries_; }

 private:
  struct IndicatorFilter {
    std::string domain_id;  // "" = any
    std::string sub_area_id;
    v1::Level level = v1::LEVEL_UNSPECIFIED;
    int sample = -1;  // -1 any, 0 false, 1 true
    bool Matches(const IndicatorData& ind) const;
  };
  absl::StatusOr<IndicatorFilter> ParseIndicatorFilter(const std::string& filter) const;
  v1::Domain DomainProto(const DomainData& domain, const std::string& language) const;
  v1::Indicator IndicatorProto(const IndicatorData& ind, const std::string& language) const;
  v1::Country CountryProto(const CountryRecord& record, const std::string& language) const;
  const DomainData* FindDomain(const std::string& id) const;
  const MigofElementData* ElementFor(const std::string& domain_id) const;
  // Indices of countries_.records() in alphabetical order of their display names in `language`
  // (ICU collation of the served language), computed once per served language.
  std::shared_ptr<const std::vector<size_t>> CountriesByDisplayName(
      const std::string& language) const;

  CatalogData data_;
  Countries countries_;
  std::vector<std::string> country_languages_;  // translations plus "en"
  // Search words (text::SearchWords) of each indicator's text, by language (same order as
  // data_.indicators).
  std::vector<std::map<std::string, std::vector<std::string>>> indicator_words_;
  struct CountryOrders {
    std::mutex mu;
    std::map<std::string, std::shared_ptr<const std::vector<size_t>>> by_language;
  };
  std::unique_ptr<CountryOrders> country_orders_;
};

}  // namespace mgi::catalog
