#include "services/catalog/catalog.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/catalog/localization.h"
#include "clients/catalog/level.h"
#include "services/common/resource_id.h"
#include "services/common/filter.h"
#include "services/common/language.h"
#include "services/common/pagination.h"
#include "services/common/status.h"
#include "services/common/text.h"

namespace mgi::catalog {
namespace {

constexpr PageSpec kDomainPages{6, 100};
constexpr PageSpec kIndicatorPages{50, 500};
constexpr PageSpec kSearchPages{20, 100};
constexpr PageSpec kCountryPages{50, 500};
constexpr size_t kMaxQueryLength = 200;

// The id in `name` ("domains/x" -> "x"), or INVALID_ARGUMENT naming "name".
absl::StatusOr<std::string> ParseName(const std::string& name, const std::string& collection,
                                      const std::string& example) {
  if (name.empty()) {
    return InvalidArgument("name", absl::StrCat("is required, e.g. \"", example, "\""));
  }
  const std::string prefix = collection + "/";
  std::string id = name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : "";
  if (!IsResourceId(id, IdStart::kLetterOrDigit)) {
    return InvalidArgument("name", absl::StrCat("\"", name, "\" is not a ", collection,
                                                " resource name like \"", example, "\""));
  }
  return id;
}

// The slice [offset, offset + size) of `total` items as a page: the end and the next token.
struct Page {
  int64_t begin = 0;
  int64_t end = 0;
  std::string next_token;
};
absl::StatusOr<Page> Paginate(int32_t page_size, const std::string& token, const PageSpec& spec,
                              const std::string& query, int64_t total) {
  auto size = ResolvePageSize(page_size, spec);
  if (!size.ok()) return size.status();
  auto offset = DecodePageToken(token, query);
  if (!offset.ok()) return offset.status();
  Page page;
  page.begin = std::min<int64_t>(*offset, total);
  page.end = std::min<int64_t>(page.begin + *size, total);
  if (page.end < total) page.next_token = EncodePageToken(page.end, query);
  return page;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::Load(const CatalogOptions& options) {
  auto data = LoadCatalogData(options.data_dir);
  if (!data.ok()) return data.status();
  auto countries =
      Countries::Load(options.iso_codes_dir, options.locale_dir, options.country_languages);
  if (!countries.ok()) return countries.status();
  return std::make_unique<Catalog>(std::move(*data), std::move(*countries));
}

Catalog::Catalog(CatalogData data, Countries countries)
    : data_(std::move(data)),
      countries_(std::move(countries)),
      country_orders_(std::make_unique<CountryOrders>()) {
  country_languages_ = countries_.languages();
  country_languages_.push_back("en");
  for (const auto& ind : data_.indicators) {
    std::map<std::string, std::vector<std::string>> words;
    for (const auto& [lang, text] : ind.text) words[lang] = text::SearchWords(text.text);
    indicator_words_.push_back(std::move(words));
  }
}

const DomainData* Catalog::FindDomain(const std::string& id) const {
  for (const auto& d : data_.framework.domains) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

const MigofElementData* Catalog::ElementFor(const std::string& domain_id) const {
  for (const auto* list : {&data_.framework.principles, &data_.framework.objectives}) {
    for (const auto& e : *list) {
      if (e.domain_id == domain_id) return &e;
    }
  }
  return nullptr;
}

namespace {
v1::MigofElement ElementProto(const MigofElementData& e, Localizer& loc, const std::string& path) {
  v1::MigofElement out;
  out.set_kind(e.kind);
  out.set_number(e.number);
  out.set_statement(loc.Serve(e.statement, path + "statement"));
  out.set_short_form(loc.Serve(e.short_form, path + "short_form"));
  out.set_domain("domains/" + e.domain_id);
  return out;
}
}  // namespace

absl::StatusOr<v1::Framework> Catalog::GetFramework(const v1::GetFrameworkRequest& request) const {
  auto language = NormalizeLanguage(request.language());
  if (!language.ok()) return language.status();
  const FrameworkData& fw = data_.framework;
  Localizer loc(*language);
  v1::Framework out;
  out.set_name("framework");
  out.set_display_name(loc.Serve(fw.display_name, "display_name"));
  out.set_edition(fw.edition);
  out.set_introduction(loc.Serve(fw.introduction, "introduction"));
  for (size_t i = 0; i < fw.principles.size(); ++i) {
    *out.add_principles() =
        ElementProto(fw.principles[i], loc, absl::StrCat("principles[", i, "]."));
  }
  for (size_t i = 0; i < fw.objectives.size(); ++i) {
    *out.add_objectives() =
        ElementProto(fw.objectives[i], loc, absl::StrCat("objectives[", i, "]."));
  }
  *out.mutable_localization() = loc.Build();
  return out;
}

v1::Domain Catalog::DomainProto(const DomainData& d, const std::string& language) const {
  Localizer loc(language);
  v1::Domain out;
  out.set_name("domains/" + d.id);
  out.set_number(d.number);
  out.set_display_name(loc.Serve(d.display_name, "display_name"));
  out.set_local_display_name(loc.Serve(
      d.local_display_name.empty() ? d.display_name : d.local_display_name, "local_display_name"));
  out.set_national_description(loc.Serve(d.national_description, "national_description"));
  out.set_local_description(loc.Serve(d.local_description, "local_description"));
  for (size_t i = 0; i < d.sub_areas.size(); ++i) {
    const SubAreaData& s = d.sub_areas[i];
    v1::SubArea* sub = out.add_sub_areas();
    sub->set_sub_area_id(s.id);
    sub->set_display_name(
        loc.Serve(s.display_name, absl::StrCat("sub_areas[", i, "].display_name")));
    for (v1::Level l : s.levels) sub->add_levels(l);
    if (s.levels_unverified) loc.MarkUnverified(absl::StrCat("sub_areas[", i, "].levels"));
  }
  if (const MigofElementData* e = ElementFor(d.id)) {
    *out.mutable_migof_element() = ElementProto(*e, loc, "migof_element.");
  }
  *out.mutable_localization() = loc.Build();
  return out;
}

absl::StatusOr<v1::ListDomainsResponse> Catalog::ListDomains(
    const v1::ListDomainsRequest& request) const {
  auto language = NormalizeLanguage(request.language());
  if (!language.ok()) return language.status();
  const auto& domains = data_.framework.domains;
  auto page = Paginate(request.page_size(), request.page_token(), kDomainPages,
                       absl::StrCat("domains|", *language), static_cast<int64_t>(domains.size()));
  if (!page.ok()) return page.status();
  v1::ListDomainsResponse out;
  for (int64_t i = page->begin; i < page->end; ++i) {
    *out.add_domains() = DomainProto(domains[i], *language);
  }
  out.set_next_page_token(page->next_token);
  out.set_total_size(static_cast<int32_t>(domains.size()));
  return out;
}

absl::StatusOr<v1::Domain> Catalog::GetDomain(const v1::GetDomainRequest& request) const {
  auto id = ParseName(request.name(), "domains", "domains/migrants-rights");
  if (!id.ok()) return id.status();
  auto language = NormalizeLanguage(request.language());
  if (!language.ok()) return language.status();
  const DomainData* d = FindDomain(*id);
  if (!d) return NotFound(request.name());
  return DomainProto(*d, *language);
}

bool Catalog::IndicatorFilter::Matches(const IndicatorData& ind) const {
  if (!domain_id.empty() && ind.domain_id != domain_id) return false;
  if (!sub_area_id.empty() && ind.sub_area_id != sub_area_id) return false;
  if (level != v1::LEVEL_UNSPECIFIED && ind.level != level) return false;
  if (sample >= 0 && ind.sample != (sample == 1)) return false;
  return true;
}

absl::StatusOr<Catalog::IndicatorFilter> Catalog::ParseIndicatorFilter(
    const std::string& filter) const {
  auto terms = ParseFilter(filter, {"domain", "level", "sub_area", "sample"});
  if (!terms.ok()) return terms.status();
  IndicatorFilter f;
  for (const FilterTerm& t : *terms) {
    if (t.field == "domain") {
      f.domain_id = t.value.rfind("domains/", 0) == 0 ? t.value.substr(8) : t.value;
      if (!FindDomain(f.domain_id)) {
        return InvalidArgument("filter", absl::StrCat("unknown domain \"", t.value, "\""));
      }
    } else if (t.field == "level") {
      auto level = clients::ParseLevel(t.value, "filter");
      if (!level.ok()) return level.status();
      f.level = *level;
    } else if (t.field == "sub_area") {
      f.sub_area_id = t.value;
    } else if (t.field == "sample") {
      if (t.value != "true" && t.value != "false") {
        return InvalidArgument("filter",
                               absl::StrCat("sample \"", t.value, "\" is not true or false"));
      }
      f.sample = t.value == "true" ? 1 : 0;
    }
  }
  if (!f.sub_area_id.empty()) {
    bool known = false;
    for (const auto& d : data_.framework.domains) {
      if (!f.domain_id.empty() && d.id != f.domain_id) continue;
      for (const auto& s : d.sub_areas) known = known || s.id == f.sub_area_id;
    }
    if (!known) {
      return InvalidArgument(
          "filter", absl::StrCat("unknown sub_area \"", f.sub_area_id, "\"",
                                 f.domain_id.empty() ? "" : " in domain \"" + f.domain_id + "\""));
    }
  }
  return f;
}

v1::Indicator Catalog::IndicatorProto(const IndicatorData& ind, const std::string& language) const {
  Localizer loc(language);
  v1::Indicator out;
  out.set_name("indicators/" + ind.id);
  out.set_domain("domains/" + ind.domain_id);
  out.set_sub_area(ind.sub_area_id);
  out.set_level(ind.level);
  out.set_text(loc.Serve(ind.text, "text"));
  for (size_t i = 0; i < ind.scale.size(); ++i) {
    v1::ScalePoint* p = out.add_scale();
    p->set_value(ind.scale[i].value);
    p->set_display_name(loc.Serve(ind.scale[i].label, absl::StrCat("scale[", i, "].display_name")));
  }
  out.set_framework_edition(ind.framework_edition);
  out.set_sample(ind.sample);
  out.set_source_note(ind.source_note);
  *out.mutable_localization() = loc.Build();
  return out;
}

absl::StatusOr<v1::ListIndicatorsResponse> Catalog::ListIndicators(
    const v1::ListIndicatorsRequest& request) const {
  auto language = NormalizeLanguage(request.language());
  if (!language.ok()) return language.status();
  auto filter = ParseIndicatorFilter(request.filter());
  if (!filter.ok()) return filter.status();
  std::vector<const IndicatorData*> matches;
  for (const auto& ind : data_.indicators) {
    if (filter->Matches(ind)) matches.push_back(&ind);
  }
  auto page = Paginate(request.page_size(), request.page_token(), kIndicatorPages,
                       absl::StrCat("indicators|", request.filter(), "|", *language),
                       static_cast<int64_t>(matches.size()));
  if (!page.ok()) return page.status();
  v1::ListIndicatorsResponse out;
  for (int64_t i = page->begin; i < page->end; ++i) {
    *out.add_indicators() = IndicatorProto(*matches[i], *language);
  }
  out.set_next_page_token(page->next_token);
  out.set_total_size(static_cast<int32_t>(matches.size()));
  return out;
}

absl::StatusOr<v1::Indicator> Catalog::GetIndicator(const v1::GetIndicatorRequest& request) const {
  auto id = ParseName(request.name(), "indicators", "indicators/n-1-01");
  if (!id.ok()) return id.status();
  auto language = NormalizeLanguage(request.language());
  if (!language.ok()) return language.status();
  for (const auto& ind : data_.indicators) {
    if (ind.id == *id) return IndicatorProto(ind, *language);
  }
  return NotFound(request.name());
}

absl::StatusOr<v1::SearchIndicatorsResponse> Catalog::SearchIndicators(
    const v1::SearchIndicatorsRequest& request) const {
  if (request.query().empty()) return InvalidArgument("query", "is required");
  if (text::CodePointCount(request.query()) > kMaxQueryLength) {
    return InvalidArgument("query",
                           absl::StrCat("is longer than ", kMaxQueryLength, " characters"));
  }
  std::vector<std::string> terms = text::SearchWords(request.query());
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  if (terms.empty()) return InvalidArgument("query", "has no letters or digits to search for");
  auto language = NormalizeLanguage(request.language());
  if (!language.ok()) return language.status();
  auto filter = ParseIndicatorFilter(request.filter());
  if (!filter.ok()) return filter.status();

  struct Hit {
    size_t index;
    double score;
  };
  std::vector<Hit> hits;
  for (size_t i = 0; i < data_.indicators.size(); ++i) {
    if (!filter->Matches(data_.indicators[i])) continue;
    const auto& words = indicator_words_[i];
    std::vector<std::string> langs;
    for (const auto& [l, _] : words) langs.push_back(l);
    std::string lang = PickLanguage(langs, *language);
    if (lang.empty()) continue;
    double score = text::MatchScore(terms, words.at(lang));
    if (score > 0) hits.push_back({i, score});
  }
  // Best first; ties in catalog order (the indicators are stored in catalog order).
  std::stable_sort(hits.begin(), hits.end(),
                   [](const Hit& a, const Hit& b) { return a.score > b.score; });
  auto page =
      Paginate(request.page_size(), request.page_token(), kSearchPages,
               absl::StrCat("search|", request.query(), "|", request.filter(), "|", *language),
               static_cast<int64_t>(hits.size()));
  if (!page.ok()) return page.status();
  v1::SearchIndicatorsResponse out;
  for (int64_t i = page->begin; i < page->end; ++i) {
    v1::SearchResult* r = out.add_results();
    *r->mutable_indicator() = IndicatorProto(data_.indicators[hits[i].index], *language);
    r->set_score(hits[i].score);
  }
  out.set_next_page_token(page->next_token);
  out.set_total_size(static_cast<int32_t>(hits.size()));
  return out;
}

v1::Country Catalog::CountryProto(const CountryRecord& r, const std::string& language) const {
  Localizer loc(language);
  std::string lang = PickLanguage(country_languages_, language);
  bool wants_english = language.substr(0, language.find('-')) == "en";
  // Serves the translation of `english` (or English itself, recorded as a fallback).
  auto serve = [&](const std::string& english, const std::string& path) {
    const std::string* t = lang == "en" ? nullptr : countries_.Translate(lang, english);
    if (t) {
      loc.Record(path, lang, false, false);
      return *t;
    }
    loc.Record(path, "en", !wants_english, false);
    return english;
  };
  v1::Country out;
  out.set_name("countries/" + r.alpha3);
  out.set_alpha3(r.alpha3);
  out.set_alpha2(r.alpha2);
  out.set_numeric_code(r.numeric);
  out.set_display_name(serve(r.name, "display_name"));
  out.set_official_name(serve(r.official_name.empty() ? r.name : r.official_name, "official_name"));
  *out.mutable_localization() = loc.Build();
  return out;
}

std::shared_ptr<const std::vector<size_t>> Catalog::CountriesByDisplayName(
    const std::string& language) const {
  // Keyed by the language the names are served in (a finite set), which also picks the collation.
  std::string served = PickLanguage(country_languages_, language);
  std::lock_guard lock(country_orders_->mu);
  auto& order = country_orders_->by_language[served];
  if (order) return order;
  const auto& records = countries_.records();
  text::Collation collation(served);
  std::vector<std::pair<std::string, size_t>> keys;
  keys.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const std::string* t = served == "en" ? nullptr : countries_.Translate(served, records[i].name);
    keys.emplace_back(collation.SortKey(t ? *t : records[i].name), i);
  }
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto indices = std::make_shared<std::vector<size_t>>();
  for (const auto& [_, i] : keys) indices->push_back(i);
  order = std::move(indices);
  return order;
}

absl::StatusOr<v1::ListCountriesResponse> Catalog::ListCountries(
    const v1::ListCountriesRequest& request) const {
  auto language = NormalizeLanguage(request.language());
  if (!language.ok()) return language.status();
  const std::string& order_by = request.order_by();
  if (!order_by.empty() && order_by != "alpha3" && order_by != "display_name") {
    return InvalidArgument("order_by",
                           absl::StrCat("\"", order_by,
                                        "\" is not a supported order; use \"display_name\" "
                                        "(alphabetical in the requested language) or \"alpha3\" "
                                        "(the default)"));
  }
  const auto& records = countries_.records();
  std::shared_ptr<const std::vector<size_t>> order;
  if (order_by == "display_name") order = CountriesByDisplayName(*language);
  auto page = Paginate(request.page_size(), request.page_token(), kCountryPages,
                       absl::StrCat("countries|", *language, "|", order_by),
                       static_cast<int64_t>(records.size()));
  if (!page.ok()) return page.status();
  v1::ListCountriesResponse out;
  for (int64_t i = page->begin; i < page->end; ++i) {
    size_t index = order ? (*order)[static_cast<size_t>(i)] : static_cast<size_t>(i);
    *out.add_countries() = CountryProto(records[index], *language);
  }
  out.set_next_page_token(page->next_token);
  out.set_total_size(static_cast<int32_t>(records.size()));
  return out;
}

absl::StatusOr<v1::Country> Catalog::GetCountry(const v1::GetCountryRequest& request) const {
  const std::string& name = request.name();
  if (name.empty()) return InvalidArgument("name", "is required, e.g. \"countries/GTM\"");
  std::string code = name.rfind("countries/", 0) == 0 ? name.substr(10) : "";
  bool ok = code.size() == 3 &&
            std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!ok) {
    return InvalidArgument("name",
                           absl::StrCat("\"", name,
                                        "\" is not \"countries/\" followed by an upper-case "
                                        "ISO 3166-1 alpha-3 code, e.g. \"countries/GTM\""));
  }
  auto language = NormalizeLanguage(request.language());
  if (!language.ok()) return language.status();
  const CountryRecord* r = countries_.Find(code);
  if (!r) return NotFound(name);
  return CountryProto(*r, *language);
}

}  // namespace mgi::catalog
