#include "clients/catalog/catalog_client.h"

#include <algorithm>

#include "services/common/status.h"

namespace mgi::clients {

namespace cv1 = mgi::catalog::v1;

namespace {

// Bounds the paging loop against a catalog that keeps answering with a next page.
constexpr size_t kMaxDomains = 1000;

int64_t SystemNowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CatalogRpcClient::CatalogRpcClient(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                                   std::chrono::milliseconds ttl, Now now)
    : stub_(cv1::CatalogService::NewStub(channel)),
      config_(std::move(config)),
      ttl_us_(std::chrono::duration_cast<std::chrono::microseconds>(ttl).count()),
      now_(now ? std::move(now) : Now(SystemNowMicros)) {}

template <typename T, typename F>
absl::StatusOr<T> CatalogRpcClient::Kept(Table<T>& table, const std::string& key, F fetch) {
  if (ttl_us_ <= 0) return fetch();
  int64_t now = now_();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table.find(key);
    if (it != table.end() && it->second.expires_us > now) return it->second.value;
  }
  absl::StatusOr<T> value = fetch();
  if (value.ok() || absl::IsNotFound(value.status())) {
    std::lock_guard<std::mutex> lock(mu_);
    table.insert_or_assign(key, Entry<T>{value, now + ttl_us_});
  }
  return value;
}

template <typename Req, typename Resp, typename Method>
absl::StatusOr<Resp> CatalogRpcClient::Call(Method method, const Req& request,
                                            const PeerCredentials& credentials) {
  grpc::ClientContext context;
  SetDeadline(context, config_);
  credentials.Attach(context);
  Resp response;
  grpc::Status status = (stub_.get()->*method)(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<std::vector<cv1::Domain>> CatalogRpcClient::ListDomains(
    const std::string& language, const PeerCredentials& credentials) {
  return Kept(domains_, language, [&]() -> absl::StatusOr<std::vector<cv1::Domain>> {
    std::vector<cv1::Domain> out;
    cv1::ListDomainsRequest request;
    request.set_language(language);
    request.set_page_size(100);
    do {
      auto page = Call<cv1::ListDomainsRequest, cv1::ListDomainsResponse>(
          &cv1::CatalogService::Stub::ListDomains, request, credentials);
      if (!page.ok()) return page.status();
      for (auto& d : *page->mutable_domains()) out.push_back(std::move(d));
      request.set_page_token(page->next_page_token());
    } while (!request.page_token().empty() && out.size() < kMaxDomains);
    std::stable_sort(out.begin(), out.end(), [](const cv1::Domain& a, const cv1::Domain& b) {
      return a.number() < b.number();
    });
    return out;
  });
}

absl::StatusOr<cv1::Framework> CatalogRpcClient::GetFramework(const std::string& language,
                                                              const PeerCredentials& credentials) {
  return Kept(frameworks_, language, [&] {
    cv1::GetFrameworkRequest request;
    request.set_language(language);
    return Call<cv1::GetFrameworkRequest, cv1::Framework>(&cv1::CatalogService::Stub::GetFramework,
                                                          request, credentials);
  });
}

absl::StatusOr<cv1::Country> CatalogRpcClient::GetCountry(const std::string& name,
                                                          const std::string& language,
                                                          const PeerCredentials& credentials) {
  return Kept(countries_, name + "|" + language, [&] {
    cv1::GetCountryRequest request;
    request.set_name(name);
    request.set_language(language);
    return Call<cv1::GetCountryRequest, cv1::Country>(&cv1::CatalogService::Stub::GetCountry,
                                                      request, credentials);
  });
}

absl::StatusOr<cv1::Indicator> CatalogRpcClient::GetIndicator(const std::string& name,
                                                              const PeerCredentials& credentials) {
  return Kept(indicators_, name, [&] {
    cv1::GetIndicatorRequest request;
    request.set_name(name);
    return Call<cv1::GetIndicatorRequest, cv1::Indicator>(&cv1::CatalogService::Stub::GetIndicator,
                                                          request, credentials);
  });
}

}  // namespace mgi::clients
