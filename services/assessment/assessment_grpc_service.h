// The thin gRPC adapter of AssessmentService: every handler offloads to the executor, calls
// ProfileManager and copies the answer.
#pragma once

#include <optional>
#include <string>

#include "common/auth.h"
#include "common/executor.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "services/assessment/profile_manager.h"

namespace mgi::assessment {

// The filter a caller who may not read drafts lists or exports with: its own when it names a
// state other than DRAFT, narrowed with `state = PUBLISHED` when it names none; nullopt when it
// asks for drafts. (An unparsable filter is returned as is, for the manager to report.)
std::optional<std::string> PublishedOnlyFilter(const std::string& filter);

// Every call is authenticated and checked against the access policy (common/auth.h); the actor
// of every change is the principal of the caller's token.
class AssessmentGrpcService final : public av1::AssessmentService::CallbackService {
 public:
  AssessmentGrpcService(ProfileManager* manager, Executor* executor, const Authorizer* authorizer)
      : manager_(manager), executor_(executor), authorizer_(authorizer) {}

  grpc::ServerUnaryReactor* ListProfiles(grpc::CallbackServerContext* c,
                                         const av1::ListProfilesRequest* req,
                                         av1::ListProfilesResponse* resp) override;
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext* c,
                                       const av1::GetProfileRequest* req,
                                       av1::Profile* resp) override;
  grpc::ServerUnaryReactor* CreateProfile(grpc::CallbackServerContext* c,
                                          const av1::CreateProfileRequest* req,
                                          av1::Profile* resp) override;
  grpc::ServerUnaryReactor* UpdateProfile(grpc::CallbackServerContext* c,
                                          const av1::UpdateProfileRequest* req,
                                          av1::Profile* resp) override;
  grpc::ServerUnaryReactor* DeleteProfile(grpc::CallbackServerContext* c,
                                          const av1::DeleteProfileRequest* req,
                                          google::protobuf::Empty* resp) override;
  grpc::ServerUnaryReactor* PublishProfile(grpc::CallbackServerContext* c,
                                           const av1::PublishProfileRequest* req,
                                           av1::Profile* resp) override;
  grpc::ServerUnaryReactor* ArchiveProfile(grpc::CallbackServerContext* c,
                                           const av1::ArchiveProfileRequest* req,
                                           av1::Profile* resp) override;
  grpc::ServerUnaryReactor* StartNewEdition(grpc::CallbackServerContext* c,
                                            const av1::StartNewEditionRequest* req,
                                            av1::Profile* resp) override;
  grpc::ServerUnaryReactor* ListRevisions(grpc::CallbackServerContext* c,
                                          const av1::ListRevisionsRequest* req,
                                          av1::ListRevisionsResponse* resp) override;
  grpc::ServerUnaryReactor* GetRevision(grpc::CallbackServerContext* c,
                                        const av1::GetRevisionRequest* req,
                                        av1::Revision* resp) override;
  grpc::ServerUnaryReactor* CompareProfiles(grpc::CallbackServerContext* c,
                                            const av1::CompareProfilesRequest* req,
                                            av1::CompareProfilesResponse* resp) override;
  grpc::ServerUnaryReactor* ImportProfiles(grpc::CallbackServerContext* c,
                                           const av1::ImportProfilesRequest* req,
                                           av1::ImportProfilesResponse* resp) override;
  grpc::ServerUnaryReactor* ExportProfiles(grpc::CallbackServerContext* c,
                                           const av1::ExportProfilesRequest* req,
                                           av1::ProfileDocument* resp) override;

 private:
  ProfileManager* manager_;
  Executor* executor_;
  const Authorizer* authorizer_;
};

}  // namespace mgi::assessment
