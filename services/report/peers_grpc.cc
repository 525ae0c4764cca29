#include "report/peers_grpc.h"

#include "common/status.h"

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

GrpcCatalogPeer::GrpcCatalogPeer(std::shared_ptr<grpc::Channel> channel, ChannelConfig config)
    : stub_(cv1::CatalogService::NewStub(channel)), config_(std::move(config)) {}

absl::StatusOr<std::vector<cv1::Domain>> GrpcCatalogPeer::ListDomains(
    const std::string& language, const PeerCredentials& credentials) {
  std::vector<cv1::Domain> out;
  std::string token;
  do {
    grpc::ClientContext context;
    SetDeadline(context, config_);
    credentials.Attach(context);
    cv1::ListDomainsRequest request;
    request.set_language(language);
    request.set_page_size(100);
    request.set_page_token(token);
    cv1::ListDomainsResponse response;
    grpc::Status status = stub_->ListDomains(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    for (auto& d : *response.mutable_domains()) out.push_back(std::move(d));
    token = response.next_page_token();
  } while (!token.empty() && out.size() < 1000);
  return out;
}

absl::StatusOr<cv1::Framework> GrpcCatalogPeer::GetFramework(const std::string& language,
                                                              const PeerCredentials& credentials) {
  grpc::ClientContext context;
  SetDeadline(context, config_);
  credentials.Attach(context);
  cv1::GetFrameworkRequest request;
  request.set_language(language);
  cv1::Framework framework;
  grpc::Status status = stub_->GetFramework(&context, request, &framework);
  if (!status.ok()) return FromGrpcStatus(status);
  return framework;
}

absl::StatusOr<cv1::Country> GrpcCatalogPeer::GetCountry(const std::string& name,
                                                         const std::string& language,
                                                         const PeerCredentials& credentials) {
  grpc::ClientContext context;
  SetDeadline(context, config_);
  credentials.Attach(context);
  cv1::GetCountryRequest request;
  request.set_name(name);
  request.set_language(language);
  cv1::Country country;
  grpc::Status status = stub_->GetCountry(&context, request, &country);
  if (!status.ok()) return FromGrpcStatus(status);
  return country;
}

}  // namespace mgi::report
