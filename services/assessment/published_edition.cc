#include "services/assessment/published_edition.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/status.h"

namespace mgi::assessment {

namespace av1 = mgi::assessment::v1;

const std::string& PublishedEditionMigration() {
  static const auto* kSql = new std::string(absl::StrCat(
      "CREATE UNIQUE INDEX ", kPublishedEditionIndex,
      " ON profiles (country, level, local_key, edition) WHERE state = ",
      static_cast<int>(av1::PROFILE_STATE_PUBLISHED), ";"));
  return *kSql;
}

absl::Status PublishedEditionTaken(const av1::Profile& p, const std::string& holder,
                                   const std::string& field) {
  std::string unit = p.local_unit().display_name().empty()
                         ? std::string(p.country())
                         : absl::StrCat(p.country(), ", local unit \"",
                                        p.local_unit().display_name().begin()->second, "\"");
  std::string who = holder.empty() ? std::string("another profile") : holder;
  return WithReason(
      FailedPrecondition(
          absl::StrCat(who, " is already the published edition ", p.edition(), " of ", unit,
                       " at this level; archive it before publishing ", p.name(),
                       ", or give ", p.name(), " another edition"),
          {{field, absl::StrCat("edition ", p.edition(), " of ", unit, " is published as ",
                                who)}}),
      "PUBLISHED_EDITION_EXISTS");
}

bool IsPublishedEditionViolation(const absl::Status& status) {
  return !status.ok() && absl::StrContains(status.message(), kPublishedEditionIndex);
}

}  // namespace mgi::assessment
