// The assessment service's logic: profiles, their editorial workflow, revisions, comparison,
// import/export and seeding. No gRPC types: the adapter passes requests and the actor in.
// Every read of a stored profile goes through Read() and every write through Write(), so a
// cache and access control can hook in at one place each.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/cache.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "services/assessment/caller.h"
#include "services/assessment/catalog_client.h"
#include "services/assessment/clock.h"
#include "services/assessment/profile_store.h"
#include "services/assessment/title_messages.h"

namespace mgi::assessment {

class ProfileManager {
 public:
  // `cache` is the shared cache of published and archived profiles (null or a NullCache: none).
  // It must outlive the manager; its calls may block, so the manager runs on an Executor. Read()
  // keys entries by name, revision and etag, read from the store first: every write changes the
  // etag, so a read after an acknowledged write (on any replica) never sees an older entry.
  ProfileManager(ProfileStore* store, CatalogConnector* catalog, Clock* clock,
                 TitleMessages messages, Cache* cache = nullptr);

  // Reads: drafts are visible only to callers who may read them. Without that right a listing or
  // export without a state in its filter gives the published profiles (archived ones when asked
  // for), and asking for drafts, or for one draft by name, is the caller's refusal.
  absl::StatusOr<av1::ListProfilesResponse> ListProfiles(const av1::ListProfilesRequest& req,
                                                         const Caller& caller);
  absl::StatusOr<av1::Profile> GetProfile(const av1::GetProfileRequest& req, const Caller& caller);
  absl::StatusOr<av1::Profile> CreateProfile(const av1::CreateProfileRequest& req,
                                             const Caller& caller);
  absl::StatusOr<av1::Profile> UpdateProfile(const av1::UpdateProfileRequest& req,
                                             const Caller& caller);
  absl::Status DeleteProfile(const av1::DeleteProfileRequest& req, const Caller& caller);
  absl::StatusOr<av1::Profile> PublishProfile(const av1::PublishProfileRequest& req,
                                              const Caller& caller);
  absl::StatusOr<av1::Profile> ArchiveProfile(const av1::ArchiveProfileRequest& req,
                                              const Caller& caller);
  absl::StatusOr<av1::Profile> StartNewEdition(const av1::StartNewEditionRequest& req,
                                               const Caller& caller);
  absl::StatusOr<av1::ListRevisionsResponse> ListRevisions(const av1::ListRevisionsRequest& req);
  absl::StatusOr<av1::Revision> GetRevision(const av1::GetRevisionRequest& req);
  absl::StatusOr<av1::CompareProfilesResponse> CompareProfiles(
      const av1::CompareProfilesRequest& req, const Caller& caller);
  // Imports a document all or nothing. Writing a published or archived profile (a new one, or over
  // a stored one) and overwriting a stored published or archived profile need `caller.may_publish`,
  // checked for every profile of the document before anything is written (PERMISSION_DENIED
  // listing each refused profile).
  absl::StatusOr<av1::ImportProfilesResponse> ImportProfiles(const av1::ImportProfilesRequest& req,
                                                             const Caller& caller);
  absl::StatusOr<av1::ProfileDocument> ExportProfiles(const av1::ExportProfilesRequest& req,
                                                       const Caller& caller);

  // Imports every *.json profile document in `dir` (in name order) whose profiles are absent;
  // profiles already stored are left alone, so a second start changes nothing. Returns the
  // number of profiles imported.
  // The catalog is called with `credentials` (the service token, if any).
  absl::StatusOr<int> SeedFromDirectory(const std::string& dir, const PeerCredentials& credentials);

 private:
  // The one read path and the one write path.
  absl::StatusOr<av1::Profile> Read(const std::string& name);
  absl::Status Write(const std::vector<ProfileWrite>& writes);
  // Writes a new profile (create, new edition); when its request id was already used by a
  // concurrent retry that won the race, answers what that one wrote.
  absl::StatusOr<av1::Profile> WriteNew(ProfileWrite w);

  // The Do* methods do the work of their public namesakes, which Present() the result.
  absl::StatusOr<av1::Profile> DoCreateProfile(const av1::CreateProfileRequest& req,
                                               const Caller& caller);
  absl::StatusOr<av1::Profile> DoUpdateProfile(const av1::UpdateProfileRequest& req,
                                               const Caller& caller);
  absl::StatusOr<av1::Profile> DoPublishProfile(const av1::PublishProfileRequest& req,
                                                const Caller& caller);
  absl::StatusOr<av1::Profile> DoArchiveProfile(const av1::ArchiveProfileRequest& req,
                                                const Caller& caller);
  absl::StatusOr<av1::Profile> DoStartNewEdition(const av1::StartNewEditionRequest& req,
                                                 const Caller& caller);
  // A profile as a response carries it: display fields in the profile's first language.
  absl::StatusOr<av1::Profile> Present(absl::StatusOr<av1::Profile> p, const Caller& caller);
  // Fills display_title and the findings' display fields in `language` (already normalised): the
  // wording, names and texts in that language, else in the profile's languages in order.
  absl::Status Localize(av1::Profile* p, const std::string& language, CatalogClient& catalog);
  // A revision record for `p` (after the change).
  av1::Revision MakeRevision(const av1::Profile& p, const std::string& actor,
                             av1::Revision::Action action, const std::vector<std::string>& fields,
                             const std::string& summary);
  // Sets revision, update_time and etag of a changed profile.
  void Stamp(av1::Profile* p, int64_t revision, int64_t now_us);
  // Reads `name`, requires `etag` to be given and current, and the state to be `state`.
  // Validates a profile against the catalog (INVALID_ARGUMENT listing every problem, the message
  // naming `what`) and puts its domains in catalog order.
  absl::Status CheckAndOrder(av1::Profile* p, const std::string& what,
                             CatalogClient& catalog) const;
  // `p` as `caller` may see it: the profile, or the caller's refusal when it is a draft they may
  // not read.
  static absl::StatusOr<av1::Profile> Visible(absl::StatusOr<av1::Profile> p, const Caller& caller);
  absl::StatusOr<av1::Profile> ReadForChange(const std::string& name, const std::string& etag,
                                             av1::ProfileState state, const std::string& verb);
  absl::StatusOr<av1::ImportProfilesResponse> Import(const av1::ImportProfilesRequest& req,
                                                     const Caller& caller, bool skip_existing);
  // OK when `p` may be published: no other profile is the published one of its country, level,
  // local unit and edition (published_edition.h); else FAILED_PRECONDITION naming that profile
  // under `field`. Profiles named in `rewritten` are being written in the same transaction and are
  // not counted. The stores' unique index enforces the same rule against concurrent writers.
  absl::Status CheckPublishedEdition(const av1::Profile& p, const std::string& field,
                                     const std::set<std::string>& rewritten = {});

  ProfileStore* store_;
  CatalogConnector* catalog_;
  Clock* clock_;
  TitleMessages messages_;
  Cache* cache_ = nullptr;
};

}  // namespace mgi::assessment
