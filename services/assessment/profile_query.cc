#include "services/assessment/profile_query.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/catalog/level.h"
#include "services/common/filter.h"
#include "services/common/status.h"
#include "mgi/catalog/v1/catalog_service.pb.h"

namespace mgi::assessment {

namespace cv1 = mgi::catalog::v1;

absl::StatusOr<ProfileQuery> ParseQuery(const std::string& filter) {
  auto terms = ParseFilter(filter, {"country", "level", "state", "edition", "assessment_year"});
  if (!terms.ok()) return terms.status();
  ProfileQuery q;
  for (const auto& t : *terms) {
    std::string upper = absl::AsciiStrToUpper(t.value);
    if (t.field == "country") {
      q.country = absl::StartsWith(t.value, "countries/") ? t.value : "countries/" + upper;
    } else if (t.field == "level") {
      auto level = clients::ParseLevel(t.value, "filter");
      if (!level.ok()) return level.status();
      q.level = *level;
    } else if (t.field == "state") {
      av1::ProfileState state;
      if (!av1::ProfileState_Parse(
              absl::StartsWith(upper, "PROFILE_STATE_") ? upper : "PROFILE_STATE_" + upper,
              &state) ||
          state == av1::PROFILE_STATE_UNSPECIFIED) {
        return InvalidArgument("filter", absl::StrCat("state must be DRAFT, PUBLISHED or "
                                                      "ARCHIVED, not \"",
                                                      t.value, "\""));
      }
      q.state = state;
    } else if (t.field == "edition") {
      int edition;
      if (!absl::SimpleAtoi(t.value, &edition) || edition < 1) {
        return InvalidArgument(
            "filter", absl::StrCat("edition must be a number from 1, not \"", t.value, "\""));
      }
      q.edition = edition;
    } else if (t.field == "assessment_year") {
      int year;
      if (!absl::SimpleAtoi(t.value, &year) || (year != 0 && (year < 1990 || year > 2100))) {
        return InvalidArgument("filter", absl::StrCat("assessment_year must be a year from 1990 "
                                                      "to 2100, or 0 for none, not \"",
                                                      t.value, "\""));
      }
      q.assessment_year = year;
    }
  }
  return q;
}

absl::StatusOr<ProfileQuery> VisibleQuery(const std::string& filter, const Caller& caller) {
  auto query = ParseQuery(filter);
  if (!query.ok() || caller.may_read_drafts()) return query;
  if (!query->state) {
    query->state = av1::PROFILE_STATE_PUBLISHED;
  } else if (*query->state == av1::PROFILE_STATE_DRAFT) {
    return caller.read_drafts;
  }
  return query;
}

absl::StatusOr<ProfileQuery::Order> ParseOrder(const std::string& order_by) {
  std::vector<std::string> words =
      absl::StrSplit(order_by, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (words.empty()) return ProfileQuery::Order::kDefault;
  if (words[0] == "assessment_year" && words.size() <= 2) {
    if (words.size() == 1 || absl::AsciiStrToLower(words[1]) == "asc") {
      return ProfileQuery::Order::kAssessmentYear;
    }
    if (absl::AsciiStrToLower(words[1]) == "desc") {
      return ProfileQuery::Order::kAssessmentYearDesc;
    }
  }
  return InvalidArgument("order_by", absl::StrCat("\"", order_by,
                                                  "\" is not supported: use \"assessment_year\" or "
                                                  "\"assessment_year desc\" (or nothing)"));
}

}  // namespace mgi::assessment
