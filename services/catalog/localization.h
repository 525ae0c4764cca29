// Serves localized texts in the requested language, falling back to English, and records what
// was served for the response's Localization message.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/catalog/catalog_data.h"
#include "mgi/catalog/v1/resources.pb.h"

namespace mgi::catalog {

// The key of `available` to serve for `requested`: the exact tag, then its primary language
// ("fr" for "fr-CA"), then "en"; "" when none of them is available.
std::string PickLanguage(const std::vector<std::string>& available, const std::string& requested);

class Localizer {
 public:
  // `requested` is a normalized tag (mgi::NormalizeLanguage).
  explicit Localizer(std::string requested) : requested_(std::move(requested)) {}

  // The text of `texts` for the requested language, recorded under `path`. "" (nothing recorded)
  // when `texts` has neither the language nor English.
  std::string Serve(const LocalizedText& texts, const std::string& path);

  // Records a field served in `language`; `fallback` when that is English instead of the
  // requested language.
  void Record(const std::string& path, const std::string& language, bool fallback, bool unverified);

  // Records a field that is not text (e.g. a sub-area's levels) as unverified.
  void MarkUnverified(const std::string& path) { unverified_fields_.push_back(path); }

  // The Localization of everything served so far.
  v1::Localization Build() const;

 private:
  std::string requested_;
  std::map<std::string, int> served_counts_;
  std::vector<std::string> fallback_fields_;
  std::vector<std::string> unverified_fields_;
};

}  // namespace mgi::catalog
