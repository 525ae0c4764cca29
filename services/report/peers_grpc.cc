#include "services/report/peers_grpc.h"

#include <algorithm>
#include <future>

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

// One GetProfile: what it asks, what it holds, and where the answer goes.
struct GrpcAssessmentPeer::ProfileCall {
  std::string key;  // "name\nlanguage"
  av1::GetProfileRequest request;
  PeerCredentials credentials = PeerCredentials::Anonymous();
  std::string held_version;
  std::shared_ptr<const FetchedProfile> held;  // sent as if-none-match when not null
  ProfileDone done;
  std::chrono::system_clock::time_point deadline;  // of every attempt
  int attempt = 0;
  grpc::ClientContext context;
  av1::Profile response;
};

absl::StatusOr<std::shared_ptr<const FetchedProfile>> GrpcAssessmentPeer::GetProfile(
    const std::string& name, const std::string& language, const PeerCredentials& credentials) {
  auto answer =
      std::make_shared<std::promise<absl::StatusOr<std::shared_ptr<const FetchedProfile>>>>();
  auto future = answer->get_future();
  GetProfileAsync(name, language, credentials, std::chrono::system_clock::time_point::max(),
                  [answer](absl::StatusOr<std::shared_ptr<const FetchedProfile>> result) {
                    answer->set_value(std::move(result));
                  });
  return future.get();
}

void GrpcAssessmentPeer::GetProfileAsync(const std::string& name, const std::string& language,
                                         const PeerCredentials& credentials,
                                         std::chrono::system_clock::time_point deadline,
                                         ProfileDone done) {
  auto call = std::make_unique<ProfileCall>();
  call->deadline = std::min(std::chrono::system_clock::now() + config_.deadline, deadline);
  call->key = absl::StrCat(name, "\n", language);
  call->request.set_name(name);
  call->request.set_language(language);
  call->credentials = credentials;
  call->held = kept_.Latest(call->key, &call->held_version);
  call->done = std::move(done);
  Send(std::move(call));
}

void GrpcAssessmentPeer::Send(std::unique_ptr<ProfileCall> call) {
  call->context.set_deadline(call->deadline);
  call->credentials.Attach(call->context);
  if (call->held != nullptr) call->context.AddMetadata(kIfNoneMatchMetadata, call->held_version);
  ProfileCall* raw = call.release();
  stub_->async()->GetProfile(&raw->context, &raw->request, &raw->response,
                             [this, raw](grpc::Status status) {
                               Answered(std::unique_ptr<ProfileCall>(raw), status);
                             });
}

void GrpcAssessmentPeer::Answered(std::unique_ptr<ProfileCall> call, const grpc::Status& status) {
  if (!status.ok()) return call->done(FromGrpcStatus(status));
  std::string version = InitialMetadata(call->context, kVersionMetadata);
  if (!InitialMetadata(call->context, kNotModifiedMetadata).empty()) {
    if (call->held != nullptr && version == call->held_version) {
      auto hit = kept_.Find(call->key, version);  // counts the hit, keeps the entry recent
      return call->done(hit != nullptr ? hit : call->held);
    }
    if (call->attempt > 0) {
      return call->done(absl::UnavailableError(
          "the assessment service answered \"not modified\" to a request without a version"));
    }
    // "Not modified" for a copy no longer held: asked again, without a version (a ClientContext
    // serves one call only).
    auto again = std::make_unique<ProfileCall>();
    again->key = std::move(call->key);
    again->request = std::move(call->request);
    again->credentials = std::move(call->credentials);
    again->done = std::move(call->done);
    again->deadline = call->deadline;
    again->attempt = call->attempt + 1;
    return Send(std::move(again));
  }
  auto fetched = MakeDigested(std::move(call->response));
  if (version.empty()) {
    kept_.Erase(call->key);  // a draft now (or no version): nothing to keep
  } else {
    kept_.Put(call->key, version, fetched, fetched->message.ByteSizeLong());
  }
  call->done(std::move(fetched));
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
