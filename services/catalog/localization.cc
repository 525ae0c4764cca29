#include "services/catalog/localization.h"

#include <algorithm>

namespace mgi::catalog {

std::string PickLanguage(const std::vector<std::string>& available, const std::string& requested) {
  auto has = [&](const std::string& l) {
    return std::find(available.begin(), available.end(), l) != available.end();
  };
  if (has(requested)) return requested;
  std::string primary = requested.substr(0, requested.find('-'));
  if (has(primary)) return primary;
  if (has("en")) return "en";
  return "";
}

std::string Localizer::Serve(const LocalizedText& texts, const std::string& path) {
  std::vector<std::string> available;
  available.reserve(texts.size());
  for (const auto& [lang, _] : texts) available.push_back(lang);
  std::string lang = PickLanguage(available, requested_);
  if (lang.empty()) return "";
  const Text& text = texts.at(lang);
  bool fallback = lang == "en" && requested_.substr(0, requested_.find('-')) != "en";
  Record(path, lang, fallback, text.unverified);
  return text.text;
}

void Localizer::Record(const std::string& path, const std::string& language, bool fallback,
                       bool unverified) {
  ++served_counts_[language];
  if (fallback) fallback_fields_.push_back(path);
  if (unverified) unverified_fields_.push_back(path);
}

v1::Localization Localizer::Build() const {
  v1::Localization out;
  out.set_requested_language(requested_);
  // The language most fields were served in; ties go to a language other than the fallback.
  std::string served = requested_;
  int best = -1;
  for (const auto& [lang, count] : served_counts_) {
    if (count > best || (count == best && served == "en")) {
      served = lang;
      best = count;
    }
  }
  out.set_served_language(served);
  for (const auto& f : fallback_fields_) out.add_fallback_fields(f);
  for (const auto& f : unverified_fields_) out.add_unverified_fields(f);
  return out;
}

}  // namespace mgi::catalog
