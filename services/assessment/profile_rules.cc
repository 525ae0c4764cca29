#include "services/assessment/profile_rules.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/common/digest.h"
#include "services/common/resource_id.h"
#include "services/common/language.h"
#include "services/common/pagination.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"

namespace mgi::assessment {
namespace {

namespace cv1 = mgi::catalog::v1;

std::string Join(const std::string& prefix, const std::string& field) {
  return prefix.empty() ? field : absl::StrCat(prefix, ".", field);
}

bool IsFindingId(const std::string& id) { return IsResourceId(id, IdStart::kLetterOrDigit); }

bool IsCountryName(const std::string& name) {
  if (name.size() != 13 || !absl::StartsWith(name, "countries/")) return false;
  for (size_t i = 10; i < 13; ++i) {
    if (!std::isupper(static_cast<unsigned char>(name[i]))) return false;
  }
  return true;
}

// Checks the keys of a per-language map: well-formed, normalised tags and non-empty texts.
void CheckLanguageMap(const google::protobuf::Map<std::string, std::string>& m,
                      const std::string& path, std::vector<FieldViolation>* out) {
  for (const auto& [lang, text] : m) {
    auto norm = NormalizeLanguage(lang, path);
    if (!norm.ok() || lang.empty()) {
      out->push_back({path, absl::StrCat("\"", lang, "\" is not a BCP 47 language tag")});
    } else if (*norm != lang) {
      out->push_back({path, absl::StrCat("write the language \"", lang, "\" as \"", *norm, "\"")});
    } else if (absl::StripAsciiWhitespace(text).empty()) {
      out->push_back({absl::StrCat(path, "[\"", lang, "\"]"), "is empty"});
    }
  }
}

void CheckFindings(const google::protobuf::RepeatedPtrField<av1::Finding>& findings,
                   const std::string& path, std::set<std::string>* ids,
                   std::vector<FieldViolation>* out) {
  for (int j = 0; j < findings.size(); ++j) {
    const av1::Finding& f = findings[j];
    std::string fp = absl::StrCat(path, "[", j, "]");
    if (!IsFindingId(f.finding_id())) {
      out->push_back({fp + ".finding_id",
                      "must be 1 to 63 lower-case letters, digits and '-', e.g. \"mr-w1\""});
    } else if (!ids->insert(f.finding_id()).second) {
      out->push_back({fp + ".finding_id",
                      absl::StrCat("\"", f.finding_id(), "\" is used by another finding")});
    }
    if (f.text().empty()) {
      out->push_back({fp + ".text", "a finding needs its text in at least one language"});
    }
    CheckLanguageMap(f.text(), fp + ".text", out);
    for (int k = 0; k < f.references_size(); ++k) {
      const av1::Reference& r = f.references(k);
      std::string rp = absl::StrCat(fp, ".references[", k, "]");
      if (r.title().empty()) {
        out->push_back({rp + ".title", "a reference needs its title in at least one language"});
      }
      CheckLanguageMap(r.title(), rp + ".title", out);
      if (r.year() != 0 && (r.year() < 1800 || r.year() > 2100)) {
        out->push_back({rp + ".year", "must be 0 (unknown) or a year from 1800 to 2100"});
      }
    }
  }
}

}  // namespace

bool IsValidProfileId(const std::string& id) { return IsResourceId(id, IdStart::kLetter); }

absl::StatusOr<std::string> ParseProfileName(const std::string& name, const std::string& field) {
  if (name.empty()) return InvalidArgument(field, "is required, e.g. \"profiles/gtm-2022\"");
  if (!absl::StartsWith(name, "profiles/") || !IsValidProfileId(name.substr(9))) {
    return InvalidArgument(field,
                           absl::StrCat("\"", name,
                                        "\" is not a profile name: \"profiles/\" and 1 to 63 "
                                        "lower-case letters, digits and '-', starting with a "
                                        "letter"));
  }
  return name.substr(9);
}

void ClearDisplay(av1::Profile* p) {
  p->clear_display_title();
  for (auto& d : *p->mutable_domains()) {
    for (auto* group : {d.mutable_well_developed(), d.mutable_further_development()}) {
      for (auto& f : *group) {
        f.clear_display_text();
        f.clear_display_language();
      }
    }
  }
}

void ClearOutputOnly(av1::Profile* p) {
  ClearDisplay(p);
  p->clear_state();
  p->clear_create_time();
  p->clear_update_time();
  p->clear_publish_time();
  p->clear_revision();
  p->clear_etag();
  p->clear_previous_edition();
}

void SortDomains(av1::Profile* p, const std::vector<std::string>& catalog_domains) {
  auto rank = [&](const av1::DomainFindings& d) {
    auto it = std::find(catalog_domains.begin(), catalog_domains.end(), d.domain());
    return it - catalog_domains.begin();
  };
  std::stable_sort(p->mutable_domains()->begin(), p->mutable_domains()->end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
}

void AssignFindingIds(av1::Profile* p) {
  std::set<std::string> used;
  for (const auto& d : p->domains()) {
    for (const auto* g : {&d.well_developed(), &d.further_development()}) {
      for (const auto& f : *g) used.insert(f.finding_id());
    }
  }
  int next = 1;
  for (auto& d : *p->mutable_domains()) {
    for (auto* g : {d.mutable_well_developed(), d.mutable_further_development()}) {
      for (auto& f : *g) {
        if (!f.finding_id().empty()) continue;
        std::string id;
        do {
          id = absl::StrCat("f", next++);
        } while (used.count(id));
        used.insert(id);
        f.set_finding_id(id);
      }
    }
  }
}

absl::Status ValidateContent(const av1::Profile& p, const std::string& prefix,
                             CatalogClient& catalog, std::vector<FieldViolation>* out) {
  // Country.
  if (p.country().empty()) {
    out->push_back({Join(prefix, "country"), "is required, e.g. \"countries/GTM\""});
  } else if (!IsCountryName(p.country())) {
    out->push_back({Join(prefix, "country"),
                    absl::StrCat("\"", p.country(),
                                 "\" must be \"countries/\" and an ISO 3166-1 alpha-3 code, e.g. "
                                 "\"countries/GTM\"")});
  } else {
    auto country = catalog.GetCountry(p.country(), "en");
    if (absl::IsNotFound(country.status())) {
      out->push_back({Join(prefix, "country"),
                      absl::StrCat("unknown country \"", p.country(), "\": not in the catalog")});
    } else if (!country.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot check the country with the catalog: ", country.status().message()));
    }
  }
  // Level and local unit.
  if (p.level() == cv1::LEVEL_UNSPECIFIED) {
    out->push_back({Join(prefix, "level"), "is required: LEVEL_NATIONAL or LEVEL_LOCAL"});
  } else if (p.level() != cv1::LEVEL_NATIONAL && p.level() != cv1::LEVEL_LOCAL) {
    out->push_back({Join(prefix, "level"), "must be LEVEL_NATIONAL or LEVEL_LOCAL"});
  }
  if (p.level() == cv1::LEVEL_LOCAL) {
    // Any language will do (IOM publishes many local profiles in one language only), as long as
    // one of the names is in a language of the profile.
    bool named = false, in_profile_language = false;
    for (const auto& [lang, name] : p.local_unit().display_name()) {
      if (absl::StripAsciiWhitespace(name).empty()) continue;
      named = true;
      for (const auto& l : p.languages()) {
        if (l == lang || l.substr(0, l.find('-')) == lang.substr(0, lang.find('-'))) {
          in_profile_language = true;
        }
      }
    }
    if (!named) {
      out->push_back({Join(prefix, "local_unit.display_name"),
                      "a local profile needs the local unit's name in at least one of the "
                      "profile's languages, e.g. {\"es\": \"Municipio de Villa del Rosario\"}"});
    } else if (!in_profile_language && !p.languages().empty()) {
      out->push_back({Join(prefix, "local_unit.display_name"),
                      absl::StrCat("name the local unit in at least one of the profile's "
                                   "languages (",
                                   absl::StrJoin(p.languages(), ", "), ")")});
    }
    CheckLanguageMap(p.local_unit().display_name(), Join(prefix, "local_unit.display_name"), out);
    const std::string& kind = p.local_unit().kind();
    bool kind_ok = !kind.empty() && std::all_of(kind.begin(), kind.end(), [](char c) {
      return std::islower(static_cast<unsigned char>(c)) || c == ' ' || c == '-';
    });
    if (!kind_ok) {
      out->push_back({Join(prefix, "local_unit.kind"),
                      "is required, in lower case, e.g. \"city\", \"municipality\", \"county\""});
    }
  } else if (p.level() == cv1::LEVEL_NATIONAL && p.has_local_unit()) {
    out->push_back({Join(prefix, "local_unit"), "must be absent on a national profile"});
  }
  if (p.edition() < 1) {
    out->push_back({Join(prefix, "edition"), "must be 1 (first profile) or more"});
  }
  if (!p.has_publication_month()) {
    out->push_back({Join(prefix, "publication_month"), "is required, e.g. {year: 2022, month: 8}"});
  } else {
    if (p.publication_month().year() < 1990 || p.publication_month().year() > 2100) {
      out->push_back({Join(prefix, "publication_month.year"), "must be from 1990 to 2100"});
    }
    if (p.publication_month().month() < 1 || p.publication_month().month() > 12) {
      out->push_back({Join(prefix, "publication_month.month"), "must be from 1 to 12"});
    }
  }
  if (p.assessment_year() != 0) {
    if (p.assessment_year() < 1990 || p.assessment_year() > 2100) {
      out->push_back({Join(prefix, "assessment_year"),
                      "must be 0 (not given) or a year from 1990 to 2100, e.g. 2019"});
    } else if (p.has_publication_month() &&
               p.assessment_year() > p.publication_month().year()) {
      out->push_back({Join(prefix, "assessment_year"),
                      absl::StrCat(p.assessment_year(), " is after the year of publication (",
                                   p.publication_month().year(),
                                   "): the assessment comes first")});
    }
  }
  // Languages.
  if (p.languages().empty()) {
    out->push_back({Join(prefix, "languages"), "at least one language is required, e.g. \"en\""});
  }
  std::set<std::string> langs;
  for (int i = 0; i < p.languages_size(); ++i) {
    std::string path = absl::StrCat(Join(prefix, "languages"), "[", i, "]");
    auto norm = NormalizeLanguage(p.languages(i), path);
    if (!norm.ok() || p.languages(i).empty()) {
      out->push_back({path, absl::StrCat("\"", p.languages(i), "\" is not a BCP 47 language tag")});
    } else if (*norm != p.languages(i)) {
      out->push_back({path, absl::StrCat("write \"", p.languages(i), "\" as \"", *norm, "\"")});
    } else if (!langs.insert(*norm).second) {
      out->push_back({path, absl::StrCat("\"", *norm, "\" is listed twice")});
    }
  }
  CheckLanguageMap(p.title_override(), Join(prefix, "title_override"), out);
  if (p.has_publication()) {
    const auto& pub = p.publication();
    if (!pub.source_uri().empty() && !absl::StartsWith(pub.source_uri(), "https://") &&
        !absl::StartsWith(pub.source_uri(), "http://")) {
      out->push_back({Join(prefix, "publication.source_uri"), "must be an absolute http(s) URL"});
    }
    if (pub.page_count() < 0) {
      out->push_back({Join(prefix, "publication.page_count"), "must not be negative"});
    }
  }
  // Domains and findings.
  auto domains = catalog.ListDomains();
  if (!domains.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read the domains from the catalog: ", domains.status().message()));
  }
  std::set<std::string> seen_domains;
  std::set<std::string> finding_ids;
  for (int i = 0; i < p.domains_size(); ++i) {
    const auto& d = p.domains(i);
    std::string dp = absl::StrCat(Join(prefix, "domains"), "[", i, "]");
    if (std::find(domains->begin(), domains->end(), d.domain()) == domains->end()) {
      out->push_back({dp + ".domain", absl::StrCat("unknown domain \"", d.domain(),
                                                   "\": not in the catalog, e.g. "
                                                   "\"domains/migrants-rights\"")});
    } else if (!seen_domains.insert(d.domain()).second) {
      out->push_back({dp + ".domain", absl::StrCat("\"", d.domain(), "\" appears twice")});
    }
    CheckFindings(d.well_developed(), dp + ".well_developed", &finding_ids, out);
    CheckFindings(d.further_development(), dp + ".further_development", &finding_ids, out);
  }
  // Answers.
  std::set<std::string> answered;
  for (int i = 0; i < p.answers_size(); ++i) {
    const auto& a = p.answers(i);
    std::string ap = absl::StrCat(Join(prefix, "answers"), "[", i, "]");
    if (a.indicator().empty()) {
      out->push_back({ap + ".indicator", "is required, e.g. \"indicators/n-1-01\""});
      continue;
    }
    if (!answered.insert(a.indicator()).second) {
      out->push_back(
          {ap + ".indicator", absl::StrCat("\"", a.indicator(), "\" is answered twice")});
    }
    auto ind = catalog.GetIndicator(a.indicator());
    if (absl::IsNotFound(ind.status()) || absl::IsInvalidArgument(ind.status())) {
      out->push_back({ap + ".indicator", absl::StrCat("unknown indicator \"", a.indicator(),
                                                      "\": not in the catalog")});
      continue;
    }
    if (!ind.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot check indicators with the catalog: ", ind.status().message()));
    }
    if (p.level() != cv1::LEVEL_UNSPECIFIED && ind->level != p.level()) {
      out->push_back({ap + ".indicator",
                      absl::StrCat("\"", a.indicator(), "\" is a ", cv1::Level_Name(ind->level),
                                   " indicator; this profile is ", cv1::Level_Name(p.level()))});
    }
    if (a.value() == cv1::SCALE_VALUE_UNSPECIFIED ||
        std::find(ind->scale.begin(), ind->scale.end(), a.value()) == ind->scale.end()) {
      std::string allowed;
      for (auto v : ind->scale)
        absl::StrAppend(&allowed, allowed.empty() ? "" : ", ", cv1::ScaleValue_Name(v));
      out->push_back({ap + ".value",
                      absl::StrCat(cv1::ScaleValue_Name(a.value()), " is not on the scale of \"",
                                   a.indicator(), "\" (", allowed, ")")});
    }
    CheckLanguageMap(a.evidence(), ap + ".evidence", out);
  }
  return absl::OkStatus();
}

void CompletenessGaps(const av1::Profile& p, const std::vector<std::string>& catalog_domains,
                      const std::string& prefix, std::vector<FieldViolation>* out) {
  for (const std::string& domain : catalog_domains) {
    auto it = std::find_if(p.domains().begin(), p.domains().end(),
                           [&](const auto& d) { return d.domain() == domain; });
    if (it == p.domains().end()) {
      out->push_back(
          {Join(prefix, "domains"), absl::StrCat("the findings of \"", domain, "\" are missing")});
    } else if (it->well_developed().empty() && it->further_development().empty()) {
      out->push_back({absl::StrCat(Join(prefix, "domains"), "[", it - p.domains().begin(), "]"),
                      absl::StrCat("\"", domain, "\" has no findings")});
    }
  }
  const std::string own = DefaultLanguage(p);
  for (int i = 0; i < p.domains_size(); ++i) {
    const auto& d = p.domains(i);
    for (auto [group, name] : {std::pair{&d.well_developed(), "well_developed"},
                               {&d.further_development(), "further_development"}}) {
      for (int j = 0; j < group->size(); ++j) {
        auto it = (*group)[j].text().find(own);
        if (it == (*group)[j].text().end() || absl::StripAsciiWhitespace(it->second).empty()) {
          out->push_back(
              {absl::StrCat(Join(prefix, "domains"), "[", i, "].", name, "[", j, "].text"),
               absl::StrCat("the text in \"", own,
                            "\" (the profile's first language) is required to publish")});
        }
      }
    }
  }
}

const std::vector<std::string>& WritableFields() {
  static const auto* kFields = new std::vector<std::string>{
      "country",        "level",     "local_unit",  "edition", "publication_month",
      "title_override", "languages", "publication", "domains", "answers",
      "assessment_year"};
  return *kFields;
}

namespace {
bool IsSet(const av1::Profile& p, const std::string& f) {
  if (f == "country") return !p.country().empty();
  if (f == "level") return p.level() != 0;
  if (f == "local_unit") return p.has_local_unit();
  if (f == "edition") return p.edition() != 0;
  if (f == "publication_month") return p.has_publication_month();
  if (f == "title_override") return !p.title_override().empty();
  if (f == "languages") return !p.languages().empty();
  if (f == "publication") return p.has_publication();
  if (f == "domains") return !p.domains().empty();
  if (f == "answers") return !p.answers().empty();
  if (f == "assessment_year") return p.assessment_year() != 0;
  return false;
}
}  // namespace

absl::StatusOr<std::vector<std::string>> ResolveMask(const std::vector<std::string>& paths,
                                                     const av1::Profile& patch) {
  const auto& writable = WritableFields();
  std::vector<std::string> out;
  if (paths.empty()) {
    for (const auto& f : writable) {
      if (IsSet(patch, f)) out.push_back(f);
    }
    return out;
  }
  for (const auto& path : paths) {
    if (path == "*") return writable;
    if (std::find(writable.begin(), writable.end(), path) == writable.end()) {
      bool known = av1::Profile::descriptor()->FindFieldByName(path) != nullptr;
      return InvalidArgument(
          "update_mask",
          absl::StrCat("\"", path, "\" ",
                       known ? "is not writable (output-only or set by the server)"
                             : "is not a field of Profile",
                       "; writable fields: country, level, local_unit, edition, publication_month, "
                       "title_override, languages, publication, domains, answers, "
                       "assessment_year"));
    }
    if (std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
  }
  return out;
}

void ApplyMask(const std::vector<std::string>& fields, const av1::Profile& patch, av1::Profile* t) {
  for (const auto& f : fields) {
    if (f == "country") t->set_country(patch.country());
    if (f == "level") t->set_level(patch.level());
    if (f == "local_unit") {
      if (patch.has_local_unit()) {
        *t->mutable_local_unit() = patch.local_unit();
      } else {
        t->clear_local_unit();
      }
    }
    if (f == "edition") t->set_edition(patch.edition());
    if (f == "publication_month") {
      if (patch.has_publication_month()) {
        *t->mutable_publication_month() = patch.publication_month();
      } else {
        t->clear_publication_month();
      }
    }
    if (f == "title_override") *t->mutable_title_override() = patch.title_override();
    if (f == "languages") *t->mutable_languages() = patch.languages();
    if (f == "publication") {
      if (patch.has_publication()) {
        *t->mutable_publication() = patch.publication();
      } else {
        t->clear_publication();
      }
    }
    if (f == "domains") *t->mutable_domains() = patch.domains();
    if (f == "answers") *t->mutable_answers() = patch.answers();
    if (f == "assessment_year") t->set_assessment_year(patch.assessment_year());
  }
}

std::vector<std::string> ChangedFields(const av1::Profile& a, const av1::Profile& b) {
  std::vector<std::string> out;
  for (const auto& f : WritableFields()) {
    av1::Profile x, y;
    ApplyMask({f}, a, &x);
    ApplyMask({f}, b, &y);
    if (!google::protobuf::util::MessageDifferencer::Equals(x, y)) out.push_back(f);
  }
  return out;
}

std::string ComputeEtag(const av1::Profile& p) {
  av1::Profile copy = p;
  copy.clear_etag();
  ClearDisplay(&copy);
  return absl::StrFormat("\"%016x\"", StableHash(DeterministicBytes(copy)));
}

LocalizedText LookupText(const google::protobuf::Map<std::string, std::string>& texts,
                         const std::string& language,
                         const google::protobuf::RepeatedPtrField<std::string>& profile_languages) {
  LocalizedText out;
  auto take = [&](const std::string& lang) {
    auto it = texts.find(lang);
    if (it == texts.end() || absl::StripAsciiWhitespace(it->second).empty()) return false;
    out.text = &it->second;
    out.language = lang;
    out.fallback = lang != language;
    return true;
  };
  if (take(language)) return out;
  if (auto dash = language.find('-'); dash != std::string::npos) {
    if (take(language.substr(0, dash))) {
      out.fallback = false;  // "fr" text for "fr-CA"
      return out;
    }
  }
  for (const auto& l : profile_languages) {
    if (take(l)) return out;
  }
  if (take("en")) return out;
  for (const auto& [lang, _] : std::map<std::string, std::string>(texts.begin(), texts.end())) {
    if (take(lang)) return out;
  }
  return out;
}

std::string DefaultLanguage(const av1::Profile& p) {
  return p.languages().empty() || p.languages(0).empty() ? "en" : p.languages(0);
}

std::string FindingKey(const av1::Finding& f, const std::string& language) {
  LocalizedText found = LookupText(f.text(), language, {});
  if (found.text == nullptr) return "";
  auto it = f.text().find(found.language);
  std::string out;
  bool space = false;
  for (char c : it->second) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

av1::FindingGroupChanges CompareGroup(const google::protobuf::RepeatedPtrField<av1::Finding>& newer,
                                      const google::protobuf::RepeatedPtrField<av1::Finding>& older,
                                      const std::string& language) {
  av1::FindingGroupChanges out;
  std::map<std::string, int> older_left;
  for (const auto& f : older) ++older_left[FindingKey(f, language)];
  std::map<std::string, int> matched;
  for (const auto& f : newer) {
    std::string key = FindingKey(f, language);
    auto it = older_left.find(key);
    if (it != older_left.end() && it->second > 0) {
      --it->second;
      ++matched[key];
      *out.add_kept() = f;
    } else {
      *out.add_added() = f;
    }
  }
  for (const auto& f : older) {
    std::string key = FindingKey(f, language);
    if (matched[key] > 0) {
      --matched[key];
    } else {
      *out.add_removed() = f;
    }
  }
  return out;
}

std::map<std::string, std::string> ToStdMap(
    const google::protobuf::Map<std::string, std::string>& m) {
  return std::map<std::string, std::string>(m.begin(), m.end());
}

std::string StateWord(av1::ProfileState s) {
  switch (s) {
    case av1::PROFILE_STATE_DRAFT:
      return "a draft";
    case av1::PROFILE_STATE_PUBLISHED:
      return "published";
    case av1::PROFILE_STATE_ARCHIVED:
      return "archived";
    default:
      return "in no state";
  }
}

}  // namespace mgi::assessment
