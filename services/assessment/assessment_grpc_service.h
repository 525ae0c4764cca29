// The thin gRPC adapter of AssessmentService: every handler offloads to the executor, calls
// ProfileManager and copies the answer.
#pragma once

#include <string>

#include "common/executor.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "services/assessment/profile_manager.h"

namespace mgi::assessment {

// Who makes a change. For now the `x-mgi-actor` request metadata, else "anonymous"; access
// control will replace this one function with the authenticated principal.
std::string ActorOf(const grpc::CallbackServerContext* context);

class AssessmentGrpcService final : public av1::AssessmentService::CallbackService {
 public:
  AssessmentGrpcService(ProfileManager* manager, Executor* executor)
      : manager_(manager), executor_(executor) {}

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
};

}  // namespace mgi::assessment
