#include "services/assessment/catalog_client.h"

#include "common/status.h"

namespace mgi::assessment {

namespace cat = mgi::catalog::v1;

GrpcCatalogClient::GrpcCatalogClient(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                                     std::chrono::milliseconds ttl, Clock* clock)
    : stub_(cat::CatalogService::NewStub(channel)),
      config_(std::move(config)),
      ttl_us_(std::chrono::duration_cast<std::chrono::microseconds>(ttl).count()),
      clock_(clock) {}

template <typename T, typename F>
absl::StatusOr<T> GrpcCatalogClient::Cached(std::map<std::string, Entry<T>>& cache,
                                            const std::string& key, F fetch) {
  int64_t now = clock_->NowMicros();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache.find(key);
    if (it != cache.end() && it->second.expires_us > now) return it->second.value;
  }
  absl::StatusOr<T> value = fetch();
  // Answers are cached, NOT_FOUND included; transport failures are not.
  if (value.ok() || absl::IsNotFound(value.status())) {
    std::lock_guard<std::mutex> lock(mu_);
    cache.insert_or_assign(key, Entry<T>{value, now + ttl_us_});
  }
  return value;
}

namespace {

// The catalog with one caller's credentials.
class CatalogSession final : public CatalogClient {
 public:
  CatalogSession(GrpcCatalogClient* client, PeerCredentials credentials)
      : client_(client), credentials_(std::move(credentials)) {}
  absl::StatusOr<CountryInfo> GetCountry(const std::string& name,
                                         const std::string& language) override {
    return client_->GetCountry(name, language, credentials_);
  }
  absl::StatusOr<std::vector<std::string>> ListDomains() override {
    return client_->ListDomains(credentials_);
  }
  absl::StatusOr<IndicatorInfo> GetIndicator(const std::string& name) override {
    return client_->GetIndicator(name, credentials_);
  }

 private:
  GrpcCatalogClient* client_;
  PeerCredentials credentials_;
};

}  // namespace

std::unique_ptr<CatalogClient> GrpcCatalogClient::Connect(const PeerCredentials& credentials) {
  return std::make_unique<CatalogSession>(this, credentials);
}

absl::StatusOr<CountryInfo> GrpcCatalogClient::GetCountry(const std::string& name,
                                                          const std::string& language,
                                                          const PeerCredentials& credentials) {
  return Cached<CountryInfo>(countries_, name + "|" + language,
                             [&]() -> absl::StatusOr<CountryInfo> {
                               grpc::ClientContext ctx;
                               SetDeadline(ctx, config_);
                               credentials.Attach(ctx);
                               cat::GetCountryRequest req;
                               req.set_name(name);
                               req.set_language(language);
                               cat::Country country;
                               grpc::Status s = stub_->GetCountry(&ctx, req, &country);
                               if (!s.ok()) return FromGrpcStatus(s);
                               return CountryInfo{country.name(),
                                                  country.official_name().empty()
                                                      ? country.display_name()
                                                      : country.official_name(),
                                                  country.display_name()};
                             });
}

absl::StatusOr<std::vector<std::string>> GrpcCatalogClient::ListDomains(
    const PeerCredentials& credentials) {
  return Cached<std::vector<std::string>>(domains_, "",
                                          [&]() -> absl::StatusOr<std::vector<std::string>> {
                                            std::vector<std::pair<int, std::string>> numbered;
                                            std::string token;
                                            do {
                                              grpc::ClientContext ctx;
                                              SetDeadline(ctx, config_);
                                              credentials.Attach(ctx);
                                              cat::ListDomainsRequest req;
                                              req.set_page_token(token);
                                              cat::ListDomainsResponse resp;
                                              grpc::Status s = stub_->ListDomains(&ctx, req, &resp);
                                              if (!s.ok()) return FromGrpcStatus(s);
                                              for (const auto& d : resp.domains())
                                                numbered.emplace_back(d.number(), d.name());
                                              token = resp.next_page_token();
                                            } while (!token.empty());
                                            std::sort(numbered.begin(), numbered.end());
                                            std::vector<std::string> names;
                                            for (auto& [n, name] : numbered) names.push_back(name);
                                            return names;
                                          });
}

absl::StatusOr<IndicatorInfo> GrpcCatalogClient::GetIndicator(
    const std::string& name, const PeerCredentials& credentials) {
  return Cached<IndicatorInfo>(indicators_, name, [&]() -> absl::StatusOr<IndicatorInfo> {
    grpc::ClientContext ctx;
    SetDeadline(ctx, config_);
    credentials.Attach(ctx);
    cat::GetIndicatorRequest req;
    req.set_name(name);
    cat::Indicator ind;
    grpc::Status s = stub_->GetIndicator(&ctx, req, &ind);
    if (!s.ok()) return FromGrpcStatus(s);
    IndicatorInfo info{ind.name(), ind.level(), {}};
    for (const auto& p : ind.scale()) info.scale.push_back(p.value());
    return info;
  });
}

}  // namespace mgi::assessment
