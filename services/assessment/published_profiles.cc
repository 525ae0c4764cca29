#include "services/assessment/published_profiles.h"

#include "absl/strings/str_cat.h"

namespace mgi::assessment {

absl::StatusOr<std::shared_ptr<const std::string>> PublishedProfiles::GetProfile(
    const av1::GetProfileRequest& req, const Caller& caller) {
  std::string key;
  std::string etag;
  if (cache_ != nullptr) {
    // An unknown or malformed name falls through: the manager gives the right error.
    auto version = store_->GetVersion(req.name());
    if (version.ok() && (version->state == av1::PROFILE_STATE_PUBLISHED ||
                         version->state == av1::PROFILE_STATE_ARCHIVED)) {
      key = absl::StrCat(req.name(), "\n", req.language());
      etag = std::move(version->etag);
      if (auto hit = cache_->Find(key, etag)) return hit;
    }
  }
  auto profile = manager_->GetProfile(req, caller);
  if (!profile.ok()) return profile.status();
  auto bytes = std::make_shared<const std::string>(profile->SerializeAsString());
  // A write between the version read and the manager's read gives a newer profile: answer it,
  // but never file it under the older version.
  if (!key.empty() && profile->etag() == etag) cache_->Put(key, etag, bytes);
  return bytes;
}

}  // namespace mgi::assessment
