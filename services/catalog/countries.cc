#include "services/catalog/countries.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/catalog/mo_file.h"
#include "services/common/language.h"

namespace mgi::catalog {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;
constexpr char kDomain[] = "iso_3166-1.mo";
}  // namespace

std::string LocaleDirToTag(const std::string& dir_name) {
  std::string name = dir_name;
  std::string script;
  if (auto at = name.find('@'); at != std::string::npos) {
    std::string modifier = name.substr(at + 1);
    name = name.substr(0, at);
    if (modifier == "latin") {
      script = "Latn";
    } else if (modifier == "cyrillic") {
      script = "Cyrl";
    } else {
      return "";
    }
  }
  if (auto dot = name.find('.'); dot != std::string::npos) name = name.substr(0, dot);
  if (!script.empty()) {
    auto us = name.find('_');
    name = us == std::string::npos ? absl::StrCat(name, "-", script)
                                   : absl::StrCat(name.substr(0, us), "-", script, name.substr(us));
  }
  auto tag = NormalizeLanguage(name);
  return tag.ok() ? *tag : "";
}

absl::StatusOr<Countries> Countries::Load(const std::string& iso_codes_dir,
                                          const std::string& locale_dir,
                                          const std::vector<std::string>& languages) {
  Countries c;
  std::string path = (fs::path(iso_codes_dir) / "iso_3166-1.json").string();
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open (see --iso-codes-dir)"));
  std::ostringstream ss;
  ss << in.rdbuf();
  json doc = json::parse(ss.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("3166-1") ||
      !doc["3166-1"].is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not an iso-codes ISO 3166-1 file"));
  }
  for (const auto& e : doc["3166-1"]) {
    CountryRecord r;
    auto get = [&](const char* key) {
      return e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
    };
    r.alpha2 = get("alpha_2");
    r.alpha3 = get("alpha_3");
    r.numeric = get("numeric");
    r.name = get("name");
    r.official_name = get("official_name");
    if (r.alpha3.size() != 3 || r.name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": entry ", e.dump(), " lacks alpha_3 or name"));
    }
    c.records_.push_back(std::move(r));
  }
  std::sort(c.records_.begin(), c.records_.end(),
            [](const CountryRecord& a, const CountryRecord& b) { return a.alpha3 < b.alpha3; });
  for (size_t i = 0; i < c.records_.size(); ++i) c.by_alpha3_[c.records_[i].alpha3] = i;

  // Which catalogs exist: tag -> file.
  std::map<std::string, std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(locale_dir, ec)) {
    fs::path mo = entry.path() / "LC_MESSAGES" / kDomain;
    if (!fs::exists(mo, ec)) continue;
    std::string tag = LocaleDirToTag(entry.path().filename().string());
    if (!tag.empty() && tag != "en") found.emplace(tag, mo.string());
  }
  std::map<std::string, std::string> wanted;
  if (languages.empty()) {
    wanted = found;
  } else {
    for (const auto& l : languages) {
      auto tag = NormalizeLanguage(l, "country-languages");
      if (!tag.ok()) return tag.status();
      if (*tag == "en") continue;  // English is the source language
      auto it = found.find(*tag);
      if (it == found.end()) {
        return absl::NotFoundError(absl::StrCat("no ISO 3166-1 translation for \"", *tag, "\" in ",
                                                locale_dir, "/*/LC_MESSAGES/", kDomain));
      }
      wanted.insert(*it);
    }
  }
  for (const auto& [tag, file] : wanted) {
    auto messages = ReadMoFile(file);
    if (!messages.ok()) return messages.status();
    c.translations_[tag] = std::move(*messages);
  }
  return c;
}

const CountryRecord* Countries::Find(const std::string& alpha3) const {
  auto it = by_alpha3_.find(alpha3);
  return it == by_alpha3_.end() ? nullptr : &records_[it->second];
}

std::vector<std::string> Countries::languages() const {
  std::vector<std::string> out;
  for (const auto& [tag, _] : translations_) out.push_back(tag);
  return out;
}

const std::string* Countries::Translate(const std::string& language,
                                        const std::string& msgid) const {
  auto it = translations_.find(language);
  if (it == translations_.end()) return nullptr;
  auto m = it->second.find(msgid);
  return m == it->second.end() ? nullptr : &m->second;
}

}  // namespace mgi::catalog
