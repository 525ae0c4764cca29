#include "clients/catalog/level.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/status.h"

namespace mgi::clients {

namespace cv1 = mgi::catalog::v1;

absl::StatusOr<cv1::Level> ParseLevel(const std::string& value, const std::string& field) {
  std::string upper = absl::AsciiStrToUpper(value);
  cv1::Level level;
  if (!cv1::Level_Parse(absl::StartsWith(upper, "LEVEL_") ? upper : "LEVEL_" + upper, &level) ||
      level == cv1::LEVEL_UNSPECIFIED) {
    return InvalidArgument(field,
                           absl::StrCat("level must be NATIONAL or LOCAL, not \"", value, "\""));
  }
  return level;
}

}  // namespace mgi::clients
