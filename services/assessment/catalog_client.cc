#include "services/assessment/catalog_client.h"

namespace mgi::assessment {

namespace cv1 = mgi::catalog::v1;

namespace {

// The catalog with one caller's credentials.
class CatalogSession final : public CatalogClient {
 public:
  CatalogSession(clients::CatalogRpcClient* rpc, PeerCredentials credentials)
      : rpc_(rpc), credentials_(std::move(credentials)) {}

  absl::StatusOr<CountryInfo> GetCountry(const std::string& name,
                                         const std::string& language) override {
    auto country = rpc_->GetCountry(name, language, credentials_);
    if (!country.ok()) return country.status();
    return CountryInfo{country->name(), country->official_name().empty()
                                            ? country->display_name()
                                            : country->official_name()};
  }

  absl::StatusOr<std::vector<std::string>> ListDomains() override {
    auto domains = rpc_->ListDomains("", credentials_);
    if (!domains.ok()) return domains.status();
    std::vector<std::string> names;
    for (const auto& d : *domains) names.push_back(d.name());
    return names;
  }

  absl::StatusOr<IndicatorInfo> GetIndicator(const std::string& name) override {
    auto ind = rpc_->GetIndicator(name, credentials_);
    if (!ind.ok()) return ind.status();
    IndicatorInfo info{ind->name(), ind->level(), {}};
    for (const auto& p : ind->scale()) info.scale.push_back(p.value());
    return info;
  }

 private:
  clients::CatalogRpcClient* rpc_;
  PeerCredentials credentials_;
};

}  // namespace

GrpcCatalogClient::GrpcCatalogClient(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                                     std::chrono::milliseconds ttl, Clock* clock)
    : rpc_(std::move(channel), std::move(config), ttl, [clock] { return clock->NowMicros(); }) {}

std::unique_ptr<CatalogClient> GrpcCatalogClient::Connect(const PeerCredentials& credentials) {
  return std::make_unique<CatalogSession>(&rpc_, credentials);
}

}  // namespace mgi::assessment
