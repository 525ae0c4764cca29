// gRPC implementations of the peer interfaces, each call with the configured deadline and the
// credentials it is given (the caller's, forwarded; see common/peer_auth.h).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "clients/catalog/catalog_client.h"
#include "services/common/channel.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "services/report/peers.h"

namespace mgi::report {

class GrpcAssessmentPeer final : public AssessmentPeer {
 public:
  GrpcAssessmentPeer(std::shared_ptr<grpc::Channel> channel, ChannelConfig config);
  absl::StatusOr<mgi::assessment::v1::Profile> GetProfile(
      const std::string& name, const std::string& language,
      const PeerCredentials& credentials) override;
  absl::StatusOr<mgi::assessment::v1::CompareProfilesResponse> CompareProfiles(
      const std::string& name, const std::string& other, const std::string& language,
      const PeerCredentials& credentials) override;

 private:
  std::unique_ptr<mgi::assessment::v1::AssessmentService::Stub> stub_;
  ChannelConfig config_;
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
