// The wording of profile titles per language, read from data/profiles/messages/<lang>.json
// (never C++ strings): {"nationalTitle", "localTitle", "editions": {"1": "First"...},
// "editionOther"}. Placeholders: {subject}, {edition}, {n}.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace mgi::assessment {

class TitleMessages {
 public:
  // Loads every <lang>.json in `dir`; English is required.
  static absl::StatusOr<TitleMessages> Load(const std::string& dir);

  struct Title {
    std::string text;
    std::string language;  // the language of the wording used
  };
  // The standard title in `language` (its primary language, else English).
  Title Make(const std::string& language, bool local, const std::string& subject,
             int edition) const;

 private:
  struct Wording {
    std::string national;
    std::string local;
    std::map<int, std::string> editions;
    std::string edition_other;
  };
  std::map<std::string, Wording> by_language_;
};

}  // namespace mgi::assessment
