#include "services/assessment/published_profiles.h"

#include "absl/strings/str_cat.h"

namespace mgi::assessment {

std::string PublishedProfiles::AnswerVersion(const ProfileVersion& version) const {
  if (version.state != av1::PROFILE_STATE_PUBLISHED && version.state != av1::PROFILE_STATE_ARCHIVED) {
    return "";
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  int64_t period = version_period_.count() > 0 ? now.count() / version_period_.count() : 0;
  return absl::StrCat(version.etag, ".", period);
}

std::optional<std::string> PublishedProfiles::CurrentWithoutWaiting(
    const std::string& name, const std::string& if_none_match) {
  if (if_none_match.empty()) return std::nullopt;
  auto version = store_->TryGetVersion(name);
  if (!version || !version->ok()) return std::nullopt;
  std::string current = AnswerVersion(**version);
  if (current.empty() || current != if_none_match) return std::nullopt;
  return current;
}

absl::StatusOr<PublishedProfiles::Answer> PublishedProfiles::GetProfile(
    const av1::GetProfileRequest& req, const Caller& caller, const std::string& if_none_match) {
  Answer answer;
  std::string key;
  std::string etag;
  // An unknown or malformed name falls through: the manager gives the right error.
  auto version = store_->GetVersion(req.name());
  if (version.ok() && !(answer.version = AnswerVersion(*version)).empty()) {
    etag = std::move(version->etag);
    if (!if_none_match.empty() && if_none_match == answer.version) {
      answer.not_modified = true;
      return answer;
    }
    if (cache_ != nullptr) {
      key = absl::StrCat(req.name(), "\n", req.language());
      if ((answer.bytes = cache_->Find(key, etag))) return answer;
    }
  }
  auto profile = manager_->GetProfile(req, caller);
  if (!profile.ok()) return profile.status();
  answer.bytes = std::make_shared<const std::string>(profile->SerializeAsString());
  // A write between the version read and the manager's read gives a newer profile: answer it,
  // but never file it under the older version, nor announce that version.
  if (profile->etag() != etag) {
    answer.version.clear();
  } else if (!key.empty()) {
    cache_->Put(key, etag, answer.bytes);
  }
  return answer;
}

}  // namespace mgi::assessment
