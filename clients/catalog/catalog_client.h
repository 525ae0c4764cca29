// The one client of mgi.catalog.v1.CatalogService: each call with the configured deadline and the
// credentials it is given (the end caller's, forwarded; see common/peer_auth.h), every page of a
// list, and optionally the answers kept for a TTL (catalog data changes only with a deployment).
// It uses the catalog's generated protos only, never its code. Thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "services/common/channel.h"
#include "services/common/peer_auth.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"

namespace mgi::clients {

class CatalogRpcClient {
 public:
  // Microseconds since the Unix epoch; the TTL's clock (tests pass their own).
  using Now = std::function<int64_t()>;

  // With `ttl` zero nothing is kept; otherwise answers (NOT_FOUND included, transport failures
  // not) are kept for `ttl`, keyed by request: they do not depend on the caller's credentials,
  // which the catalog checks only to let a call in.
  CatalogRpcClient(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                   std::chrono::milliseconds ttl = std::chrono::milliseconds(0), Now now = {});

  // Every domain, in catalog order (by number).
  absl::StatusOr<std::vector<mgi::catalog::v1::Domain>> ListDomains(
      const std::string& language, const PeerCredentials& credentials);
  absl::StatusOr<mgi::catalog::v1::Framework> GetFramework(const std::string& language,
                                                           const PeerCredentials& credentials);
  // NOT_FOUND when the catalog does not know the country.
  absl::StatusOr<mgi::catalog::v1::Country> GetCountry(const std::string& name,
                                                       const std::string& language,
                                                       const PeerCredentials& credentials);
  // NOT_FOUND when the catalog does not know the indicator.
  absl::StatusOr<mgi::catalog::v1::Indicator> GetIndicator(const std::string& name,
                                                           const PeerCredentials& credentials);

 private:
  template <typename T>
  struct Entry {
    absl::StatusOr<T> value;
    int64_t expires_us;
  };
  template <typename T>
  using Table = std::map<std::string, Entry<T>>;
  template <typename T, typename F>
  absl::StatusOr<T> Kept(Table<T>& table, const std::string& key, F fetch);
  // A unary call with the deadline and `credentials`.
  template <typename Req, typename Resp, typename Method>
  absl::StatusOr<Resp> Call(Method method, const Req& request, const PeerCredentials& credentials);

  std::unique_ptr<mgi::catalog::v1::CatalogService::Stub> stub_;
  ChannelConfig config_;
  int64_t ttl_us_;
  Now now_;
  std::mutex mu_;
  Table<std::vector<mgi::catalog::v1::Domain>> domains_ ABSL_GUARDED_BY(mu_);
  Table<mgi::catalog::v1::Framework> frameworks_ ABSL_GUARDED_BY(mu_);
  Table<mgi::catalog::v1::Country> countries_ ABSL_GUARDED_BY(mu_);
  Table<mgi::catalog::v1::Indicator> indicators_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mgi::clients
