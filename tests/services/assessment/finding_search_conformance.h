// Conformance tests of ProfileStore's key-finding search, for every store: a store's test file
// instantiates them with a factory of empty stores, e.g.
//   INSTANTIATE_TEST_SUITE_P(Sqlite, FindingSearchConformanceTest,
//                            ::testing::Values(StoreFactory{"sqlite", [] { ... }}));
// Profiles are written with Commit, as the service writes them; terms are made by
// ParseSearchQuery, as the service makes them.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <tuple>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/assessment/finding_search.h"
#include "services/assessment/profile_store.h"

namespace mgi::assessment::testing {

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<ProfileStore>()> make;
};
inline std::ostream& operator<<(std::ostream& os, const StoreFactory& f) { return os << f.name; }

namespace av1 = mgi::assessment::v1;

class FindingSearchConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }

  // A profile with the given findings: {domain, group (1/2), {lang: text}}.
  struct F {
    std::string domain;
    int group;
    std::map<std::string, std::string> text;
  };
  static av1::Profile Make(const std::string& id, const std::string& country, int edition,
                           av1::ProfileState state, std::vector<std::string> languages,
                           const std::vector<F>& findings, int year = 2022, bool local = false) {
    av1::Profile p;
    p.set_name("profiles/" + id);
    p.set_country(country);
    p.set_level(local ? mgi::catalog::v1::LEVEL_LOCAL : mgi::catalog::v1::LEVEL_NATIONAL);
    if (local) (*p.mutable_local_unit()->mutable_display_name())["en"] = "City of " + id;
    p.set_edition(edition);
    p.mutable_publication_month()->set_year(year);
    p.mutable_publication_month()->set_month(8);
    for (auto& l : languages) p.add_languages(l);
    p.set_state(state);
    p.set_revision(1);
    p.set_etag("\"" + id + "-1\"");
    int n = 0;
    for (const auto& f : findings) {
      av1::DomainFindings* d = nullptr;
      for (auto& existing : *p.mutable_domains()) {
        if (existing.domain() == f.domain) d = &existing;
      }
      if (d == nullptr) {
        d = p.add_domains();
        d->set_domain(f.domain);
      }
      av1::Finding* finding =
          f.group == 1 ? d->add_well_developed() : d->add_further_development();
      finding->set_finding_id("f" + std::to_string(++n));
      for (const auto& [l, t] : f.text) (*finding->mutable_text())[l] = t;
    }
    return p;
  }
  absl::Status Create(const av1::Profile& p) {
    ProfileWrite w;
    w.kind = ProfileWrite::Kind::kCreate;
    w.profile = p;
    w.revision.set_action(av1::Revision::ACTION_CREATE);
    w.revision.set_actor("test");
    return store_->Commit({w});
  }
  absl::Status Replace(av1::Profile p) {
    ProfileWrite w;
    w.kind = ProfileWrite::Kind::kReplace;
    w.expected_etag = p.etag();
    p.set_revision(p.revision() + 1);
    p.set_etag("\"" + p.name() + "-" + std::to_string(p.revision()) + "\"");
    w.profile = p;
    w.revision.set_action(av1::Revision::ACTION_UPDATE);
    w.revision.set_actor("test");
    return store_->Commit({w});
  }
  FindingQuery Query(const std::string& q, const std::string& language = "en") {
    FindingQuery query;
    auto parsed = ParseSearchQuery(q);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (parsed.ok()) query.terms = parsed->terms;
    query.language = language;
    return query;
  }
  // "profile/finding_id" of each hit, in order.
  std::vector<std::string> Find(const FindingQuery& q, int64_t offset = 0, int64_t limit = 100) {
    auto rows = store_->SearchFindings(q, offset, limit);
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::vector<std::string> out;
    if (!rows.ok()) return out;
    for (const auto& r : *rows) out.push_back(r.profile.substr(9) + "/" + r.finding_id);
    return out;
  }
  std::vector<std::string> Find(const std::string& q, const std::string& language = "en") {
    return Find(Query(q, language));
  }

  std::unique_ptr<ProfileStore> store_;
};

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr auto kPublished = av1::PROFILE_STATE_PUBLISHED;
const std::string kSafe = "domains/safe-orderly-regular-migration";
const std::string kRights = "domains/migrants-rights";
const std::string kPartners = "domains/partnerships";

TEST_P(FindingSearchConformanceTest, IndexFollowsEveryCommitAndARolledBackOneLeavesNoTrace) {
  auto p = Make("gtm-2022", "countries/GTM", 2, kPublished, {"en"},
                {{kSafe, 1, {{"en", "An Office against Trafficking in Persons."}}}});
  ASSERT_TRUE(Create(p).ok());
  EXPECT_THAT(Find("trafficking"), ElementsAre("gtm-2022/f1"));
  // A replace re-indexes: the old words are gone, the new ones found.
  p.mutable_domains(0)->mutable_well_developed(0)->mutable_text()->at("en") =
      "A national plan on labour migration.";
  ASSERT_TRUE(Replace(p).ok());
  EXPECT_THAT(Find("trafficking"), IsEmpty());
  EXPECT_THAT(Find("labour"), ElementsAre("gtm-2022/f1"));
  // A failed transaction (the second write's create collides) changes nothing.
  auto q = Make("mex-2021", "countries/MEX", 1, kPublished, {"en"},
                {{kSafe, 1, {{"en", "Trafficking unit."}}}});
  ProfileWrite ok_write{ProfileWrite::Kind::kCreate, q, "", {}, ""};
  auto dup = Make("gtm-2022", "countries/GTM", 2, av1::PROFILE_STATE_DRAFT, {"en"},
                  {{kSafe, 1, {{"en", "Trafficking again."}}}});
  ProfileWrite bad_write{ProfileWrite::Kind::kCreate, dup, "", {}, ""};
  EXPECT_TRUE(absl::IsAlreadyExists(store_->Commit({ok_write, bad_write})));
  EXPECT_THAT(Find("trafficking"), IsEmpty());
  // A delete removes the profile's findings.
  ProfileWrite del{ProfileWrite::Kind::kDelete, {}, "", {}, ""};
  auto stored = store_->Get("profiles/gtm-2022");
  ASSERT_TRUE(stored.ok());
  del.profile.set_name("profiles/gtm-2022");
  del.expected_etag = stored->etag();
  ASSERT_TRUE(store_->Commit({del}).ok());
  EXPECT_THAT(Find("labour"), IsEmpty());
}

TEST_P(FindingSearchConformanceTest, CaseAndAccentsDoNotMatterInAnyScript) {
  ASSERT_TRUE(Create(Make("mex-2021", "countries/MEX", 1, kPublished, {"es"},
                          {{kRights, 1, {{"es", "La Ley de MIGRACIÓN protege a los niños."}}},
                           {kRights, 2, {{"es", "Αθήνα: İSTANBUL Straße"}}},
                           {kPartners, 1, {{"es", "اللَّاجِئِينَ والهجرة 🙂👍🏽 acuerdos"}}}}))
                  .ok());
  EXPECT_THAT(Find("migracion", "es"), ElementsAre("mex-2021/f1"));
  EXPECT_THAT(Find("Migración", "es"), ElementsAre("mex-2021/f1"));
  EXPECT_THAT(Find("NINOS ley", "es"), ElementsAre("mex-2021/f1"));
  EXPECT_THAT(Find("αθηνα", "es"), ElementsAre("mex-2021/f2"));
  EXPECT_THAT(Find("istanbul strasse", "es"), ElementsAre("mex-2021/f2"));
  // Arabic without its vowel marks finds the text written with them; emoji are not words.
  EXPECT_THAT(Find("اللاجئين", "es"), ElementsAre("mex-2021/f3"));
  EXPECT_THAT(Find("🙂 acuerdos", "es"), ElementsAre("mex-2021/f3"));
}

TEST_P(FindingSearchConformanceTest, QuotesBackslashesAndVeryLongWordsAreStoredAndFound) {
  std::string run;
  for (int i = 0; i < 1000; ++i) run += "移";  // one 3,000-byte word (PostgreSQL cuts lexemes)
  ASSERT_TRUE(Create(Make("chn-2023", "countries/CHN", 1, kPublished, {"zh"},
                          {{kRights, 1, {{"zh", "O'Brien \\ back\\slash \"quoted\" " + run}}}}))
                  .ok());
  EXPECT_THAT(Find("o'brien", "zh"), ElementsAre("chn-2023/f1"));
  EXPECT_THAT(Find("\"o brien\"", "zh"), ElementsAre("chn-2023/f1"));
  EXPECT_THAT(Find("back\\slash quoted", "zh"), ElementsAre("chn-2023/f1"));
  std::string long_prefix;  // 400 characters, 1,200 bytes (a query is at most 500 characters)
  for (int i = 0; i < 400; ++i) long_prefix += "移";
  EXPECT_THAT(Find(long_prefix + "*", "zh"), ElementsAre("chn-2023/f1"));
  EXPECT_THAT(Find("移移*", "zh"), ElementsAre("chn-2023/f1"));
  EXPECT_THAT(Find("移移", "zh"), IsEmpty());
}

TEST_P(FindingSearchConformanceTest, PhrasesPrefixesAndTwoRelevanceLevels) {
  ASSERT_TRUE(Create(Make("gtm-2022", "countries/GTM", 2, kPublished, {"en"},
                          {{kSafe, 1, {{"en", "Trafficking in persons is a crime."}}},
                           {kSafe, 2, {{"en", "Victims of persons trafficking are protected."}}},
                           {kRights, 1, {{"en", "Labour migration agreements."}}},
                           {kRights, 2, {{"en", "Laboratories."}}}}))
                  .ok());
  EXPECT_THAT(Find("\"trafficking in persons\""), ElementsAre("gtm-2022/f1"));
  EXPECT_THAT(Find("labo*"), ElementsAre("gtm-2022/f3", "gtm-2022/f4"));
  EXPECT_THAT(Find("\"labour migr\"*"), ElementsAre("gtm-2022/f3"));
  EXPECT_THAT(Find("labo"), IsEmpty());
  // Both words in both findings: the one with them together, in order, first.
  EXPECT_THAT(Find("persons trafficking"), ElementsAre("gtm-2022/f2", "gtm-2022/f1"));
  auto rows = store_->SearchFindings(Query("persons trafficking"), 0, 10);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].relevance_level, 1);
  EXPECT_EQ((*rows)[1].relevance_level, 2);
  EXPECT_THAT(Find("trafficking"), ElementsAre("gtm-2022/f1", "gtm-2022/f2"));
}

TEST_P(FindingSearchConformanceTest, ALanguageMissingFallsBackToTheProfilesOwnMarkedAsSuch) {
  ASSERT_TRUE(Create(Make("gtm-2022", "countries/GTM", 2, kPublished, {"es", "en"},
                          {{kSafe, 1, {{"en", "Trafficking office."}, {"es", "Oficina de trata."}}},
                           {kSafe, 2, {{"es", "Trata de personas."}}},
                           {kRights, 1, {{"en", "Only English trafficking."}}}}))
                  .ok());
  // In English: f1 in English, f2 in Spanish (its own language), f3 in English.
  auto rows = store_->SearchFindings(Query("trata", "en"), 0, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);  // f1 is searched in English, where "trata" is not
  EXPECT_EQ((*rows)[0].finding_id, "f2");
  EXPECT_EQ((*rows)[0].language, "es");
  EXPECT_TRUE((*rows)[0].fallback);
  EXPECT_THAT(Find("trafficking", "en"), ElementsAre("gtm-2022/f1", "gtm-2022/f3"));
  // In French, which no finding has: each in its own language (es for f1 and f2, en for f3).
  EXPECT_THAT(Find("trata", "fr"), ElementsAre("gtm-2022/f1", "gtm-2022/f2"));
  EXPECT_THAT(Find("trafficking", "fr"), ElementsAre("gtm-2022/f3"));
  rows = store_->SearchFindings(Query("trafficking", "es"), 0, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].language, "en");
  EXPECT_TRUE((*rows)[0].fallback);
  rows = store_->SearchFindings(Query("trata", "es"), 0, 10);
  ASSERT_TRUE(rows.ok());
  for (const auto& r : *rows) EXPECT_FALSE(r.fallback) << r.finding_id;
}

TEST_P(FindingSearchConformanceTest, FiltersStatesAndCountsPerCountry) {
  ASSERT_TRUE(Create(Make("gtm-2018", "countries/GTM", 1, av1::PROFILE_STATE_ARCHIVED, {"en"},
                          {{kSafe, 2, {{"en", "Trafficking unit planned."}}}}, 2018))
                  .ok());
  ASSERT_TRUE(Create(Make("gtm-2022", "countries/GTM", 2, kPublished, {"en"},
                          {{kSafe, 1, {{"en", "Trafficking office."}}},
                           {kRights, 2, {{"en", "Trafficking victims' rights."}}}}))
                  .ok());
  ASSERT_TRUE(Create(Make("mex-draft", "countries/MEX", 1, av1::PROFILE_STATE_DRAFT, {"en"},
                          {{kSafe, 1, {{"en", "Trafficking draft."}}}}))
                  .ok());
  ASSERT_TRUE(Create(Make("gtm-san-marcos", "countries/GTM", 1, kPublished, {"en"},
                          {{kSafe, 1, {{"en", "Local trafficking desk."}}}}, 2021, true))
                  .ok());
  FindingQuery q = Query("trafficking");
  EXPECT_EQ(Find(q).size(), 5u);
  q.states = {av1::PROFILE_STATE_PUBLISHED, av1::PROFILE_STATE_ARCHIVED};
  EXPECT_EQ(Find(q).size(), 4u);
  auto counts = store_->CountFindings(q);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->total, 4);
  EXPECT_THAT(counts->countries, ElementsAre(std::pair<std::string, int64_t>("countries/GTM", 4)));
  FindingQuery d = q;
  d.domain = kRights;
  EXPECT_THAT(Find(d), ElementsAre("gtm-2022/f2"));
  FindingQuery g = q;
  g.group = av1::FINDING_GROUP_FURTHER_DEVELOPMENT;
  EXPECT_THAT(Find(g), UnorderedElementsAre("gtm-2018/f1", "gtm-2022/f2"));
  FindingQuery e = q;
  e.edition = 1;
  e.level = mgi::catalog::v1::LEVEL_NATIONAL;
  EXPECT_THAT(Find(e), ElementsAre("gtm-2018/f1"));
  FindingQuery l = q;
  l.level = mgi::catalog::v1::LEVEL_LOCAL;
  EXPECT_THAT(Find(l), ElementsAre("gtm-san-marcos/f1"));
  FindingQuery y = q;
  y.publication_year = 2018;
  EXPECT_THAT(Find(y), ElementsAre("gtm-2018/f1"));
  FindingQuery c = Query("trafficking");
  c.country = "countries/MEX";
  EXPECT_THAT(Find(c), ElementsAre("mex-draft/f1"));
  c.states = {av1::PROFILE_STATE_PUBLISHED};
  EXPECT_THAT(Find(c), IsEmpty());
}

TEST_P(FindingSearchConformanceTest, OrderIsTheCountryOrderGivenThenUnitEditionAndPosition) {
  for (const auto& [id, country, edition] :
       std::vector<std::tuple<std::string, std::string, int>>{{"che-1", "countries/CHE", 1},
                                                              {"deu-1", "countries/DEU", 1},
                                                              {"deu-2", "countries/DEU", 2},
                                                              {"zzz-1", "countries/ZZZ", 1}}) {
    ASSERT_TRUE(Create(Make(id, country, edition, kPublished, {"en"},
                            {{kRights, 2, {{"en", "Migration b."}}},
                             {kRights, 1, {{"en", "Migration a."}}}}))
                    .ok());
  }
  FindingQuery q = Query("migration");
  q.country_order = {"countries/DEU", "countries/CHE"};  // e.g. "Germany" before "Switzerland"
  EXPECT_THAT(Find(q), ElementsAre("deu-2/f2", "deu-2/f1", "deu-1/f2", "deu-1/f1", "che-1/f2",
                                   "che-1/f1", "zzz-1/f2", "zzz-1/f1"));
  // Pages are slices of the same order; an empty query lists every finding in that order.
  EXPECT_THAT(Find(q, 3, 2), ElementsAre("deu-1/f1", "che-1/f2"));
  FindingQuery all = Query("");
  all.country_order = q.country_order;
  EXPECT_EQ(Find(all), Find(q));
}

// Many hits (more than a store may count exactly): every page is still a slice of the one order,
// and a count, exact or estimated, says so.
TEST_P(FindingSearchConformanceTest, ManyHitsKeepTheOrderOnEveryPage) {
  const std::vector<std::string> countries = {"countries/AAA", "countries/BBB", "countries/CCC",
                                              "countries/DDD", "countries/EEE", "countries/FFF"};
  struct Expected {
    int relevance;
    size_t country;  // in the order given below
    int edition;
    int position;
    std::string id;
    bool operator<(const Expected& o) const {
      return std::tie(relevance, country, o.edition, position) <
             std::tie(o.relevance, o.country, edition, o.position);
    }
  };
  // The order given: FFF, BBB, DDD; the others after, by resource name (AAA, CCC, EEE).
  const std::vector<std::string> order = {"countries/FFF", "countries/BBB", "countries/DDD"};
  const std::vector<size_t> rank = {3, 1, 4, 2, 5, 0};  // of countries[i]
  std::vector<Expected> together, single;
  for (size_t c = 0; c < countries.size(); ++c) {
    for (int edition = 1; edition <= 4; ++edition) {
      std::string id = absl::StrCat(absl::AsciiStrToLower(countries[c].substr(10)), "-", edition);
      std::vector<F> findings;
      for (int k = 0; k < 50; ++k) {
        findings.push_back({kRights, 1,
                            {{"en", k % 2 == 0 ? "A labour migration policy."
                                               : "Migration and labour, apart."}}});
        std::string hit = absl::StrCat(id, "/f", k + 1);
        together.push_back({k % 2 == 0 ? 1 : 2, rank[c], edition, k, hit});
        single.push_back({1, rank[c], edition, k, hit});
      }
      ASSERT_TRUE(
          Create(Make(id, countries[c], edition, kPublished, {"en"}, findings)).ok());
    }
  }
  std::sort(together.begin(), together.end());
  std::sort(single.begin(), single.end());
  for (const auto& [text, expected] :
       std::vector<std::pair<std::string, std::vector<Expected>*>>{{"labour migration", &together},
                                                                   {"migration", &single}}) {
    FindingQuery q = Query(text);
    q.country_order = order;
    std::vector<std::string> want, got;
    for (const auto& e : *expected) want.push_back(e.id);
    for (int64_t offset = 0; offset < 1200; offset += 37) {
      auto page = Find(q, offset, 37);
      ASSERT_EQ(page.size(), static_cast<size_t>(std::min<int64_t>(37, 1200 - offset))) << offset;
      got.insert(got.end(), page.begin(), page.end());
    }
    EXPECT_EQ(got, want) << text;
    EXPECT_THAT(Find(q, 1200, 10), IsEmpty());
    // A caller's hint (FindingQuery::estimated) picks the way (one sort of every hit, or the
    // country walk), never the order: both ways give the same pages.
    for (int64_t offset : {0, 37, 599, 1190}) {
      FindingQuery sorted = q, walked = q;
      sorted.estimated = false;
      walked.estimated = true;
      EXPECT_EQ(Find(sorted, offset, 20), Find(walked, offset, 20)) << text << " " << offset;
      EXPECT_EQ(Find(walked, offset, 20),
                std::vector<std::string>(want.begin() + offset,
                                         want.begin() + std::min<int64_t>(offset + 20, 1200)));
    }
    auto rows = store_->SearchFindings(q, 599, 2);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].relevance_level, 1);
    EXPECT_EQ((*rows)[1].relevance_level, text == "migration" ? 1 : 2);
    auto counts = store_->CountFindings(q);
    ASSERT_TRUE(counts.ok());
    if (counts->estimated) {
      EXPECT_GT(counts->total, 1000);
      EXPECT_EQ(counts->countries.size(), countries.size());
    } else {
      EXPECT_EQ(counts->total, 1200);
    }
  }
  // A filter that leaves few hits is counted exactly on every store.
  FindingQuery one = Query("labour migration");
  one.country = "countries/CCC";
  one.edition = 2;
  auto counts = store_->CountFindings(one);
  ASSERT_TRUE(counts.ok());
  EXPECT_FALSE(counts->estimated);
  EXPECT_EQ(counts->total, 50);
}

}  // namespace mgi::assessment::testing
