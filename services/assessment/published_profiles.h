// GetProfile answered from a near cache (common/near_cache.h) of serialized, presented profiles.
// Only published and archived profiles are kept: they are what most callers read, and what
// anyone allowed to read published data may see (the caller's access was checked before this
// runs; drafts always take ProfileManager's path). An entry is filed under the profile's name
// and the language asked for, with the etag it was computed from; every call first reads the
// profile's current version from the store (one indexed row, a prepared statement), so a write
// on this replica or another is never followed by an older answer. Entries also expire after the
// catalog client's TTL, which bounds how long a country name folded into the title may be kept.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/near_cache.h"
#include "services/assessment/profile_manager.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment {

// Revalidation (common/revalidation.h): the answer of a published or archived profile has a
// version, its etag and the current period of `version_period` (the bound on the catalog texts
// folded into it, as for the near cache's entries); a caller that sends that version back gets
// "not modified" at the cost of one indexed read.
class PublishedProfiles {
 public:
  struct Answer {
    std::shared_ptr<const std::string> bytes;  // null when not_modified
    std::string version;                       // "" for drafts: no revalidation
    bool not_modified = false;
  };
  // All must outlive this. `cache` null: no near cache (every call takes the manager's path).
  PublishedProfiles(ProfileStore* store, ProfileManager* manager, NearCache* cache,
                    std::chrono::milliseconds version_period = std::chrono::minutes(1))
      : store_(store), manager_(manager), cache_(cache), version_period_(version_period) {}

  // What GetProfile answers, serialized: the same bytes ProfileManager::GetProfile's answer
  // serializes to, or its error; or "not modified" when `if_none_match` is its current version.
  absl::StatusOr<Answer> GetProfile(const av1::GetProfileRequest& req, const Caller& caller,
                                    const std::string& if_none_match = "");
  // For a thread that must not block (gRPC's callback thread): the version `if_none_match` names
  // when it is the current version of `name` and the store could tell without waiting
  // (ProfileStore::TryGetVersion); nullopt in every other case (then GetProfile).
  std::optional<std::string> CurrentWithoutWaiting(const std::string& name,
                                                   const std::string& if_none_match);

 private:
  ProfileStore* store_;
  ProfileManager* manager_;
  NearCache* cache_;
  std::chrono::milliseconds version_period_;
  // The version of the answer for a published or archived profile of `etag`; "" for others.
  std::string AnswerVersion(const ProfileVersion& version) const;
};

}  // namespace mgi::assessment
