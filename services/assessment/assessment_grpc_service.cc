#include "services/assessment/assessment_grpc_service.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include "services/common/revalidation.h"
#include "services/assessment/watch_reactor.h"

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
  config.String("db", &options->db,
                "SQLite database file (created and migrated at start) when --database-url is unset");
  RegisterDatabaseFlags(config, &options->database);
  config.String("catalog-addr", &options->catalog_addr, "Address of the catalog service");
  config.Duration("catalog-cache-ttl", &options->catalog_cache_ttl,
                  "How long catalog answers are kept");
  config.String("seed-dir", &options->seed_dir,
                "Import the absent profiles of every *.json here at start");
  config.Duration("seed-timeout", &options->seed_timeout,
                  "Give up seeding (exit 1) if the catalog stays unavailable this long; 0: never");
  config.String("messages-dir", &options->messages_dir,
                "Directory of the title wording per language");
  config.Int("near-cache-entries", &options->near_cache_entries,
             "Published profiles (per language) kept serialized in process, checked against the "
             "store's version on every read; 0: none",
             0, 1 << 20);
  config.Duration("watch-retention", &options->watch_retention,
                  "How long the change log keeps a change for WatchProfiles resume tokens");
  config.Duration("watch-poll-interval", &options->watch_poll_interval,
                  "How often WatchProfiles reads the change log's head (commits by other replicas)");
  config.Duration("watch-heartbeat", &options->watch_heartbeat,
                  "A watch that sent nothing this long gets a HEARTBEAT event");
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

grpc::ServerUnaryReactor* AssessmentGrpcService::GetProfile(grpc::CallbackServerContext* c,
                                                            const grpc::ByteBuffer* req,
                                                            grpc::ByteBuffer* resp) {
  auto access = CallAccess(c);
  if (!access.ok()) return FinishNow(c, access.status());
  auto request = std::make_shared<av1::GetProfileRequest>();
  if (!grpc::GenericDeserialize<grpc::ProtoBufferReader, av1::GetProfileRequest>(
           const_cast<grpc::ByteBuffer*>(req), request.get())
           .ok()) {
    return FinishNow(c, absl::InvalidArgumentError("GetProfileRequest does not parse"));
  }
  // Revalidation on gRPC's callback thread, when the store can tell without waiting: a caller
  // whose version is current is answered "not modified" with no executor hop. The caller's access
  // was decided above as for any call (GetProfile needs read-published, all that a published or
  // archived profile, the only ones with a version, asks).
  if (published_ != nullptr) {
    if (auto current = published_->CurrentWithoutWaiting(request->name(), IfNoneMatch(*c))) {
      SetNotModified(c, *current);
      grpc::Slice empty;
      *resp = grpc::ByteBuffer(&empty, 1);  // an empty message
      return FinishNow(c, absl::OkStatus());
    }
  }
  return Offload(c, *executor_, [this, c, request, resp](const CallContext& call) -> absl::Status {
    std::shared_ptr<const std::string> bytes;
    if (published_ != nullptr) {
      auto answer = published_->GetProfile(*request, CallerOf(call), IfNoneMatch(*c));
      if (!answer.ok()) return answer.status();
      if (answer->not_modified) {
        SetNotModified(c, answer->version);
        grpc::Slice empty;
        *resp = grpc::ByteBuffer(&empty, 1);  // an empty message
        return absl::OkStatus();
      }
      SetVersion(c, answer->version);
      bytes = std::move(answer->bytes);
    } else {
      auto answer = manager_->GetProfile(*request, CallerOf(call));
      if (!answer.ok()) return answer.status();
      bytes = std::make_shared<const std::string>(answer->SerializeAsString());
    }
    // The slice keeps the shared bytes alive until gRPC has sent them: no copy.
    auto* held = new std::shared_ptr<const std::string>(std::move(bytes));
    grpc_slice slice = grpc_slice_new_with_user_data(
        const_cast<char*>((*held)->data()), (*held)->size(),
        [](void* p) { delete static_cast<std::shared_ptr<const std::string>*>(p); }, held);
    grpc::Slice wrapped(slice, grpc::Slice::STEAL_REF);
    *resp = grpc::ByteBuffer(&wrapped, 1);
    return absl::OkStatus();
  });
}
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

grpc::ServerWriteReactor<av1::ProfileEvent>* AssessmentGrpcService::WatchProfiles(
    grpc::CallbackServerContext* c, const av1::WatchProfilesRequest* req) {
  return StartWatch(c, req, feed_, executor_);
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
