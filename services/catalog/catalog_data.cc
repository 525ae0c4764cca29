#include "services/catalog/catalog_data.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/resource_id.h"
#include "services/common/language.h"

namespace mgi::catalog {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Collects problems as "<file>: <entry>: <what>".
class Problems {
 public:
  void Add(const std::string& file, const std::string& entry, const std::string& what) {
    list_.push_back(entry.empty() ? absl::StrCat(file, ": ", what)
                                  : absl::StrCat(file, ": ", entry, ": ", what));
  }
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::vector<std::string> list_;
};

bool IsId(const std::string& s) { return IsResourceId(s, IdStart::kLetterOrDigit); }

std::string Join(const std::string& a, const std::string& b) {
  return a.empty() ? b : absl::StrCat(a, ".", b);
}

// One file being read: its path, its problems, and the languages it marks unverified.
struct FileContext {
  std::string path;
  Problems* problems;
  std::set<std::string> unverified_languages;

  void Problem(const std::string& entry, const std::string& what) const {
    problems->Add(path, entry, what);
  }

  // Reports keys of `obj` outside `allowed` (typos would otherwise be silently ignored).
  void CheckKeys(const json& obj, const std::string& entry,
                 const std::vector<std::string>& allowed) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (it.key() == "notes" || it.key() == "$comment") continue;
      if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
        Problem(entry, absl::StrCat("unknown key \"", it.key(),
                                    "\"; expected one of: ", absl::StrJoin(allowed, ", ")));
      }
    }
  }

  std::string String(const json& obj, const std::string& entry, const std::string& key,
                     bool required = true) const {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) Problem(entry, absl::StrCat("missing \"", key, "\""));
      return "";
    }
    if (!it->is_string() || it->get<std::string>().empty()) {
      Problem(entry, absl::StrCat("\"", key, "\" must be a non-empty string"));
      return "";
    }
    return it->get<std::string>();
  }

  const json* Array(const json& obj, const std::string& entry, const std::string& key,
                    bool required = true) const {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) Problem(entry, absl::StrCat("missing \"", key, "\""));
      return nullptr;
    }
    if (!it->is_array()) {
      Problem(entry, absl::StrCat("\"", key, "\" must be an array"));
      return nullptr;
    }
    return &*it;
  }

  // A localized text: {"en": "...", "fr": "..." or {"text": "...", "unverified": true}}.
  LocalizedText Localized(const json& obj, const std::string& entry, const std::string& key,
                          bool required = true) const {
    LocalizedText out;
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required)
        Problem(entry, absl::StrCat("missing \"", key, "\" (English text is required)"));
      return out;
    }
    const std::string where = Join(entry, key);
    if (!it->is_object()) {
      Problem(where, "must be an object of texts by language, e.g. {\"en\": \"...\"}");
      return out;
    }
    for (auto lt = it->begin(); lt != it->end(); ++lt) {
      auto lang = NormalizeLanguage(lt.key());
      if (!lang.ok() || *lang != lt.key()) {
        Problem(where, absl::StrCat("\"", lt.key(), "\" is not a normalized BCP 47 tag (",
                                    lang.ok() ? *lang : "e.g. en, fr, pt-BR", ")"));
        continue;
      }
      Text text;
      text.unverified = unverified_languages.count(*lang) > 0;
      if (lt->is_string()) {
        text.text = lt->get<std::string>();
      } else if (lt->is_object()) {
        CheckKeys(*lt, Join(where, *lang), {"text", "unverified"});
        auto t = lt->find("text");
        auto u = lt->find("unverified");
        if (t != lt->end() && t->is_string()) text.text = t->get<std::string>();
        if (u != lt->end()) {
          if (u->is_boolean()) {
            text.unverified = u->get<bool>();
          } else {
            Problem(Join(where, *lang), "\"unverified\" must be true or false");
          }
        }
      } else {
        Problem(Join(where, *lang), "must be a string or {\"text\": ..., \"unverified\": ...}");
        continue;
      }
      if (text.text.empty()) {
        Problem(Join(where, *lang), "text is empty");
        continue;
      }
      out[*lang] = std::move(text);
    }
    if (required && !out.count("en")) Problem(where, "missing English (\"en\") text");
    return out;
  }
};

absl::StatusOr<json> ReadJson(const std::string& path, Problems& problems) {
  std::ifstream in(path);
  if (!in) {
    problems.Add(path, "", "cannot be read");
    return absl::NotFoundError(path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  json doc;
  try {
    doc = json::parse(ss.str());
  } catch (const json::parse_error& e) {
    problems.Add(path, "", absl::StrCat("malformed JSON: ", e.what()));
    return absl::InvalidArgumentError(path);
  }
  if (!doc.is_object()) {
    problems.Add(path, "", "must hold a JSON object");
    return absl::InvalidArgumentError(path);
  }
  return doc;
}

// Checks format_version and kind; reads unverified_languages. False when the file cannot be read
// further.
bool CheckHeader(const json& doc, const std::string& kind, FileContext& ctx) {
  auto v = doc.find("format_version");
  if (v == doc.end()) {
    ctx.Problem("", absl::StrCat("missing \"format_version\" (this build reads version ",
                                 kDataFormatVersion, ")"));
    return false;
  }
  if (!v->is_number_integer() || v->get<int>() != kDataFormatVersion) {
    ctx.Problem("", absl::StrCat("unsupported format_version ", v->dump(), " (this build reads ",
                                 kDataFormatVersion, ")"));
    return false;
  }
  if (ctx.String(doc, "", "kind") != kind) {
    ctx.Problem("", absl::StrCat("\"kind\" must be \"", kind, "\""));
    return false;
  }
  if (const json* langs = ctx.Array(doc, "", "unverified_languages", false)) {
    for (const auto& l : *langs) {
      auto n =
          l.is_string() ? NormalizeLanguage(l.get<std::string>()) : absl::InvalidArgumentError("");
      if (!n.ok()) {
        ctx.Problem("unverified_languages", absl::StrCat(l.dump(), " is not a BCP 47 tag"));
      } else {
        ctx.unverified_languages.insert(*n);
      }
    }
  }
  return true;
}

std::vector<v1::Level> ReadLevels(const json& obj, const std::string& entry, FileContext& ctx) {
  std::vector<v1::Level> levels;
  const json* arr = ctx.Array(obj, entry, "levels");
  if (!arr) return levels;
  for (const auto& l : *arr) {
    v1::Level level = v1::LEVEL_UNSPECIFIED;
    if (l == "national") level = v1::LEVEL_NATIONAL;
    if (l == "local") level = v1::LEVEL_LOCAL;
    if (level == v1::LEVEL_UNSPECIFIED) {
      ctx.Problem(Join(entry, "levels"),
                  absl::StrCat(l.dump(), " is not \"national\" or \"local\""));
    } else if (std::find(levels.begin(), levels.end(), level) != levels.end()) {
      ctx.Problem(Join(entry, "levels"), absl::StrCat(l.dump(), " appears twice"));
    } else {
      levels.push_back(level);
    }
  }
  if (levels.empty() && !arr->empty()) return levels;
  if (arr->empty()) ctx.Problem(Join(entry, "levels"), "must name at least one level");
  return levels;
}

void LoadFramework(const std::string& path, FrameworkData* fw, Problems& problems) {
  auto doc = ReadJson(path, problems);
  if (!doc.ok()) return;
  FileContext ctx{path, &problems, {}};
  if (!CheckHeader(*doc, "mgi.catalog.framework", ctx)) return;
  ctx.CheckKeys(*doc, "",
                {"format_version", "kind", "unverified_languages", "edition", "display_name",
                 "introduction", "principles", "objectives", "domains"});
  fw->edition = ctx.String(*doc, "", "edition");
  fw->display_name = ctx.Localized(*doc, "", "display_name");
  fw->introduction = ctx.Localized(*doc, "", "introduction");

  std::set<std::string> domain_ids;
  if (const json* domains = ctx.Array(*doc, "", "domains")) {
    if (domains->empty()) ctx.Problem("domains", "must list at least one domain");
    for (size_t i = 0; i < domains->size(); ++i) {
      const json& d = (*domains)[i];
      std::string entry = absl::StrCat("domains[", i, "]");
      if (!d.is_object()) {
        ctx.Problem(entry, "must be an object");
        continue;
      }
      DomainData dom;
      dom.id = ctx.String(d, entry, "id");
      if (!dom.id.empty()) {
        entry = absl::StrCat(entry, " \"", dom.id, "\"");
        if (!IsId(dom.id)) ctx.Problem(entry, "\"id\" must match [a-z0-9][a-z0-9-]*");
        if (!domain_ids.insert(dom.id).second) ctx.Problem(entry, "duplicate domain id");
      }
      ctx.CheckKeys(d, entry,
                    {"id", "number", "display_name", "local_display_name", "national_description",
                     "local_description", "sub_areas"});
      auto n = d.find("number");
      if (n == d.end() || !n->is_number_integer() || n->get<int>() != static_cast<int>(i) + 1) {
        ctx.Problem(entry,
                    absl::StrCat("\"number\" must be ", i + 1, " (domains are listed in order)"));
      }
      dom.number = static_cast<int>(i) + 1;
      dom.display_name = ctx.Localized(d, entry, "display_name");
      dom.local_display_name = ctx.Localized(d, entry, "local_display_name", false);
      dom.national_description = ctx.Localized(d, entry, "national_description");
      dom.local_description = ctx.Localized(d, entry, "local_description");
      std::set<std::string> sub_ids;
      if (const json* subs = ctx.Array(d, entry, "sub_areas")) {
        if (subs->empty()) ctx.Problem(Join(entry, "sub_areas"), "must list at least one sub-area");
        for (size_t k = 0; k < subs->size(); ++k) {
          const json& s = (*subs)[k];
          std::string sentry = absl::StrCat(entry, ".sub_areas[", k, "]");
          if (!s.is_object()) {
            ctx.Problem(sentry, "must be an object");
            continue;
          }
          SubAreaData sub;
          sub.id = ctx.String(s, sentry, "id");
          if (!sub.id.empty()) {
            sentry = absl::StrCat(sentry, " \"", sub.id, "\"");
            if (!IsId(sub.id)) ctx.Problem(sentry, "\"id\" must match [a-z0-9][a-z0-9-]*");
            if (!sub_ids.insert(sub.id).second) ctx.Problem(sentry, "duplicate sub-area id");
          }
          ctx.CheckKeys(s, sentry, {"id", "display_name", "levels", "levels_unverified"});
          sub.display_name = ctx.Localized(s, sentry, "display_name");
          sub.levels = ReadLevels(s, sentry, ctx);
          if (auto u = s.find("levels_unverified"); u != s.end()) {
            if (u->is_boolean()) {
              sub.levels_unverified = u->get<bool>();
            } else {
              ctx.Problem(Join(sentry, "levels_unverified"), "must be true or false");
            }
          }
          dom.sub_areas.push_back(std::move(sub));
        }
      }
      fw->domains.push_back(std::move(dom));
    }
  }

  auto read_elements = [&](const std::string& key, v1::MigofElementKind kind,
                           std::vector<MigofElementData>* out) {
    const json* arr = ctx.Array(*doc, "", key);
    if (!arr) return;
    std::set<std::string> used;
    for (size_t i = 0; i < arr->size(); ++i) {
      const json& e = (*arr)[i];
      std::string entry = absl::StrCat(key, "[", i, "]");
      if (!e.is_object()) {
        ctx.Problem(entry, "must be an object");
        continue;
      }
      ctx.CheckKeys(e, entry, {"number", "statement", "short_form", "domain"});
      MigofElementData el;
      el.kind = kind;
      el.number = static_cast<int>(i) + 1;
      auto n = e.find("number");
      if (n == e.end() || !n->is_number_integer() || n->get<int>() != el.number) {
        ctx.Problem(entry, absl::StrCat("\"number\" must be ", el.number, " (listed in order)"));
      }
      el.statement = ctx.Localized(e, entry, "statement");
      el.short_form = ctx.Localized(e, entry, "short_form");
      el.domain_id = ctx.String(e, entry, "domain");
      if (!el.domain_id.empty() && !domain_ids.count(el.domain_id)) {
        ctx.Problem(entry, absl::StrCat("unknown domain \"", el.domain_id, "\""));
      }
      out->push_back(std::move(el));
    }
  };
  read_elements("principles", v1::MIGOF_ELEMENT_KIND_PRINCIPLE, &fw->principles);
  read_elements("objectives", v1::MIGOF_ELEMENT_KIND_OBJECTIVE, &fw->objectives);
}

v1::ScaleValue ParseScaleValue(const json& v) {
  if (!v.is_string()) return v1::SCALE_VALUE_UNSPECIFIED;
  std::string s = v.get<std::string>();
  if (s.rfind("SCALE_VALUE_", 0) != 0) s = "SCALE_VALUE_" + s;
  v1::ScaleValue value = v1::SCALE_VALUE_UNSPECIFIED;
  if (!v1::ScaleValue_Parse(s, &value)) return v1::SCALE_VALUE_UNSPECIFIED;
  return value;
}

std::vector<ScalePointData> ReadScale(const json& arr, const std::string& entry,
                                      const FileContext& ctx) {
  std::vector<ScalePointData> scale;
  if (!arr.is_array() || arr.empty()) {
    ctx.Problem(entry, "must be a non-empty array of {\"value\": ..., \"label\": {...}}");
    return scale;
  }
  for (size_t i = 0; i < arr.size(); ++i) {
    const json& p = arr[i];
    std::string pentry = absl::StrCat(entry, "[", i, "]");
    if (!p.is_object()) {
      ctx.Problem(pentry, "must be an object");
      continue;
    }
    ctx.CheckKeys(p, pentry, {"value", "label"});
    ScalePointData point;
    point.value = p.contains("value") ? ParseScaleValue(p["value"]) : v1::SCALE_VALUE_UNSPECIFIED;
    if (point.value == v1::SCALE_VALUE_UNSPECIFIED) {
      ctx.Problem(pentry,
                  absl::StrCat("\"value\" ", p.contains("value") ? p["value"].dump() : "(missing)",
                               " is not one of ABSENT, PARTIAL, COMPLETE, NOT_APPLICABLE"));
    } else if (std::any_of(scale.begin(), scale.end(),
                           [&](const ScalePointData& s) { return s.value == point.value; })) {
      ctx.Problem(pentry,
                  absl::StrCat("\"value\" ", v1::ScaleValue_Name(point.value), " appears twice"));
    }
    point.label = ctx.Localized(p, pentry, "label");
    scale.push_back(std::move(point));
  }
  return scale;
}

void LoadIndicators(const std::string& path, const FrameworkData& fw,
                    std::map<std::string, std::string>* seen_ids, std::vector<IndicatorData>* out,
                    Problems& problems) {
  auto doc = ReadJson(path, problems);
  if (!doc.ok()) return;
  FileContext ctx{path, &problems, {}};
  if (!CheckHeader(*doc, "mgi.catalog.indicators", ctx)) return;
  ctx.CheckKeys(*doc, "",
                {"format_version", "kind", "unverified_languages", "framework_edition", "sample",
                 "source_note", "default_scale", "indicators"});
  std::string edition = ctx.String(*doc, "", "framework_edition");
  std::string source_note = ctx.String(*doc, "", "source_note");
  bool sample = false;
  auto s = doc->find("sample");
  if (s == doc->end() || !s->is_boolean()) {
    ctx.Problem("", "\"sample\" must be true or false");
  } else {
    sample = s->get<bool>();
  }
  std::vector<ScalePointData> default_scale;
  if (doc->contains("default_scale"))
    default_scale = ReadScale((*doc)["default_scale"], "default_scale", ctx);
  const json* arr = ctx.Array(*doc, "", "indicators");
  if (!arr) return;
  for (size_t i = 0; i < arr->size(); ++i) {
    const json& e = (*arr)[i];
    std::string entry = absl::StrCat("indicators[", i, "]");
    if (!e.is_object()) {
      ctx.Problem(entry, "must be an object");
      continue;
    }
    IndicatorData ind;
    ind.id = ctx.String(e, entry, "id");
    if (!ind.id.empty()) {
      entry = absl::StrCat(entry, " \"", ind.id, "\"");
      if (!IsId(ind.id)) ctx.Problem(entry, "\"id\" must match [a-z0-9][a-z0-9-]* (at most 63)");
      auto [it, inserted] = seen_ids->emplace(ind.id, path);
      if (!inserted) {
        ctx.Problem(entry,
                    absl::StrCat("duplicate indicator id (first defined in ", it->second, ")"));
      }
    }
    ctx.CheckKeys(e, entry, {"id", "domain", "sub_area", "level", "text", "scale"});
    ind.domain_id = ctx.String(e, entry, "domain");
    ind.sub_area_id = ctx.String(e, entry, "sub_area");
    const DomainData* domain = nullptr;
    for (size_t d = 0; d < fw.domains.size(); ++d) {
      if (fw.domains[d].id == ind.domain_id) {
        domain = &fw.domains[d];
        ind.domain_index = static_cast<int>(d);
      }
    }
    const SubAreaData* sub = nullptr;
    if (!ind.domain_id.empty() && !domain) {
      ctx.Problem(entry, absl::StrCat("unknown domain \"", ind.domain_id, "\""));
    } else if (domain && !ind.sub_area_id.empty()) {
      for (size_t k = 0; k < domain->sub_areas.size(); ++k) {
        if (domain->sub_areas[k].id == ind.sub_area_id) {
          sub = &domain->sub_areas[k];
          ind.sub_area_index = static_cast<int>(k);
        }
      }
      if (!sub) {
        ctx.Problem(entry, absl::StrCat("unknown sub-area \"", ind.sub_area_id, "\" in domain \"",
                                        ind.domain_id, "\""));
      }
    }
    std::string level = ctx.String(e, entry, "level");
    if (level == "national") ind.level = v1::LEVEL_NATIONAL;
    if (level == "local") ind.level = v1::LEVEL_LOCAL;
    if (!level.empty() && ind.level == v1::LEVEL_UNSPECIFIED) {
      ctx.Problem(entry,
                  absl::StrCat("\"level\" \"", level, "\" is not \"national\" or \"local\""));
    }
    if (sub && ind.level != v1::LEVEL_UNSPECIFIED &&
        std::find(sub->levels.begin(), sub->levels.end(), ind.level) == sub->levels.end()) {
      ctx.Problem(entry,
                  absl::StrCat("sub-area \"", sub->id, "\" is not used at the ", level, " level"));
    }
    ind.text = ctx.Localized(e, entry, "text");
    if (e.contains("scale")) {
      ind.scale = ReadScale(e["scale"], Join(entry, "scale"), ctx);
    } else if (!default_scale.empty()) {
      ind.scale = default_scale;
    } else {
      ctx.Problem(entry, "no \"scale\" and the file has no \"default_scale\"");
    }
    ind.framework_edition = edition;
    ind.sample = sample;
    ind.source_note = source_note;
    ind.file = path;
    out->push_back(std::move(ind));
  }
}

}  // namespace

absl::StatusOr<CatalogData> LoadCatalogData(const std::string& dir) {
  Problems problems;
  CatalogData data;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("catalog data directory ", dir, " does not exist or is not a directory"));
  }
  LoadFramework((fs::path(dir) / "framework.json").string(), &data.framework, problems);
  fs::path ind_dir = fs::path(dir) / "indicators";
  std::vector<std::string> files;
  if (fs::is_directory(ind_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(ind_dir, ec)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) problems.Add(ind_dir.string(), "", "holds no *.json indicator file");
  std::map<std::string, std::string> seen_ids;
  for (const auto& f : files)
    LoadIndicators(f, data.framework, &seen_ids, &data.indicators, problems);
  if (!problems.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "catalog data in ", dir, " is invalid (", problems.size(), " problem",
        problems.size() == 1 ? "" : "s", "):\n  ", absl::StrJoin(problems.list(), "\n  ")));
  }
  std::stable_sort(data.indicators.begin(), data.indicators.end(),
                   [](const IndicatorData& a, const IndicatorData& b) {
                     return std::tie(a.domain_index, a.sub_area_index, a.id) <
                            std::tie(b.domain_index, b.sub_area_index, b.id);
                   });
  return data;
}

int CheckDataDirectory(const std::string& dir, std::ostream& out, std::ostream& err) {
  auto data = LoadCatalogData(dir);
  if (!data.ok()) {
    err << data.status().message() << "\n";  // "catalog data in DIR is invalid (N problems):..."
    return 1;
  }
  size_t sub_areas = 0, unverified = 0, national = 0, local = 0, sample = 0;
  std::set<std::string> languages;
  auto count = [&](const LocalizedText& t) {
    for (const auto& [lang, text] : t) {
      languages.insert(lang);
      if (text.unverified) ++unverified;
    }
  };
  const FrameworkData& fw = data->framework;
  count(fw.display_name);
  count(fw.introduction);
  for (const auto& d : fw.domains) {
    sub_areas += d.sub_areas.size();
    for (const auto* t : {&d.display_name, &d.local_display_name, &d.national_description,
                          &d.local_description}) {
      count(*t);
    }
    for (const auto& s : d.sub_areas) count(s.display_name);
  }
  std::set<std::string> files, editions;
  for (const auto& ind : data->indicators) {
    count(ind.text);
    (ind.level == v1::LEVEL_LOCAL ? local : national)++;
    if (ind.sample) ++sample;
    files.insert(ind.file);
    editions.insert(ind.framework_edition);
  }
  out << "catalog data in " << dir << " is valid: " << fw.domains.size() << " domains, "
      << sub_areas << " sub-areas, " << data->indicators.size() << " indicators (" << national
      << " national, " << local << " local) in " << files.size() << " file(s)\n"
      << "  framework edition " << fw.edition << "; indicator editions: "
      << absl::StrJoin(editions, ", ") << "\n"
      << "  languages: " << absl::StrJoin(languages, ", ") << "; " << unverified
      << " text(s) marked unverified\n"
      << "  " << (sample > 0 ? absl::StrCat(sample, " indicator(s) marked \"sample\": true")
                             : std::string("no indicator marked as a sample"))
      << "\n";
  return 0;
}

DataCheckFlag::DataCheckFlag(Config& config) {
  config.String("check-data", &dir_,
                "Check the catalog data in this directory (framework.json, indicators/*.json), "
                "print a summary or every problem, and exit without serving: 0 valid, 1 not");
}

int DataCheckFlag::Run() const { return CheckDataDirectory(dir_, std::cout, std::cerr); }

}  // namespace mgi::catalog
