// The catalog's answers a rendering needs (domains, framework, a country, per language), kept in
// process for `ttl`: the catalog's data is immutable for a deployment, and three gRPC calls per
// report were most of a report's latency (docs/performance.md). Errors are never kept. Whether a
// caller may read the catalog is the same permission (read-published) the report's own method
// declares, checked on every call before this runs, so one caller's answer may serve another.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "services/report/peers.h"

namespace mgi::report {

class CachedCatalogPeer final : public CatalogPeer {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // `inner` must outlive this. `ttl` 0: nothing kept.
  CachedCatalogPeer(CatalogPeer* inner, std::chrono::milliseconds ttl, Clock clock = {});

  absl::StatusOr<std::vector<mgi::catalog::v1::Domain>> ListDomains(
      const std::string& language, const PeerCredentials& credentials) override;
  absl::StatusOr<mgi::catalog::v1::Framework> GetFramework(
      const std::string& language, const PeerCredentials& credentials) override;
  absl::StatusOr<mgi::catalog::v1::Country> GetCountry(const std::string& name,
                                                       const std::string& language,
                                                       const PeerCredentials& credentials) override;

 private:
  template <typename T>
  struct Kept {
    T value;
    std::chrono::steady_clock::time_point expires;
  };
  template <typename T, typename Fetch>
  absl::StatusOr<T> Get(std::map<std::string, Kept<T>>& map, const std::string& key, Fetch fetch);

  CatalogPeer* inner_;
  std::chrono::milliseconds ttl_;
  Clock clock_;
  std::mutex mu_;
  std::map<std::string, Kept<std::vector<mgi::catalog::v1::Domain>>> domains_;
  std::map<std::string, Kept<mgi::catalog::v1::Framework>> frameworks_;
  std::map<std::string, Kept<mgi::catalog::v1::Country>> countries_;
};

}  // namespace mgi::report
