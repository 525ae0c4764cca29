// The thin gRPC adapter of mgi.catalog.v1.CatalogService: each handler asks the Catalog for the
// response and finishes the call with it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "services/catalog/catalog.h"
#include "services/catalog/catalog_cache.h"
#include "services/common/config.h"
#include "services/common/executor.h"
#include "services/common/metrics.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"

namespace mgi::catalog {

// Registers the catalog's options (data-dir, iso-codes-dir, locale-dir, country-languages).
void RegisterCatalogFlags(Config& config, CatalogOptions* options);

class CatalogGrpcService final : public v1::CatalogService::CallbackService {
 public:
  // `catalog` must outlive the service. `metrics` (may be null) gets the
  // mgi_catalog_requests_in_progress gauge. A non-zero `response_delay` (testing only: it lets
  // tests observe calls in flight) holds each response that long on `executor`, which is then
  // required.
  CatalogGrpcService(const Catalog* catalog, MetricsRegistry* metrics,
                     std::chrono::milliseconds response_delay = {}, Executor* executor = nullptr);

  // The response cache (catalog_cache.h), which must outlive the service. When it caches, the
  // handlers run on `executor` (required then), since a cache call may block. Null (the
  // default): responses come straight from the catalog, on the callback thread.
  void set_cache(const CachedCatalog* cached) { cached_ = cached; }

  grpc::ServerUnaryReactor* GetFramework(grpc::CallbackServerContext* context,
                                         const v1::GetFrameworkRequest* request,
                                         v1::Framework* response) override;
  grpc::ServerUnaryReactor* ListDomains(grpc::CallbackServerContext* context,
                                        const v1::ListDomainsRequest* request,
                                        v1::ListDomainsResponse* response) override;
  grpc::ServerUnaryReactor* GetDomain(grpc::CallbackServerContext* context,
                                      const v1::GetDomainRequest* request,
                                      v1::Domain* response) override;
  grpc::ServerUnaryReactor* ListIndicators(grpc::CallbackServerContext* context,
                                           const v1::ListIndicatorsRequest* request,
                                           v1::ListIndicatorsResponse* response) override;
  grpc::ServerUnaryReactor* GetIndicator(grpc::CallbackServerContext* context,
                                         const v1::GetIndicatorRequest* request,
                                         v1::Indicator* response) override;
  grpc::ServerUnaryReactor* SearchIndicators(grpc::CallbackServerContext* context,
                                             const v1::SearchIndicatorsRequest* request,
                                             v1::SearchIndicatorsResponse* response) override;
  grpc::ServerUnaryReactor* ListCountries(grpc::CallbackServerContext* context,
                                          const v1::ListCountriesRequest* request,
                                          v1::ListCountriesResponse* response) override;
  grpc::ServerUnaryReactor* GetCountry(grpc::CallbackServerContext* context,
                                       const v1::GetCountryRequest* request,
                                       v1::Country* response) override;

 private:
  template <typename Response>
  grpc::ServerUnaryReactor* Respond(grpc::CallbackServerContext* context, Response* response,
                                    std::function<absl::StatusOr<Response>()> compute);

  Gauge* in_progress_ = nullptr;
  std::chrono::milliseconds response_delay_;
  Executor* executor_;
  CachedCatalog uncached_;
  const CachedCatalog* cached_ = nullptr;
  const CachedCatalog& Responses() const { return cached_ ? *cached_ : uncached_; }
};

}  // namespace mgi::catalog
