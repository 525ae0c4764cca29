#include "services/report/peers_grpc.h"

#include "absl/strings/str_cat.h"
#include "services/common/revalidation.h"
#include "services/common/status.h"

namespace mgi::report {

namespace av1 = mgi::assessment::v1;
namespace cv1 = mgi::catalog::v1;

GrpcAssessmentPeer::GrpcAssessmentPeer(std::shared_ptr<grpc::Channel> channel, ChannelConfig config,
                                       NearCache::Options kept, MetricsRegistry* metrics)
    : stub_(av1::AssessmentService::NewStub(channel)),
      config_(std::move(config)),
      kept_(kept, metrics, "report_profiles") {}

namespace {

std::string InitialMetadata(const grpc::ClientContext& context, const char* key) {
  const auto& metadata = context.GetServerInitialMetadata();
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<std::shared_ptr<const FetchedProfile>> GrpcAssessmentPeer::GetProfile(
    const std::string& name, const std::string& language, const PeerCredentials& credentials) {
  const std::string key = absl::StrCat(name, "\n", language);
  std::string held_version;
  std::shared_ptr<const FetchedProfile> held = kept_.Latest(key, &held_version);
  av1::GetProfileRequest request;
  request.set_name(name);
  request.set_language(language);
  // At most twice: a "not modified" for a copy no longer held (or of another version) is asked
  // again without a version.
  for (int attempt = 0; attempt < 2; ++attempt) {
    grpc::ClientContext context;
    SetDeadline(context, config_);
    credentials.Attach(context);
    if (held != nullptr) context.AddMetadata(kIfNoneMatchMetadata, held_version);
    av1::Profile profile;
    grpc::Status status = stub_->GetProfile(&context, request, &profile);
    if (!status.ok()) return FromGrpcStatus(status);
    std::string version = InitialMetadata(context, kVersionMetadata);
    if (!InitialMetadata(context, kNotModifiedMetadata).empty()) {
      if (held != nullptr && version == held_version) {
        auto hit = kept_.Find(key, version);  // counts the hit, keeps the entry recent
        return hit != nullptr ? hit : held;
      }
      held = nullptr;
      continue;
    }
    auto fetched = MakeDigested(std::move(profile));
    if (version.empty()) {
      kept_.Erase(key);  // a draft now (or no version): nothing to keep
    } else {
      kept_.Put(key, version, fetched, fetched->message.ByteSizeLong());
    }
    return fetched;
  }
  return absl::UnavailableError("the assessment service answered \"not modified\" to a request "
                                "without a version");
}

absl::StatusOr<std::shared_ptr<const FetchedComparison>> GrpcAssessmentPeer::CompareProfiles(
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
  return MakeDigested(std::move(response));
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
