// What the assessment service needs from the catalog, as a small seam: the gRPC implementation
// (with a short TTL cache) is GrpcCatalogClient; unit tests use a fake.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mgi/catalog/v1/resources.pb.h"
#include "clients/catalog/catalog_client.h"
#include "services/common/channel.h"
#include "services/common/peer_auth.h"
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

// The catalog over gRPC, through the suite's one catalog client (clients/catalog), which keeps
// what it answers (NOT_FOUND included) for `ttl`. Thread-safe.
class GrpcCatalogClient final : public CatalogConnector {
 public:
  GrpcCatalogClient(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                    std::chrono::milliseconds ttl, Clock* clock);
  std::unique_ptr<CatalogClient> Connect(const PeerCredentials& credentials) override;

 private:
  clients::CatalogRpcClient rpc_;
};

}  // namespace mgi::assessment
