// The thin gRPC adapter of AssessmentService: every handler offloads to the executor, calls
// ProfileManager and copies the answer.
#pragma once

#include <chrono>
#include <string>

#include "services/common/access.h"
#include "services/common/channel.h"
#include "services/common/config.h"
#include "services/common/executor.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "services/assessment/profile_feed.h"
#include "services/assessment/finding_search.h"
#include "services/assessment/profile_manager.h"
#include "services/assessment/published_profiles.h"
#include "services/assessment/store_factory.h"

namespace mgi::assessment {

// The service's own options (flags and MGI_ASSESSMENT_* / suite-wide variables).
struct AssessmentOptions {
  std::string db = "assessment.db";  // shorthand for --database-url=sqlite:PATH
  DatabaseOptions database;
  std::string catalog_addr = "127.0.0.1:50051";
  std::string seed_dir;
  std::string messages_dir;  // default: the installed data directory's profiles/messages
  std::chrono::milliseconds catalog_cache_ttl{60000};
  std::chrono::milliseconds seed_timeout{0};  // 0: never give up
  int64_t near_cache_entries = 256;  // published profiles kept serialized in process; 0: none
  // WatchProfiles: how long the change log keeps a change, how often the log's head is read for
  // other replicas' commits, and the heartbeat interval of an idle watch.
  std::chrono::milliseconds watch_retention{7 * 24 * 3600 * 1000LL};
  std::chrono::milliseconds watch_poll_interval{1000};
  std::chrono::milliseconds watch_heartbeat{15000};
};
// Registers db, the database options (store_factory.h), catalog-addr (suite-wide), catalog-cache-ttl, seed-dir, seed-timeout,
// messages-dir and the peer channel options.
void RegisterAssessmentFlags(Config& config, AssessmentOptions* options, ChannelConfig* channel);

// The Caller ProfileManager gets for a call: the principal of the caller's token as actor, its
// rights, and its credentials for the catalog.
Caller CallerOf(const CallContext& call);

// Every call has passed the access its method declares in the contract before a handler body
// runs (common/access.h); the data-dependent rules (drafts, what an import writes) are
// ProfileManager's, from the Caller.
// GetProfile is a raw method: its answer is bytes serialized once and shared by every call that
// hits the near cache (PublishedProfiles), never a per-call copy of the whole profile.
class AssessmentGrpcService final
    : public av1::AssessmentService::WithRawCallbackMethod_GetProfile<
          av1::AssessmentService::CallbackService> {
 public:
  // `published` null: GetProfile without a near cache. `feed` null: WatchProfiles is
  // UNIMPLEMENTED. `search` null: SearchFindings is UNIMPLEMENTED.
  AssessmentGrpcService(ProfileManager* manager, Executor* executor,
                        PublishedProfiles* published = nullptr, ProfileFeed* feed = nullptr,
                        FindingSearch* search = nullptr)
      : manager_(manager), executor_(executor), published_(published), feed_(feed),
        search_(search) {}

  grpc::ServerUnaryReactor* ListProfiles(grpc::CallbackServerContext* c,
                                         const av1::ListProfilesRequest* req,
                                         av1::ListProfilesResponse* resp) override;
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext* c, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
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
  grpc::ServerWriteReactor<av1::ProfileEvent>* WatchProfiles(
      grpc::CallbackServerContext* c, const av1::WatchProfilesRequest* req) override;
  grpc::ServerUnaryReactor* SearchFindings(grpc::CallbackServerContext* c,
                                           const av1::SearchFindingsRequest* req,
                                           av1::SearchFindingsResponse* resp) override;

 private:
  ProfileManager* manager_;
  Executor* executor_;
  PublishedProfiles* published_;
  ProfileFeed* feed_;
  FindingSearch* search_;
};

}  // namespace mgi::assessment
