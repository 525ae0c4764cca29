#include "services/assessment/assessment_grpc_service.h"

namespace mgi::assessment {
namespace {

// Copies an OK result into the response, or returns the error.
template <typename T>
absl::Status Answer(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = std::move(*result);
  return absl::OkStatus();
}

}  // namespace

std::string ActorOf(const grpc::CallbackServerContext* context) {
  const auto& md = context->client_metadata();
  auto it = md.find("x-mgi-actor");
  if (it == md.end() || it->second.empty()) return "anonymous";
  return std::string(it->second.data(), std::min<size_t>(it->second.size(), 128));
}

#define MGI_READ(Method, Req, Resp)                                                      \
  grpc::ServerUnaryReactor* AssessmentGrpcService::Method(grpc::CallbackServerContext* c, \
                                                          const Req* req, Resp* resp) {   \
    return Offload(c, *executor_, [this, req, resp] { return Answer(manager_->Method(*req), resp); }); \
  }
#define MGI_WRITE(Method, Req, Resp)                                                     \
  grpc::ServerUnaryReactor* AssessmentGrpcService::Method(grpc::CallbackServerContext* c, \
                                                          const Req* req, Resp* resp) {   \
    std::string actor = ActorOf(c);                                                       \
    return Offload(c, *executor_, [this, req, resp, actor] {                              \
      return Answer(manager_->Method(*req, actor), resp);                                 \
    });                                                                                   \
  }

MGI_READ(ListProfiles, av1::ListProfilesRequest, av1::ListProfilesResponse)
MGI_READ(GetProfile, av1::GetProfileRequest, av1::Profile)
MGI_WRITE(CreateProfile, av1::CreateProfileRequest, av1::Profile)
MGI_WRITE(UpdateProfile, av1::UpdateProfileRequest, av1::Profile)
MGI_WRITE(PublishProfile, av1::PublishProfileRequest, av1::Profile)
MGI_WRITE(ArchiveProfile, av1::ArchiveProfileRequest, av1::Profile)
MGI_WRITE(StartNewEdition, av1::StartNewEditionRequest, av1::Profile)
MGI_READ(ListRevisions, av1::ListRevisionsRequest, av1::ListRevisionsResponse)
MGI_READ(GetRevision, av1::GetRevisionRequest, av1::Revision)
MGI_READ(CompareProfiles, av1::CompareProfilesRequest, av1::CompareProfilesResponse)
MGI_WRITE(ImportProfiles, av1::ImportProfilesRequest, av1::ImportProfilesResponse)
MGI_READ(ExportProfiles, av1::ExportProfilesRequest, av1::ProfileDocument)

grpc::ServerUnaryReactor* AssessmentGrpcService::DeleteProfile(
    grpc::CallbackServerContext* c, const av1::DeleteProfileRequest* req,
    google::protobuf::Empty*) {
  std::string actor = ActorOf(c);
  return Offload(c, *executor_, [this, req, actor] { return manager_->DeleteProfile(*req, actor); });
}

}  // namespace mgi::assessment
