#include "services/assessment/title_messages.h"

#include <algorithm>
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
    auto str = [&](const char* key, std::string* outp, bool required) -> absl::Status {
      auto it = json.find(key);
      if (it == json.end() && !required) return absl::OkStatus();
      if (it == json.end() || !it->is_string()) {
        return absl::InvalidArgumentError(absl::StrCat(file, ": \"", key, "\" must be a string"));
      }
      *outp = it->get<std::string>();
      return absl::OkStatus();
    };
    for (auto [key, p, required] :
         {std::tuple{"nationalTitle", &w.national, true},
          {"localTitle", &w.local, true},
          {"nationalTitleYear", &w.national_year, false},
          {"localTitleYear", &w.local_year, false},
          {"editionOther", &w.edition_other, true},
          {"fallbackName", &w.fallback_name, false}}) {
      if (auto s = str(key, p, required); !s.ok()) return s;
    }
    if (w.fallback_name.empty()) w.fallback_name = "{name} ({language})";
    if (json.contains("editions") && json["editions"].is_object()) {
      for (auto& [k, v] : json["editions"].items()) {
        if (v.is_string()) w.editions[std::atoi(k.c_str())] = v.get<std::string>();
      }
    }
    if (auto it = json.find("ordinals"); it != json.end()) {
      if (!it->is_array()) {
        return absl::InvalidArgumentError(absl::StrCat(file, ": \"ordinals\" must be an array"));
      }
      for (const auto& r : *it) {
        OrdinalRule rule;
        if (!r.is_object() || !r.contains("pattern") || !r["pattern"].is_string()) {
          return absl::InvalidArgumentError(
              absl::StrCat(file, ": every \"ordinals\" rule needs a \"pattern\""));
        }
        rule.pattern = r["pattern"].get<std::string>();
        if (r.contains("mod")) {
          if (!r["mod"].is_number_integer() || r["mod"].get<int>() < 1 || !r.contains("in") ||
              !r["in"].is_array()) {
            return absl::InvalidArgumentError(absl::StrCat(
                file, ": an \"ordinals\" rule with \"mod\" (a positive integer) needs \"in\""));
          }
          rule.mod = r["mod"].get<int>();
          for (const auto& v : r["in"]) {
            if (v.is_number_integer()) rule.in.push_back(v.get<int>());
          }
        }
        w.ordinals.push_back(std::move(rule));
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

std::string TitleMessages::Find(const std::string& language) const {
  if (by_language_.count(language)) return language;
  std::string primary = language.substr(0, language.find('-'));
  if (by_language_.count(primary)) return primary;
  return "";
}

const TitleMessages::Wording& TitleMessages::For(const std::string& language) const {
  std::string found = Find(language);
  return by_language_.at(found.empty() ? "en" : found);
}

std::string TitleMessages::Edition(const std::string& language, int edition) const {
  const Wording& w = For(language);
  if (auto ed = w.editions.find(edition); ed != w.editions.end()) return ed->second;
  for (const auto& rule : w.ordinals) {
    if (rule.mod == 0 || std::find(rule.in.begin(), rule.in.end(), edition % rule.mod) !=
                             rule.in.end()) {
      return absl::StrReplaceAll(rule.pattern, {{"{n}", absl::StrCat(edition)}});
    }
  }
  return absl::StrReplaceAll(w.edition_other, {{"{n}", absl::StrCat(edition)}});
}

std::string TitleMessages::FallbackName(const std::string& language, const std::string& name,
                                        const std::string& name_language) const {
  return absl::StrReplaceAll(For(language).fallback_name,
                             {{"{name}", name}, {"{language}", name_language}});
}

TitleMessages::Title TitleMessages::Make(const std::string& language, bool local,
                                         const std::string& subject, int edition,
                                         int year) const {
  std::string found = Find(language);
  if (found.empty()) found = "en";
  const Wording& w = by_language_.at(found);
  const std::string& year_pattern = local ? w.local_year : w.national_year;
  const std::string& pattern =
      year > 0 && !year_pattern.empty() ? year_pattern : (local ? w.local : w.national);
  return Title{absl::StrReplaceAll(pattern, {{"{subject}", subject},
                                             {"{edition}", Edition(found, edition)},
                                             {"{year}", absl::StrCat(year)}}),
               found};
}

}  // namespace mgi::assessment
