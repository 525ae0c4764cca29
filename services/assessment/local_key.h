// The sort key of a local unit, shared by the stores so that both order listings the same way:
// its English name, else its name in the profile's first language, else its first name (by
// language code; no language is required), lower-cased.
#pragma once

#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "mgi/assessment/v1/resources.pb.h"

namespace mgi::assessment {

inline std::string LocalUnitKey(const mgi::assessment::v1::Profile& p) {
  const auto& names = p.local_unit().display_name();
  if (names.empty()) return "";
  auto it = names.find("en");
  if (it == names.end() && p.languages_size() > 0) it = names.find(p.languages(0));
  if (it == names.end()) {
    std::map<std::string, std::string> sorted(names.begin(), names.end());
    return absl::AsciiStrToLower(sorted.begin()->second);
  }
  return absl::AsciiStrToLower(it->second);
}

}  // namespace mgi::assessment
