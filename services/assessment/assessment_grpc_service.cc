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

void RegisterAssessmentFlags(Config& config, AssessmentOptions* options, ChannelConfig* channel) {
  RegisterChannelFlags(config, channel);
  if (options->messages_dir.empty()) options->messages_dir = MGI_DATA_DIR "/profiles/messages";
  config.String("db", &options->db, "SQLite database file (created and migrated at start)");
  config.String("catalog-addr", &options->catalog_addr, "Address of the catalog service");
  config.Duration("catalog-cache-ttl", &options->catalog_cache_ttl,
                  "How long catalog answers are kept");
  config.String("seed-dir", &options->seed_dir,
                "Import the absent profiles of every *.json here at start");
  config.Duration("seed-timeout", &options->seed_timeout,
                  "Give up seeding (exit 1) if the catalog stays unavailable this long; 0: never");
  config.String("messages-dir", &options->messages_dir,
                "Directory of the title wording per language");
  config.SuiteWide({"catalog-addr"});
}

Caller CallerOf(const CallContext& call) {
  return Caller{call.principal().name, call.Require(Permission::kReadDrafts),
                call.Allows(Permission::kPublish), call.credentials()};
}

// Each handler: the manager's method with the caller, its answer copied into the response.
#define MGI_HANDLER(Method, Req, Resp)                                                    \
  grpc::ServerUnaryReactor* AssessmentGrpcService::Method(grpc::CallbackServerContext* c, \
                                                          const Req* req, Resp* resp) {   \
    return Offload(c, *executor_, [this, req, resp](const CallContext& call) {            \
      return Answer(manager_->Method(*req, CallerOf(call)), resp);                        \
    });                                                                                   \
  }

MGI_HANDLER(ListProfiles, av1::ListProfilesRequest, av1::ListProfilesResponse)
MGI_HANDLER(GetProfile, av1::GetProfileRequest, av1::Profile)
MGI_HANDLER(CreateProfile, av1::CreateProfileRequest, av1::Profile)
MGI_HANDLER(UpdateProfile, av1::UpdateProfileRequest, av1::Profile)
MGI_HANDLER(StartNewEdition, av1::StartNewEditionRequest, av1::Profile)
MGI_HANDLER(ImportProfiles, av1::ImportProfilesRequest, av1::ImportProfilesResponse)
MGI_HANDLER(ExportProfiles, av1::ExportProfilesRequest, av1::ProfileDocument)
MGI_HANDLER(CompareProfiles, av1::CompareProfilesRequest, av1::CompareProfilesResponse)
MGI_HANDLER(PublishProfile, av1::PublishProfileRequest, av1::Profile)
MGI_HANDLER(ArchiveProfile, av1::ArchiveProfileRequest, av1::Profile)

grpc::ServerUnaryReactor* AssessmentGrpcService::DeleteProfile(grpc::CallbackServerContext* c,
                                                               const av1::DeleteProfileRequest* req,
                                                               google::protobuf::Empty*) {
  return Offload(c, *executor_, [this, req](const CallContext& call) {
    return manager_->DeleteProfile(*req, CallerOf(call));
  });
}

grpc::ServerUnaryReactor* AssessmentGrpcService::ListRevisions(grpc::CallbackServerContext* c,
                                                               const av1::ListRevisionsRequest* req,
                                                               av1::ListRevisionsResponse* resp) {
  return Offload(c, *executor_, [this, req, resp](const CallContext&) {
    return Answer(manager_->ListRevisions(*req), resp);
  });
}

grpc::ServerUnaryReactor* AssessmentGrpcService::GetRevision(grpc::CallbackServerContext* c,
                                                             const av1::GetRevisionRequest* req,
                                                             av1::Revision* resp) {
  return Offload(c, *executor_, [this, req, resp](const CallContext&) {
    return Answer(manager_->GetRevision(*req), resp);
  });
}

grpc::ServerUnaryReactor* AssessmentGrpcService::SearchFindings(
    grpc::CallbackServerContext* c, const av1::SearchFindingsRequest* req,
    av1::SearchFindingsResponse* resp) {
  return Offload(c, *executor_, [this, c, req, resp](const CallContext& call) {
    if (search_ == nullptr) return absl::UnimplementedError("finding search is not configured");
    // Hits come from many profiles, and a write to any of them changes them: no shared cache (the
    // gateway drops cached responses by the path written, which a search's path is not) may keep
    // a search, so one made after an acknowledged write always sees it.
    c->AddInitialMetadata("cache-control", "no-store");
    return Answer(search_->Search(*req, CallerOf(call)), resp);
  });
}

}  // namespace mgi::assessment
