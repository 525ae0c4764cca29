#include "services/report/peers_grpc.h"

#include "services/common/status.h"

namespace mgi::report {

namespace av1 = mgi::assessment::v1;
namespace cv1 = mgi::catalog::v1;

GrpcAssessmentPeer::GrpcAssessmentPeer(std::shared_ptr<grpc::Channel> channel, ChannelConfig config)
    : stub_(av1::AssessmentService::NewStub(channel)), config_(std::move(config)) {}

absl::StatusOr<av1::Profile> GrpcAssessmentPeer::GetProfile(const std::string& name,
                                                            const std::string& language,
                                                            const PeerCredentials& credentials) {
  grpc::ClientContext context;
  SetDeadline(context, config_);
  credentials.Attach(context);
  av1::GetProfileRequest request;
  request.set_name(name);
  request.set_language(language);
  av1::Profile profile;
  grpc::Status status = stub_->GetProfile(&context, request, &profile);
  if (!status.ok()) return FromGrpcStatus(status);
  return profile;
}

absl::StatusOr<av1::CompareProfilesResponse> GrpcAssessmentPeer::CompareProfiles(
    const std::string& name, const std::string& other, const std::string& language,
    const PeerCredentials& credentials) {
  grpc::ClientContext context;
  SetDeadline(context, config_);
  credentials.Attach(context);
  av1::CompareProfilesRequest request;
  request.set_name(name);
  request.set_other(other);
  request.set_language(language);
  av1::CompareProfilesResponse response;
  grpc::Status status = stub_->CompareProfiles(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

GrpcCatalogPeer::GrpcCatalogPeer(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                                 std::chrono::milliseconds ttl)
    : rpc_(std::move(channel), std::move(config), ttl) {}

absl::StatusOr<std::vector<cv1::Domain>> GrpcCatalogPeer::ListDomains(
    const std::string& language, const PeerCredentials& credentials) {
  return rpc_.ListDomains(language, credentials);
}

absl::StatusOr<cv1::Framework> GrpcCatalogPeer::GetFramework(const std::string& language,
                                                              const PeerCredentials& credentials) {
  return rpc_.GetFramework(language, credentials);
}

absl::StatusOr<cv1::Country> GrpcCatalogPeer::GetCountry(const std::string& name,
                                                         const std::string& language,
                                                         const PeerCredentials& credentials) {
  return rpc_.GetCountry(name, language, credentials);
}

}  // namespace mgi::report
