#include "services/report/cached_catalog_peer.h"

namespace mgi::report {

CachedCatalogPeer::CachedCatalogPeer(CatalogPeer* inner, std::chrono::milliseconds ttl, Clock clock)
    : inner_(inner), ttl_(ttl), clock_(clock ? std::move(clock) : [] {
        return std::chrono::steady_clock::now();
      }) {}

template <typename T, typename Fetch>
absl::StatusOr<T> CachedCatalogPeer::Get(std::map<std::string, Kept<T>>& map,
                                         const std::string& key, Fetch fetch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map.find(key);
    if (it != map.end() && clock_() < it->second.expires) return it->second.value;
  }
  absl::StatusOr<T> fresh = fetch();
  if (fresh.ok() && ttl_.count() > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    map.insert_or_assign(key, Kept<T>{*fresh, clock_() + ttl_});
  }
  return fresh;
}

absl::StatusOr<std::vector<mgi::catalog::v1::Domain>> CachedCatalogPeer::ListDomains(
    const std::string& language, const PeerCredentials& credentials) {
  return Get(domains_, language, [&] { return inner_->ListDomains(language, credentials); });
}

absl::StatusOr<mgi::catalog::v1::Framework> CachedCatalogPeer::GetFramework(
    const std::string& language, const PeerCredentials& credentials) {
  return Get(frameworks_, language, [&] { return inner_->GetFramework(language, credentials); });
}

absl::StatusOr<mgi::catalog::v1::Country> CachedCatalogPeer::GetCountry(
    const std::string& name, const std::string& language, const PeerCredentials& credentials) {
  return Get(countries_, name + "\n" + language,
             [&] { return inner_->GetCountry(name, language, credentials); });
}

}  // namespace mgi::report
