// The Catalog's RPC logic: pagination, filters, names, search, language fallback, countries.
#include "services/catalog/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "services/common/status.h"
#include "test_util.h"

namespace mgi::catalog {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::unique_ptr<Catalog> LoadFrom(const std::string& dir) {
  auto c = Catalog::Load({.data_dir = dir,
                          .iso_codes_dir = "/usr/share/iso-codes/json",
                          .locale_dir = "/usr/share/locale",
                          .country_languages = {"fr", "es"}});
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(*c) : nullptr;
}

class CatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    real_ = LoadFrom(testing::RealDataDir()).release();
    fixture_ = LoadFrom(testing::Fixture("fallback")).release();
  }
  static void TearDownTestSuite() {
    delete real_;
    delete fixture_;
  }
  static Catalog* real_;
  static Catalog* fixture_;
};
Catalog* CatalogTest::real_ = nullptr;
Catalog* CatalogTest::fixture_ = nullptr;

// The field named by an INVALID_ARGUMENT status.
std::string Field(const absl::Status& s) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  auto v = FieldViolations(s);
  return v.empty() ? "" : v[0].field;
}

TEST_F(CatalogTest, FrameworkInThreeLanguages) {
  v1::GetFrameworkRequest req;
  auto en = real_->GetFramework(req);
  ASSERT_TRUE(en.ok()) << en.status();
  EXPECT_EQ(en->name(), "framework");
  EXPECT_EQ(en->edition(), "2015");
  ASSERT_EQ(en->principles_size(), 3);
  ASSERT_EQ(en->objectives_size(), 3);
  EXPECT_EQ(en->principles(2).statement(),
            "Good migration governance relies on strong partnerships.");
  EXPECT_EQ(en->objectives(1).domain(), "domains/mobility-dimensions-of-crises");
  EXPECT_EQ(en->objectives(1).kind(), v1::MIGOF_ELEMENT_KIND_OBJECTIVE);
  EXPECT_THAT(en->introduction(), HasSubstr("not meant to rank countries"));
  EXPECT_EQ(en->localization().served_language(), "en");
  EXPECT_THAT(en->localization().fallback_fields(), IsEmpty());
  EXPECT_THAT(en->localization().unverified_fields(), ElementsAre("introduction"));

  req.set_language("FR");
  auto fr = real_->GetFramework(req);
  ASSERT_TRUE(fr.ok());
  EXPECT_EQ(fr->localization().requested_language(), "fr");
  EXPECT_EQ(fr->localization().served_language(), "fr");
  EXPECT_EQ(fr->principles(2).statement(), "De solides partenariats");
  EXPECT_THAT(fr->introduction(), HasSubstr("cadre de gouvernance des migrations (MiGOF)"));
  EXPECT_THAT(fr->localization().unverified_fields(), IsEmpty());

  req.set_language("es");
  auto es = real_->GetFramework(req);
  ASSERT_TRUE(es.ok());
  EXPECT_EQ(es->display_name(), "Marco de Gobernanza de la Migración (MiGOF)");
  EXPECT_THAT(es->localization().unverified_fields(), Contains("principles[0].statement"));

  req.set_language("not a language");
  EXPECT_EQ(Field(real_->GetFramework(req).status()), "language");
}

TEST_F(CatalogTest, DomainsInOrderWithDescriptions) {
  v1::ListDomainsRequest req;
  req.set_language("fr");
  auto list = real_->ListDomains(req);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->domains_size(), 6);
  EXPECT_EQ(list->total_size(), 6);
  EXPECT_EQ(list->next_page_token(), "");
  std::vector<std::string> names;
  for (const auto& d : list->domains()) names.push_back(d.name());
  EXPECT_THAT(names, ElementsAre("domains/migrants-rights", "domains/whole-of-government",
                                 "domains/partnerships", "domains/well-being",
                                 "domains/mobility-dimensions-of-crises",
                                 "domains/safe-orderly-regular-migration"));
  const v1::Domain& p = list->domains(2);
  EXPECT_EQ(p.number(), 3);
  EXPECT_EQ(p.display_name(), "Partenariats");
  EXPECT_THAT(p.national_description(), HasSubstr("Ce domaine met l'accent sur les efforts"));
  EXPECT_THAT(p.local_description(), HasSubstr("avec le gouvernement national"));
  EXPECT_EQ(p.migof_element().kind(), v1::MIGOF_ELEMENT_KIND_PRINCIPLE);
  EXPECT_EQ(p.migof_element().number(), 3);
  EXPECT_EQ(list->domains(3).local_display_name(), "Bien-être socioéconomique des migrants");
  EXPECT_THAT(list->domains(3).localization().unverified_fields(), Contains("local_display_name"));

  req.set_page_size(4);
  auto first = real_->ListDomains(req);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->domains_size(), 4);
  req.set_page_token(first->next_page_token());
  auto second = real_->ListDomains(req);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->domains_size(), 2);
  EXPECT_EQ(second->domains(0).number(), 5);
}

// Issue 17: the conventions sentence sits where each language's IOM page puts it (EN and ES:
// domain 1, whose sub-area "international-conventions" it describes; FR: domain 3), domain 2's
// English name is the portal's, and sub-area levels (no source) are reported as unverified.
TEST_F(CatalogTest, DomainTextsFollowTheirSources) {
  const std::string conventions_en = "ratification of the main international conventions";
  const std::string conventions_es = "ratificación de las principales convenciones";
  std::map<std::string, v1::ListDomainsResponse> by_language;
  for (const char* lang : {"en", "es", "fr"}) {
    v1::ListDomainsRequest req;
    req.set_language(lang);
    auto list = real_->ListDomains(req);
    ASSERT_TRUE(list.ok()) << list.status();
    ASSERT_EQ(list->domains_size(), 6);
    by_language[lang] = *list;
  }
  const auto& en = by_language["en"];
  const auto& es = by_language["es"];
  const auto& fr = by_language["fr"];
  EXPECT_THAT(en.domains(0).national_description(), HasSubstr(conventions_en));
  EXPECT_THAT(en.domains(2).national_description(), Not(HasSubstr(conventions_en)));
  EXPECT_THAT(es.domains(0).national_description(), HasSubstr(conventions_es));
  EXPECT_THAT(es.domains(2).national_description(), Not(HasSubstr(conventions_es)));
  EXPECT_THAT(fr.domains(2).national_description(),
              HasSubstr("La ratification des principales conventions internationales"));
  bool has_conventions = false;
  for (const auto& s : en.domains(0).sub_areas()) {
    has_conventions |= s.sub_area_id() == "international-conventions";
  }
  EXPECT_TRUE(has_conventions);
  EXPECT_EQ(en.domains(1).display_name(), "Whole of government approach");
  EXPECT_THAT(en.domains(1).localization().unverified_fields(),
              Not(Contains("display_name")));
  for (const auto& d : en.domains()) {
    for (int i = 0; i < d.sub_areas_size(); ++i) {
      EXPECT_THAT(d.localization().unverified_fields(),
                  Contains("sub_areas[" + std::to_string(i) + "].levels"))
          << d.name();
    }
  }
}

TEST_F(CatalogTest, GetDomainNamesAndErrors) {
  v1::GetDomainRequest req;
  req.set_name("domains/well-being");
  auto d = real_->GetDomain(req);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->display_name(), "Well-being of migrants");
  EXPECT_EQ(d->local_display_name(), "Socioeconomic well-being of migrants");
  EXPECT_GE(d->sub_areas_size(), 5);

  req.set_name("domains/happiness");
  auto missing = real_->GetDomain(req);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("domains/happiness"));
  for (const char* bad : {"", "well-being", "domains/", "domains/Well Being", "indicators/x"}) {
    req.set_name(bad);
    EXPECT_EQ(Field(real_->GetDomain(req).status()), "name") << bad;
  }
}

TEST_F(CatalogTest, ListIndicatorsPagesThroughEverythingOnce) {
  v1::ListIndicatorsRequest req;
  req.set_page_size(10);
  std::set<std::string> seen;
  int pages = 0;
  int total = 0;
  do {
    auto page = real_->ListIndicators(req);
    ASSERT_TRUE(page.ok()) << page.status();
    total = page->total_size();
    for (const auto& ind : page->indicators()) EXPECT_TRUE(seen.insert(ind.name()).second);
    req.set_page_token(page->next_page_token());
    ++pages;
  } while (!req.page_token().empty() && pages < 100);
  EXPECT_EQ(static_cast<int>(seen.size()), total);
  EXPECT_EQ(total, static_cast<int>(real_->data().indicators.size()));
  EXPECT_EQ(pages, (total + 9) / 10);
}

TEST_F(CatalogTest, ListIndicatorsPageSizesAndTokens) {
  v1::ListIndicatorsRequest req;
  auto all = real_->ListIndicators(req);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->indicators_size(), 50);  // the default page size
  EXPECT_FALSE(all->next_page_token().empty());
  const v1::Indicator& first = all->indicators(0);
  // Catalog order: domain, sub-area, then id ("l-" sorts before "n-").
  EXPECT_EQ(first.name(), "indicators/l-1-01");
  EXPECT_EQ(all->indicators(1).name(), "indicators/n-1-01");
  EXPECT_EQ(first.sub_area(), "social-services");
  EXPECT_TRUE(first.sample());
  EXPECT_EQ(first.source_note(), "sample: not the official MGI questionnaire");
  EXPECT_EQ(first.framework_edition(), "2022-sample");
  EXPECT_EQ(first.scale_size(), 4);

  req.set_page_size(100000);
  auto big = real_->ListIndicators(req);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->indicators_size(), big->total_size());  // lowered to 500, all fit

  req.set_page_size(-1);
  EXPECT_EQ(Field(real_->ListIndicators(req).status()), "page_size");

  // A token is bound to its filter and language.
  req.set_page_size(5);
  req.set_filter("level = LOCAL");
  auto local = real_->ListIndicators(req);
  ASSERT_TRUE(local.ok());
  req.set_page_token(local->next_page_token());
  EXPECT_TRUE(real_->ListIndicators(req).ok());
  req.set_filter("level = NATIONAL");
  EXPECT_EQ(Field(real_->ListIndicators(req).status()), "page_token");
  req.set_filter("level = LOCAL");
  req.set_language("fr");
  EXPECT_EQ(Field(real_->ListIndicators(req).status()), "page_token");
  req.set_language("");
  req.set_page_token("garbage");
  EXPECT_EQ(Field(real_->ListIndicators(req).status()), "page_token");
}

TEST_F(CatalogTest, ListIndicatorsFilters) {
  auto count = [&](const std::string& filter) {
    v1::ListIndicatorsRequest req;
    req.set_filter(filter);
    req.set_page_size(500);
    auto r = real_->ListIndicators(req);
    EXPECT_TRUE(r.ok()) << filter << ": " << r.status();
    return r.ok() ? r->total_size() : -1;
  };
  int all = count("");
  int national = count("level = LEVEL_NATIONAL");
  int local = count("level = LOCAL");
  EXPECT_EQ(national + local, all);
  EXPECT_GT(local, 0);
  EXPECT_EQ(count("domain = \"domains/partnerships\""), count("domain = partnerships"));
  EXPECT_EQ(count("domain = partnerships AND level = LEVEL_LOCAL"), 3);
  EXPECT_EQ(count("sub_area = remittances"), 2);
  EXPECT_EQ(count("sample = true"), all);
  EXPECT_EQ(count("sample = false"), 0);

  v1::ListIndicatorsRequest req;
  for (const char* bad :
       {"colour = red", "domain = happiness", "level = REGIONAL", "sample = maybe",
        "sub_area = nowhere", "domain = partnerships AND sub_area = remittances", "domain ="}) {
    req.set_filter(bad);
    EXPECT_EQ(Field(real_->ListIndicators(req).status()), "filter") << bad;
  }
}

TEST_F(CatalogTest, GetIndicator) {
  v1::GetIndicatorRequest req;
  req.set_name("indicators/l-2-01");
  req.set_language("es");
  auto ind = real_->GetIndicator(req);
  ASSERT_TRUE(ind.ok()) << ind.status();
  EXPECT_EQ(ind->level(), v1::LEVEL_LOCAL);
  EXPECT_EQ(ind->domain(), "domains/whole-of-government");
  EXPECT_THAT(ind->text(), HasSubstr("gobierno local"));
  EXPECT_EQ(ind->scale(3).display_name(), "No aplica");
  EXPECT_THAT(ind->localization().unverified_fields(), Contains("text"));
  req.set_name("indicators/zz-9");
  EXPECT_EQ(real_->GetIndicator(req).status().code(), absl::StatusCode::kNotFound);
  req.set_name("indicators/");
  EXPECT_EQ(Field(real_->GetIndicator(req).status()), "name");
}

TEST_F(CatalogTest, FallbackToEnglishIsReported) {
  // The fixture has an indicator with no Spanish text but Spanish scale labels.
  v1::GetIndicatorRequest req;
  req.set_name("indicators/a-3");
  req.set_language("es-MX");
  auto ind = fixture_->GetIndicator(req);
  ASSERT_TRUE(ind.ok()) << ind.status();
  EXPECT_EQ(ind->text(), "Do migrants vote?");
  EXPECT_EQ(ind->scale(0).display_name(), "Ausente");
  EXPECT_EQ(ind->localization().requested_language(), "es-MX");
  EXPECT_EQ(ind->localization().served_language(), "es");
  EXPECT_THAT(ind->localization().fallback_fields(), ElementsAre("text"));

  // A language with no text at all: everything falls back and English is what was served.
  v1::GetDomainRequest dreq;
  dreq.set_name("domains/one");
  dreq.set_language("de");
  auto d = fixture_->GetDomain(dreq);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->localization().served_language(), "en");
  EXPECT_THAT(d->localization().fallback_fields(),
              ElementsAre("display_name", "local_display_name", "national_description",
                          "local_description", "sub_areas[0].display_name",
                          "migof_element.statement", "migof_element.short_form"));

  // Partly translated: the fields that fell back are named; exact regional tags win.
  dreq.set_language("fr");
  d = fixture_->GetDomain(dreq);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->display_name(), "Un");
  EXPECT_EQ(d->local_display_name(), "Local one");
  EXPECT_THAT(d->localization().fallback_fields(),
              ElementsAre("local_display_name", "local_description", "migof_element.statement",
                          "migof_element.short_form"));
  dreq.set_language("pt-BR");
  d = fixture_->GetDomain(dreq);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->sub_areas(0).display_name(), "Alfa");

  // Unverified marks: per text, and for a whole language of a file.
  v1::GetFrameworkRequest freq;
  freq.set_language("fr");
  auto fw = fixture_->GetFramework(freq);
  ASSERT_TRUE(fw.ok());
  EXPECT_THAT(fw->localization().unverified_fields(), ElementsAre("introduction"));
  freq.set_language("es");
  fw = fixture_->GetFramework(freq);
  ASSERT_TRUE(fw.ok());
  EXPECT_THAT(fw->localization().unverified_fields(), ElementsAre("display_name"));
  EXPECT_THAT(fw->localization().fallback_fields(), Contains("introduction"));
}

TEST_F(CatalogTest, SearchIgnoresAccentsAndCase) {
  v1::SearchIndicatorsRequest req;
  req.set_query("migracion");
  req.set_language("es");
  auto r = fixture_->SearchIndicators(req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> names;
  for (const auto& hit : r->results()) names.push_back(hit.indicator().name());
  // Exact word matches (a-1, a-2 "MIGRACIÓN", a-5) first in catalog order, then the prefix
  // match "migratorios" (a-4); a-3 has no Spanish text and its English one does not match.
  EXPECT_THAT(names, ElementsAre("indicators/a-1", "indicators/a-2", "indicators/a-5"));
  EXPECT_EQ(r->total_size(), 3);

  req.set_query("MIGRA");
  r = fixture_->SearchIndicators(req);
  ASSERT_TRUE(r.ok());
  // Prefixes of "migración" and "migratorios", and of "migrants" in a-3's English text, served
  // (and so searched) because a-3 has no Spanish text.
  EXPECT_EQ(r->total_size(), 5);

  req.set_query("Política Migración");
  r = fixture_->SearchIndicators(req);
  ASSERT_TRUE(r.ok());
  ASSERT_GE(r->results_size(), 3);
  EXPECT_EQ(r->results(0).indicator().name(), "indicators/a-1");  // both words
  EXPECT_DOUBLE_EQ(r->results(0).score(), 1.0);
  EXPECT_EQ(r->results(1).indicator().name(), "indicators/a-5");
  EXPECT_LT(r->results(2).score(), r->results(1).score() + 1e-9);
}

TEST_F(CatalogTest, SearchRealDataAndPaging) {
  v1::SearchIndicatorsRequest req;
  req.set_query("migración");
  req.set_language("es");
  req.set_page_size(2);
  auto first = real_->SearchIndicators(req);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_GT(first->total_size(), 2);
  EXPECT_EQ(first->results_size(), 2);
  EXPECT_THAT(first->results(0).indicator().text(), HasSubstr("migración"));
  req.set_page_token(first->next_page_token());
  auto second = real_->SearchIndicators(req);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->results(0).indicator().name(), first->results(0).indicator().name());
  EXPECT_LE(second->results(0).score(), first->results(1).score());
  req.set_query("migracion");  // another query: the token does not apply
  EXPECT_EQ(Field(real_->SearchIndicators(req).status()), "page_token");

  // Searching in French finds French words; the filter restricts.
  v1::SearchIndicatorsRequest fr;
  fr.set_query("ETAT");
  fr.set_language("fr");
  auto hits = real_->SearchIndicators(fr);
  ASSERT_TRUE(hits.ok());
  EXPECT_GT(hits->total_size(), 0);
  fr.set_filter("level = LOCAL");
  auto local = real_->SearchIndicators(fr);
  ASSERT_TRUE(local.ok());
  for (const auto& h : local->results()) EXPECT_EQ(h.indicator().level(), v1::LEVEL_LOCAL);
  EXPECT_LT(local->total_size(), hits->total_size());
}

TEST_F(CatalogTest, SearchErrors) {
  v1::SearchIndicatorsRequest req;
  EXPECT_EQ(Field(real_->SearchIndicators(req).status()), "query");
  req.set_query(" ¿? ");
  EXPECT_EQ(Field(real_->SearchIndicators(req).status()), "query");
  req.set_query(std::string(201, 'a'));
  EXPECT_EQ(Field(real_->SearchIndicators(req).status()), "query");
  req.set_query(std::string(100, 'a') + std::string(50, ' ') + "é");  // 151 characters
  EXPECT_TRUE(real_->SearchIndicators(req).ok());
  req.set_query("migration");
  req.set_filter("level = 3");
  EXPECT_EQ(Field(real_->SearchIndicators(req).status()), "filter");
  req.set_filter("");
  req.set_page_size(-5);
  EXPECT_EQ(Field(real_->SearchIndicators(req).status()), "page_size");
}

TEST_F(CatalogTest, CountriesFromIsoCodes) {
  v1::GetCountryRequest req;
  req.set_name("countries/GTM");
  std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"en", {"Guatemala", "Republic of Guatemala"}},
      {"fr", {"Guatemala", "République du Guatemala"}},
      {"es", {"Guatemala", "República de Guatemala"}}};
  for (const auto& [lang, names] : expected) {
    req.set_language(lang);
    auto c = real_->GetCountry(req);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->display_name(), names.first);
    EXPECT_EQ(c->official_name(), names.second) << lang;
    EXPECT_EQ(c->alpha2(), "GT");
    EXPECT_EQ(c->numeric_code(), "320");
    EXPECT_EQ(c->localization().served_language(), lang);
    EXPECT_THAT(c->localization().fallback_fields(), IsEmpty());
  }
  // German was not loaded (country_languages = fr, es): English, reported as a fallback.
  req.set_language("de");
  auto de = real_->GetCountry(req);
  ASSERT_TRUE(de.ok());
  EXPECT_EQ(de->official_name(), "Republic of Guatemala");
  EXPECT_EQ(de->localization().served_language(), "en");
  EXPECT_THAT(de->localization().fallback_fields(), ElementsAre("display_name", "official_name"));
  // No official name in ISO 3166-1: the short name stands in.
  req.set_name("countries/ATA");
  req.set_language("fr");
  auto ata = real_->GetCountry(req);
  ASSERT_TRUE(ata.ok());
  EXPECT_EQ(ata->official_name(), ata->display_name());
  EXPECT_EQ(ata->display_name(), "Antarctique");

  req.set_name("countries/XYZ");
  auto missing = real_->GetCountry(req);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("countries/XYZ"));
  for (const char* bad : {"countries/gtm", "countries/GT", "GTM", "", "countries/GTMX"}) {
    req.set_name(bad);
    EXPECT_EQ(Field(real_->GetCountry(req).status()), "name") << bad;
  }
}

TEST_F(CatalogTest, ListCountriesOrderedAndPaged) {
  v1::ListCountriesRequest req;
  req.set_language("es");
  req.set_page_size(100);
  std::vector<std::string> codes;
  do {
    auto page = real_->ListCountries(req);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total_size(), static_cast<int>(real_->countries().records().size()));
    for (const auto& c : page->countries()) codes.push_back(c.alpha3());
    req.set_page_token(page->next_page_token());
  } while (!req.page_token().empty());
  EXPECT_EQ(codes.size(), real_->countries().records().size());
  EXPECT_TRUE(std::is_sorted(codes.begin(), codes.end()));
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), codes.size());
  req.set_page_size(1000);
  auto capped = real_->ListCountries(req);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->countries_size(), 249);  // at most 500 per page: all of them
}

// Case-, accent- and decomposition-insensitive search in every script (ICU search keys).
TEST(CatalogSearchScriptsTest, EveryScriptMatchesWhateverTheCaseAndAccents) {
  auto catalog = LoadFrom(testing::Fixture("scripts"));
  ASSERT_NE(catalog, nullptr);
  struct Case {
    std::string language, query;
  };
  std::vector<Case> cases = {
      {"es", "MIGRACIÓN"},
      {"es", "migracion"},
      {"es", "migracio\xCC\x81n"},  // decomposed: o + combining acute
      {"fr", "STRATEGIE integration"},
      {"fr", "stratégie"},
      {"el", "ΜΕΤΑΝΑΣΤΕΥΣΗΣ"},
      {"el", "μεταναστευσης"},
      {"ru", "МИГРАЦИОННАЯ"},
      {"ru", "миграционная политика"},
      {"tr", "GÖÇ İDARESİ"},
      {"tr", "goc idaresi"},
      {"tr", "GOC IDARESI"},
      {"tr", "ıdaresı"},
      {"en", "MIGRATION"},
  };
  for (const auto& c : cases) {
    v1::SearchIndicatorsRequest req;
    req.set_language(c.language);
    req.set_query(c.query);
    auto r = catalog->SearchIndicators(req);
    ASSERT_TRUE(r.ok()) << c.query << ": " << r.status();
    ASSERT_EQ(r->total_size(), 1) << c.language << " " << c.query;
    EXPECT_EQ(r->results(0).indicator().name(), "indicators/s-1") << c.query;
    EXPECT_DOUBLE_EQ(r->results(0).score(), 1.0) << c.query;  // every term is a whole word
  }
}

// The display names of ListCountries(order_by=display_name) in `language`, every page.
std::vector<std::string> NamesInOrder(const Catalog& catalog, const std::string& language) {
  v1::ListCountriesRequest req;
  req.set_language(language);
  req.set_order_by("display_name");
  req.set_page_size(100);
  std::vector<std::string> names;
  do {
    auto page = catalog.ListCountries(req);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const auto& c : page->countries()) names.push_back(c.display_name());
    req.set_page_token(page->next_page_token());
  } while (!req.page_token().empty());
  return names;
}

size_t IndexOf(const std::vector<std::string>& v, const std::string& s) {
  return static_cast<size_t>(std::find(v.begin(), v.end(), s) - v.begin());
}

class CountryOrderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = Catalog::Load({.data_dir = testing::RealDataDir(),
                            .iso_codes_dir = "/usr/share/iso-codes/json",
                            .locale_dir = "/usr/share/locale",
                            .country_languages = {"fr", "es", "tr", "ru"}});
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = c->release();
  }
  static void TearDownTestSuite() { delete catalog_; }
  static Catalog* catalog_;
};
Catalog* CountryOrderTest::catalog_ = nullptr;

TEST_F(CountryOrderTest, FrenchEmiratesSortAmongTheEs) {
  auto names = NamesInOrder(*catalog_, "fr");
  ASSERT_EQ(names.size(), 249u);
  size_t emirates = IndexOf(names, "Émirats arabes unis");
  ASSERT_LT(emirates, names.size());
  EXPECT_GT(emirates, IndexOf(names, "Égypte"));
  EXPECT_LT(emirates, IndexOf(names, "Équateur"));
  EXPECT_LT(emirates, IndexOf(names, "Zimbabwe"));
  EXPECT_LT(IndexOf(names, "Espagne"), IndexOf(names, "Estonie"));
  EXPECT_LT(IndexOf(names, "Afghanistan"), IndexOf(names, "Afrique du Sud"));
}

TEST_F(CountryOrderTest, EnglishSpanishTurkishRussian) {
  auto en = NamesInOrder(*catalog_, "en");
  EXPECT_EQ(en.front(), "Afghanistan");
  EXPECT_EQ(IndexOf(en, "Åland Islands") + 1, IndexOf(en, "Albania"));  // Å among the A's
  EXPECT_LT(IndexOf(en, "Zambia"), IndexOf(en, "Zimbabwe"));
  EXPECT_EQ(en.back(), "Zimbabwe");

  auto es = NamesInOrder(*catalog_, "es");
  EXPECT_LT(IndexOf(es, "Eslovenia"), IndexOf(es, "España"));
  EXPECT_LT(IndexOf(es, "España"), IndexOf(es, "Estonia"));
  EXPECT_LT(IndexOf(es, "Japón"), IndexOf(es, "Jordania"));

  auto tr = NamesInOrder(*catalog_, "tr");
  ASSERT_LT(IndexOf(tr, "Çad"), tr.size());
  EXPECT_LT(IndexOf(tr, "Cezayir"), IndexOf(tr, "Çad"));  // c < ç < d
  EXPECT_LT(IndexOf(tr, "Çad"), IndexOf(tr, "Danimarka"));

  auto ru = NamesInOrder(*catalog_, "ru");
  ASSERT_LT(IndexOf(ru, "Австрия"), ru.size());
  EXPECT_LT(IndexOf(ru, "Австрия"), IndexOf(ru, "Бразилия"));
  EXPECT_LT(IndexOf(ru, "Бразилия"), IndexOf(ru, "Япония"));
  EXPECT_EQ(std::set<std::string>(ru.begin(), ru.end()).size(), ru.size());
}

TEST_F(CountryOrderTest, OrderByIsValidatedAndPartOfThePageToken) {
  v1::ListCountriesRequest req;
  req.set_order_by("population");
  EXPECT_EQ(Field(catalog_->ListCountries(req).status()), "order_by");
  req.set_order_by("alpha3");
  req.set_page_size(10);
  auto by_code = catalog_->ListCountries(req);
  ASSERT_TRUE(by_code.ok());
  EXPECT_EQ(by_code->countries(0).alpha3(), "ABW");
  // A token of the code order does not continue the name order.
  req.set_order_by("display_name");
  req.set_page_token(by_code->next_page_token());
  EXPECT_EQ(Field(catalog_->ListCountries(req).status()), "page_token");
}

}  // namespace
}  // namespace mgi::catalog
