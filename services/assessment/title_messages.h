// The wording of profile titles per language, read from data/profiles/messages/<lang>.json
// (never C++ strings):
//   "nationalTitle", "localTitle"          patterns with {subject} and {edition}
//   "nationalTitleYear", "localTitleYear"  the same with {year}, for profiles with an assessment
//                                          year (optional: without them the year is left out)
//   "editions": {"1": "First", ...}        the ordinal word of an edition
//   "ordinals": [{"mod": 100, "in": [11, 12, 13], "pattern": "{n}th"}, ..., {"pattern": "{n}th"}]
//                                          editions without a word: the first rule whose `mod`
//                                          remainder is `in` the list (no `mod`: always) applies
//   "editionOther"                         the last resort, with {n}
//   "fallbackName"                         a name shown in another language, with {name} and
//                                          {language} (the name's BCP 47 tag)
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mgi::assessment {

class TitleMessages {
 public:
  // Loads every <lang>.json in `dir`; English is required (the last fallback of the wording).
  static absl::StatusOr<TitleMessages> Load(const std::string& dir);

  struct Title {
    std::string text;
    std::string language;  // the language of the wording used
  };
  // The wording language for `language`: the exact tag, then its primary language, else "".
  std::string Find(const std::string& language) const;
  // The standard title in `language` (which must be a tag Find() returned, or else English is
  // used). `subject` is the country's or local unit's name; `year` 0 means none.
  Title Make(const std::string& language, bool local, const std::string& subject, int edition,
             int year = 0) const;
  // `name` marked as being in `name_language` (the "fallbackName" pattern of `language`).
  std::string FallbackName(const std::string& language, const std::string& name,
                           const std::string& name_language) const;
  // The ordinal word of `edition` in `language`, e.g. "Twenty-first".
  std::string Edition(const std::string& language, int edition) const;

 private:
  struct OrdinalRule {
    int mod = 0;  // 0: always matches
    std::vector<int> in;
    std::string pattern;
  };
  struct Wording {
    std::string national;
    std::string local;
    std::string national_year;
    std::string local_year;
    std::map<int, std::string> editions;
    std::vector<OrdinalRule> ordinals;
    std::string edition_other;
    std::string fallback_name;
  };
  const Wording& For(const std::string& language) const;
  std::map<std::string, Wording> by_language_;
};

}  // namespace mgi::assessment
