// BCP 47 language tags and lookups with fallback to English. The set of languages is never
// hard-coded: whatever the data holds is served.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mgi {

inline constexpr std::string_view kDefaultLanguage = "en";

// Checks and normalises a tag: "" gives "en"; "FR" gives "fr"; "pt-br" gives "pt-BR"; anything that
// is not a well-formed tag (2-3 letter language, optional script/region subtags) is
// INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> NormalizeLanguage(std::string_view tag,
                                              std::string_view field = "language");

struct LocalizedLookup {
  const std::string* text = nullptr;  // null when the map has neither the language nor English
  std::string language;               // the language of `text`
  bool fallback = false;              // true when `language` differs from the one asked for
};

// Looks `language` up in `texts`: the exact tag, then its primary language ("fr" for "fr-CA"),
// then English.
LocalizedLookup Lookup(const std::map<std::string, std::string>& texts, std::string_view language);

}  // namespace mgi
