// The catalog's response cache: a small wrapper around the Catalog methods that keeps each
// successful response (serialized protobuf) in the shared Cache, keyed by
//   catalog:<method>:<KeyDigest(deterministic request bytes)>:<data version>
// The data version is a digest of every file the catalog was loaded from, so a new data set
// (another deployment, an operator's edit) never serves an old entry. Errors are not cached.
// Calls may block on the cache: with a cache, call them from an Executor (see docs/cache.md).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/catalog/catalog.h"
#include "services/common/cache.h"

namespace mgi::catalog {

// A digest (32 hex characters) of the files `options` loads: everything under data_dir, the
// iso-codes JSON, the country-name translations (.mo) and the language selection. Files are
// taken in path order, so the value is stable across processes and replicas.
absl::StatusOr<std::string> CatalogDataVersion(const CatalogOptions& options);

class CachedCatalog {
 public:
  // `catalog` must outlive this. `cache` null (or a NullCache): no caching, every call goes to
  // the catalog. A `ttl` of 0 takes the cache's configured default.
  CachedCatalog(const Catalog* catalog, Cache* cache, std::string data_version,
                std::chrono::seconds ttl = std::chrono::seconds(0));

  // True when calls may touch a real cache (and so may block).
  bool caching() const { return cache_ != nullptr; }
  const std::string& data_version() const { return data_version_; }

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

  // The cache key of one call (exposed for tests).
  std::string Key(std::string_view method, const google::protobuf::MessageLite& request) const;

 private:
  template <typename Response, typename Request>
  absl::StatusOr<Response> Cached(std::string_view method, const Request& request,
                                  absl::StatusOr<Response> (Catalog::*compute)(const Request&)
                                      const) const;

  const Catalog* catalog_;
  Cache* cache_;  // null: no caching
  std::string data_version_;
  std::chrono::seconds ttl_;
};

}  // namespace mgi::catalog
