// What the assessment service needs from the catalog, as a small seam: the gRPC implementation
// (with a short TTL cache) is GrpcCatalogClient; unit tests use a fake.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/channel.h"
#include "common/peer_auth.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"
#include "services/assessment/clock.h"

namespace mgi::assessment {

struct CountryInfo {
  std::string name;           // "countries/GTM"
  std::string official_name;  // in the language asked for, e.g. "Republic of Guatemala"
  std::string display_name;   // the short name, e.g. "Guatemala" (empty: use official_name)
};

struct IndicatorInfo {
  std::string name;  // "indicators/n-1-01"
  mgi::catalog::v1::Level level = mgi::catalog::v1::LEVEL_UNSPECIFIED;
  std::vector<mgi::catalog::v1::ScaleValue> scale;
};

// The catalog as one caller sees it: every call carries that caller's credentials (see
// CatalogConnector). Profile rules take this interface.
class CatalogClient {
 public:
  virtual ~CatalogClient() = default;
  // NOT_FOUND when the catalog does not know the country; UNAVAILABLE and others pass through.
  virtual absl::StatusOr<CountryInfo> GetCountry(const std::string& name,
                                                 const std::string& language) = 0;
  // The six domains' resource names in catalog order.
  virtual absl::StatusOr<std::vector<std::string>> ListDomains() = 0;
  // NOT_FOUND when the catalog does not know the indicator.
  virtual absl::StatusOr<IndicatorInfo> GetIndicator(const std::string& name) = 0;
};

// Opens the catalog for one caller: there is no catalog access without credentials, so a peer
// call made outside a caller's scope does not compile.
class CatalogConnector {
 public:
  virtual ~CatalogConnector() = default;
  virtual std::unique_ptr<CatalogClient> Connect(const PeerCredentials& credentials) = 0;
};

// Calls mgi.catalog.v1.CatalogService with per-call deadlines and keeps what it answers
// (NOT_FOUND included) for `ttl`. Thread-safe.
class GrpcCatalogClient final : public CatalogConnector {
 public:
  GrpcCatalogClient(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                    std::chrono::milliseconds ttl, Clock* clock);
  std::unique_ptr<CatalogClient> Connect(const PeerCredentials& credentials) override;
  absl::StatusOr<CountryInfo> GetCountry(const std::string& name, const std::string& language,
                                         const PeerCredentials& credentials);
  absl::StatusOr<std::vector<std::string>> ListDomains(const PeerCredentials& credentials);
  absl::StatusOr<IndicatorInfo> GetIndicator(const std::string& name,
                                             const PeerCredentials& credentials);

 private:
  template <typename T>
  struct Entry {
    absl::StatusOr<T> value;
    int64_t expires_us;
  };
  template <typename T, typename F>
  absl::StatusOr<T> Cached(std::map<std::string, Entry<T>>& cache, const std::string& key, F fetch);
  std::unique_ptr<mgi::catalog::v1::CatalogService::Stub> stub_;
  ChannelConfig config_;
  int64_t ttl_us_;
  Clock* clock_;
  std::mutex mu_;
  std::map<std::string, Entry<CountryInfo>> countries_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Entry<std::vector<std::string>>> domains_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Entry<IndicatorInfo>> indicators_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mgi::assessment
