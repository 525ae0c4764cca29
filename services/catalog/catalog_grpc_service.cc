#include "services/catalog/catalog_grpc_service.h"

#include <thread>

#include "services/common/revalidation.h"

namespace mgi::catalog {

void RegisterCatalogFlags(Config& config, CatalogOptions* options) {
  config.String("data-dir", &options->data_dir,
                "Catalog data: framework.json and indicators/*.json");
  config.String("iso-codes-dir", &options->iso_codes_dir,
                "Directory of iso-codes' iso_3166-1.json");
  config.String("locale-dir", &options->locale_dir,
                "Directory of <lang>/LC_MESSAGES/iso_3166-1.mo");
  config.List("country-languages", &options->country_languages,
              "Country-name translations to load, e.g. fr,es (empty: all found)");
}

CatalogGrpcService::CatalogGrpcService(const Catalog* catalog, MetricsRegistry* metrics,
                                       std::chrono::milliseconds response_delay, Executor* executor)
    : response_delay_(response_delay),
      executor_(executor),
      uncached_(catalog, nullptr, "") {
  if (metrics) {
    in_progress_ = metrics->GetGauge("mgi_catalog_requests_in_progress",
                                     "Catalog RPCs being handled right now");
  }
}

template <typename Response>
grpc::ServerUnaryReactor* CatalogGrpcService::Respond(
    grpc::CallbackServerContext* context, Response* response,
    std::function<absl::StatusOr<Response>()> compute) {
  // Access (read-published, declared in the contract) is checked before any body runs.
  // Revalidation (common/revalidation.h): the data is immutable, so the data version is the
  // version of every answer; a caller that holds this request's answer is told "not modified".
  const std::string& version = Responses().data_version();
  auto body = [context, &version, response,
               compute = std::move(compute)](const CallContext&) -> absl::Status {
    if (!version.empty()) {
      if (IfNoneMatch(*context) == version) {
        SetNotModified(context, version);
        return absl::OkStatus();  // an empty message
      }
      SetVersion(context, version);
    }
    auto result = compute();
    if (!result.ok()) return result.status();
    *response = std::move(*result);
    return absl::OkStatus();
  };
  bool may_block = cached_ != nullptr && cached_->caching() && executor_ != nullptr;
  if (may_block && response_delay_.count() == 0) return Offload(context, *executor_, body);
  if (response_delay_.count() == 0 || executor_ == nullptr) return Serve(context, body);
  // Testing only: hold the response on the executor so that calls are observably in flight.
  if (in_progress_) in_progress_->Add(1);
  return Offload(context, *executor_, [this, body](const CallContext& call) {
    std::this_thread::sleep_for(response_delay_);
    absl::Status status = body(call);
    if (in_progress_) in_progress_->Add(-1);
    return status;
  });
}

grpc::ServerUnaryReactor* CatalogGrpcService::GetFramework(grpc::CallbackServerContext* context,
                                                           const v1::GetFrameworkRequest* request,
                                                           v1::Framework* response) {
  return Respond<v1::Framework>(context, response,
                                [this, request] { return Responses().GetFramework(*request); });
}

grpc::ServerUnaryReactor* CatalogGrpcService::ListDomains(grpc::CallbackServerContext* context,
                                                          const v1::ListDomainsRequest* request,
                                                          v1::ListDomainsResponse* response) {
  return Respond<v1::ListDomainsResponse>(
      context, response, [this, request] { return Responses().ListDomains(*request); });
}

grpc::ServerUnaryReactor* CatalogGrpcService::GetDomain(grpc::CallbackServerContext* context,
                                                        const v1::GetDomainRequest* request,
                                                        v1::Domain* response) {
  return Respond<v1::Domain>(context, response,
                             [this, request] { return Responses().GetDomain(*request); });
}

grpc::ServerUnaryReactor* CatalogGrpcService::ListIndicators(
    grpc::CallbackServerContext* context, const v1::ListIndicatorsRequest* request,
    v1::ListIndicatorsResponse* response) {
  return Respond<v1::ListIndicatorsResponse>(
      context, response, [this, request] { return Responses().ListIndicators(*request); });
}

grpc::ServerUnaryReactor* CatalogGrpcService::GetIndicator(grpc::CallbackServerContext* context,
                                                           const v1::GetIndicatorRequest* request,
                                                           v1::Indicator* response) {
  return Respond<v1::Indicator>(context, response,
                                [this, request] { return Responses().GetIndicator(*request); });
}

grpc::ServerUnaryReactor* CatalogGrpcService::SearchIndicators(
    grpc::CallbackServerContext* context, const v1::SearchIndicatorsRequest* request,
    v1::SearchIndicatorsResponse* response) {
  return Respond<v1::SearchIndicatorsResponse>(
      context, response, [this, request] { return Responses().SearchIndicators(*request); });
}

grpc::ServerUnaryReactor* CatalogGrpcService::ListCountries(grpc::CallbackServerContext* context,
                                                            const v1::ListCountriesRequest* request,
                                                            v1::ListCountriesResponse* response) {
  return Respond<v1::ListCountriesResponse>(
      context, response, [this, request] { return Responses().ListCountries(*request); });
}

grpc::ServerUnaryReactor* CatalogGrpcService::GetCountry(grpc::CallbackServerContext* context,
                                                         const v1::GetCountryRequest* request,
                                                         v1::Country* response) {
  return Respond<v1::Country>(context, response,
                              [this, request] { return Responses().GetCountry(*request); });
}

}  // namespace mgi::catalog
