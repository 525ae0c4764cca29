#include "services/assessment/title_messages.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"

namespace mgi::assessment {

absl::StatusOr<TitleMessages> TitleMessages::Load(const std::string& dir) {
  TitleMessages out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream buf;
    buf << in.rdbuf();
    auto json = nlohmann::json::parse(buf.str(), nullptr, /*allow_exceptions=*/false);
    std::string file = entry.path().string();
    if (json.is_discarded() || !json.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": not a JSON object"));
    }
    Wording w;
    auto str = [&](const char* key, std::string* outp) -> absl::Status {
      auto it = json.find(key);
      if (it == json.end() || !it->is_string()) {
        return absl::InvalidArgumentError(absl::StrCat(file, ": \"", key, "\" must be a string"));
      }
      *outp = it->get<std::string>();
      return absl::OkStatus();
    };
    for (auto [key, p] : {std::pair{"nationalTitle", &w.national},
                          {"localTitle", &w.local},
                          {"editionOther", &w.edition_other}}) {
      if (auto s = str(key, p); !s.ok()) return s;
    }
    if (json.contains("editions") && json["editions"].is_object()) {
      for (auto& [k, v] : json["editions"].items()) {
        if (v.is_string()) w.editions[std::atoi(k.c_str())] = v.get<std::string>();
      }
    }
    out.by_language_[entry.path().stem().string()] = std::move(w);
  }
  if (ec) return absl::NotFoundError(absl::StrCat("cannot read ", dir, ": ", ec.message()));
  if (!out.by_language_.count("en")) {
    return absl::NotFoundError(absl::StrCat(dir, " has no en.json"));
  }
  return out;
}

TitleMessages::Title TitleMessages::Make(const std::string& language, bool local,
                                         const std::string& subject, int edition) const {
  auto it = by_language_.find(language);
  if (it == by_language_.end()) it = by_language_.find(language.substr(0, language.find('-')));
  if (it == by_language_.end()) it = by_language_.find("en");
  const Wording& w = it->second;
  auto ed = w.editions.find(edition);
  std::string edition_text =
      ed != w.editions.end()
          ? ed->second
          : absl::StrReplaceAll(w.edition_other, {{"{n}", absl::StrCat(edition)}});
  return Title{absl::StrReplaceAll(local ? w.local : w.national,
                                   {{"{subject}", subject}, {"{edition}", edition_text}}),
               it->first};
}

}  // namespace mgi::assessment
