#include "services/common/language.h"

#include <cctype>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/status.h"

namespace mgi {

absl::StatusOr<std::string> NormalizeLanguage(std::string_view tag, std::string_view field) {
  if (tag.empty()) return std::string(kDefaultLanguage);
  std::vector<std::string> parts = absl::StrSplit(std::string(tag), absl::ByAnyChar("-_"));
  auto bad = [&] {
    return InvalidArgument(field, "must be a BCP 47 language tag such as \"en\", \"fr\" or \"es\"");
  };
  if (parts.empty() || tag.size() > 35) return bad();
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string& p = parts[i];
    if (p.empty() || p.size() > 8) return bad();
    for (char c : p) {
      if (!std::isalnum(static_cast<unsigned char>(c))) return bad();
    }
    if (i == 0) {
      if (p.size() < 2 || p.size() > 3) return bad();
      for (char c : p) {
        if (!std::isalpha(static_cast<unsigned char>(c))) return bad();
      }
      p = absl::AsciiStrToLower(p);
    } else if (p.size() == 2) {
      p = absl::AsciiStrToUpper(p);  // region
    } else if (p.size() == 4) {
      p = absl::AsciiStrToLower(p);  // script: Latn
      p[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(p[0])));
    } else {
      p = absl::AsciiStrToLower(p);
    }
  }
  return absl::StrJoin(parts, "-");
}

LocalizedLookup Lookup(const std::map<std::string, std::string>& texts,
                       std::string_view language) {
  LocalizedLookup out;
  std::string lang(language.empty() ? kDefaultLanguage : language);
  auto try_lang = [&](const std::string& l) {
    auto it = texts.find(l);
    if (it == texts.end() || it->second.empty()) return false;
    out.text = &it->second;
    out.language = l;
    return true;
  };
  if (try_lang(lang)) return out;
  // "fr" for "fr-CA" is the language asked for: not a fallback.
  if (auto dash = lang.find('-'); dash != std::string::npos && try_lang(lang.substr(0, dash))) {
    return out;
  }
  if (try_lang(std::string(kDefaultLanguage))) {
    out.fallback = lang != kDefaultLanguage;
  }
  return out;
}

}  // namespace mgi
