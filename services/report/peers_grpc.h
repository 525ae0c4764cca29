// gRPC implementations of the peer interfaces, each call with the configured deadline and the
// credentials it is given (the caller's, forwarded; see common/peer_auth.h).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "clients/catalog/catalog_client.h"
#include "services/common/channel.h"
#include "services/common/metrics.h"
#include "services/common/near_cache.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "services/report/peers.h"

namespace mgi::report {

// Profiles the assessment gave a version (published and archived ones) are kept by name and
// language (`kept`, bounded) and revalidated (common/revalidation.h): the next GetProfile sends
// the kept version as `if-none-match`, the assessment checks the caller's access as for any call
// and answers "not modified" without the profile, and the kept copy is used. Any other answer
// replaces it, so a kept copy is never used after a write (docs/performance.md).
class GrpcAssessmentPeer final : public AssessmentPeer {
 public:
  GrpcAssessmentPeer(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                     NearCache::Options kept = {.max_entries = 128, .max_bytes = 8 << 20},
                     MetricsRegistry* metrics = nullptr);
  // Waits for GetProfileAsync: for executor threads and tests, never a gRPC callback thread
  // (gRPC may complete the call on that very thread).
  absl::StatusOr<std::shared_ptr<const FetchedProfile>> GetProfile(
      const std::string& name, const std::string& language,
      const PeerCredentials& credentials) override;
  // gRPC's callback API: no thread waits for the answer.
  void GetProfileAsync(const std::string& name, const std::string& language,
                       const PeerCredentials& credentials,
                       std::chrono::system_clock::time_point deadline, ProfileDone done) override;
  absl::StatusOr<std::shared_ptr<const FetchedComparison>> CompareProfiles(
      const std::string& name, const std::string& other, const std::string& language,
      const PeerCredentials& credentials) override;

 private:
  struct ProfileCall;
  // Sends `call` (with its kept version, if any); its answer goes to Answered.
  void Send(std::unique_ptr<ProfileCall> call);
  void Answered(std::unique_ptr<ProfileCall> call, const grpc::Status& status);
  std::unique_ptr<mgi::assessment::v1::AssessmentService::Stub> stub_;
  ChannelConfig config_;
  NearCacheOf<FetchedProfile> kept_;  // by "name\nlanguage", under the assessment's version
};

class GrpcCatalogPeer final : public CatalogPeer {
 public:
  // The catalog's answers (domains, framework, a country, per language) are kept for `ttl`
  // (0: none): its data is immutable for a deployment, and its calls were most of a report's
  // latency (docs/performance.md). Reading the catalog needs the same permission the report's own
  // method declares, checked on every call first, so one caller's answer may serve another.
  GrpcCatalogPeer(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                  std::chrono::milliseconds ttl = std::chrono::milliseconds(0));
  absl::StatusOr<std::vector<mgi::catalog::v1::Domain>> ListDomains(
      const std::string& language, const PeerCredentials& credentials) override;
  absl::StatusOr<mgi::catalog::v1::Framework> GetFramework(
      const std::string& language, const PeerCredentials& credentials) override;
  absl::StatusOr<mgi::catalog::v1::Country> GetCountry(
      const std::string& name, const std::string& language,
      const PeerCredentials& credentials) override;

 private:
  clients::CatalogRpcClient rpc_;
};

}  // namespace mgi::report
