// What both stores share about the change log's rows (profile_store.h).
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment {

using google::protobuf::util::TimeUtil;

ProfileChange ChangeOf(const ProfileWrite& w) {
  const Profile& p = w.profile;
  ProfileChange change;
  change.kind = w.kind;
  change.name = p.name();
  change.revision = p.revision();
  change.etag = p.etag();
  change.state = p.state();
  change.actor = w.revision.actor();
  change.time_us = w.kind != ProfileWrite::Kind::kDelete && w.revision.has_create_time()
                       ? TimeUtil::TimestampToMicroseconds(w.revision.create_time())
                       : absl::ToUnixMicros(absl::Now());
  change.country = p.country();
  change.level = p.level();
  change.edition = p.edition();
  change.assessment_year = p.assessment_year();
  return change;
}

absl::Status CheckChangeWindow(int64_t after, int64_t floor, int64_t head) {
  if (after < floor) {
    return absl::OutOfRangeError(
        "the changes after this resume token are older than the retention window and were "
        "pruned; list the profiles again, then watch from the present (no resume token)");
  }
  if (after > head) {
    return absl::OutOfRangeError(
        "the resume token is ahead of this database's change log (another database, or one "
        "restored from a backup); list the profiles again, then watch without a token");
  }
  return absl::OkStatus();
}

void KeepOwnSnapshot(ProfileChange& c) {
  if (!c.profile) return;
  if (c.kind == ProfileWrite::Kind::kDelete || c.profile->etag() != c.etag ||
      c.profile->revision() != c.revision) {
    c.profile.reset();
  }
}

}  // namespace mgi::assessment
