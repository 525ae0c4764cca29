// Unit tests of the pure profile rules: validation, completeness, masks, etags, comparison.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes.h"
#include "services/assessment/profile_rules.h"
#include "test_profiles.h"

namespace mgi::assessment {
namespace {

using testing::CompleteDraft;
using ::testing::Contains;
using ::testing::ElementsAre;
using testing::FakeCatalog;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Fields(const std::vector<FieldViolation>& v) {
  std::vector<std::string> out;
  for (const auto& f : v) out.push_back(f.field);
  return out;
}

TEST(AssessmentValidateContentTest, CompleteDraftHasNoProblem) {
  FakeCatalog catalog;
  std::vector<FieldViolation> v;
  ASSERT_TRUE(ValidateContent(CompleteDraft(), "profile", catalog, &v).ok());
  EXPECT_THAT(v, IsEmpty());
}

TEST(AssessmentValidateContentTest, ListsEveryProblemWithItsPath) {
  FakeCatalog catalog;
  av1::Profile p = CompleteDraft();
  p.set_country("countries/XXX");
  p.set_edition(0);
  p.mutable_publication_month()->set_month(13);
  p.add_languages("en");  // duplicate
  p.add_languages("not a tag");
  p.mutable_domains(2)->set_domain("domains/nope");
  p.mutable_domains(3)->mutable_well_developed(0)->set_finding_id("w1");  // duplicate id
  (*p.mutable_domains(3)->mutable_further_development(0)->mutable_text())["fr"] = "";
  auto* ref = p.mutable_domains(0)->mutable_well_developed(0)->add_references();
  ref->set_year(16);  // and no title in any language (a Spanish-only one would do)
  auto* a = p.add_answers();
  a->set_indicator("indicators/unknown");
  a = p.add_answers();
  a->set_indicator("indicators/l-1-01");
  a->set_value(mgi::catalog::v1::SCALE_VALUE_PARTIAL);
  a = p.add_answers();
  a->set_indicator("indicators/n-1-02");
  a->set_value(mgi::catalog::v1::SCALE_VALUE_PARTIAL);  // not on that indicator's scale
  std::vector<FieldViolation> v;
  ASSERT_TRUE(ValidateContent(p, "profile", catalog, &v).ok());
  EXPECT_THAT(
      Fields(v),
      ElementsAre("profile.country", "profile.edition", "profile.publication_month.month",
                  "profile.languages[1]", "profile.languages[2]",
                  "profile.domains[0].well_developed[0].references[0].title",
                  "profile.domains[0].well_developed[0].references[0].year",
                  "profile.domains[2].domain", "profile.domains[3].well_developed[0].finding_id",
                  "profile.domains[3].further_development[0].text[\"fr\"]",
                  "profile.answers[0].indicator", "profile.answers[1].indicator",
                  "profile.answers[2].value"));
  EXPECT_THAT(v[0].description, HasSubstr("unknown country \"countries/XXX\""));
  EXPECT_THAT(v[11].description, HasSubstr("LEVEL_LOCAL indicator"));
  EXPECT_THAT(v[12].description, HasSubstr("SCALE_VALUE_ABSENT, SCALE_VALUE_COMPLETE"));
}

TEST(AssessmentValidateContentTest, LocalProfileNeedsItsLocalUnitAndNationalMustNotHaveOne) {
  FakeCatalog catalog;
  av1::Profile local = CompleteDraft();
  local.set_level(mgi::catalog::v1::LEVEL_LOCAL);
  std::vector<FieldViolation> v;
  ASSERT_TRUE(ValidateContent(local, "", catalog, &v).ok());
  EXPECT_THAT(Fields(v), ElementsAre("local_unit.display_name", "local_unit.kind"));

  (*local.mutable_local_unit()->mutable_display_name())["en"] = "Guatemala City";
  local.mutable_local_unit()->set_kind("municipality");
  v.clear();
  ASSERT_TRUE(ValidateContent(local, "", catalog, &v).ok());
  EXPECT_THAT(v, IsEmpty());

  av1::Profile national = CompleteDraft();
  national.mutable_local_unit()->set_kind("city");
  v.clear();
  ASSERT_TRUE(ValidateContent(national, "", catalog, &v).ok());
  EXPECT_THAT(Fields(v), ElementsAre("local_unit"));
}

TEST(AssessmentValidateContentTest, MalformedCountryAndMissingFields) {
  FakeCatalog catalog;
  av1::Profile p;
  std::vector<FieldViolation> v;
  ASSERT_TRUE(ValidateContent(p, "profiles[0]", catalog, &v).ok());
  EXPECT_THAT(Fields(v),
              ElementsAre("profiles[0].country", "profiles[0].level", "profiles[0].edition",
                          "profiles[0].publication_month", "profiles[0].languages"));
  p = CompleteDraft();
  p.set_country("GTM");
  v.clear();
  ASSERT_TRUE(ValidateContent(p, "", catalog, &v).ok());
  EXPECT_THAT(Fields(v), ElementsAre("country"));
}

TEST(AssessmentValidateContentTest, CatalogOutageIsUnavailableNotAProfileProblem) {
  FakeCatalog catalog;
  catalog.available = false;
  std::vector<FieldViolation> v;
  absl::Status s = ValidateContent(CompleteDraft(), "", catalog, &v);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(v, IsEmpty());
}

TEST(AssessmentCompletenessTest, NamesMissingDomainsAndFindingsWithoutEnglish) {
  FakeCatalog catalog;
  av1::Profile p = CompleteDraft();
  p.mutable_domains()->DeleteSubrange(4, 1);  // mobility dimensions of crises
  p.mutable_domains(1)->clear_well_developed();
  p.mutable_domains(1)->clear_further_development();
  auto& text = *p.mutable_domains(2)->mutable_further_development(0)->mutable_text();
  text.erase("en");
  text["es"] = "Solo en español.";
  std::vector<FieldViolation> v;
  CompletenessGaps(p, catalog.domains, "", &v);
  ASSERT_THAT(Fields(v),
              ElementsAre("domains[1]", "domains", "domains[2].further_development[0].text"));
  EXPECT_THAT(v[1].description, HasSubstr("domains/mobility-dimensions-of-crises"));
  v.clear();
  CompletenessGaps(CompleteDraft(), catalog.domains, "", &v);
  EXPECT_THAT(v, IsEmpty());
}

TEST(AssessmentMaskTest, ResolvesEmptyStarAndNamedPaths) {
  av1::Profile patch;
  patch.set_edition(3);
  patch.add_languages("fr");
  EXPECT_THAT(*ResolveMask({}, patch), ElementsAre("edition", "languages"));
  EXPECT_EQ(ResolveMask({"*"}, patch)->size(), WritableFields().size());
  EXPECT_THAT(*ResolveMask({"domains", "edition", "domains"}, patch),
              ElementsAre("domains", "edition"));
}

TEST(AssessmentMaskTest, UnknownOrOutputOnlyPathNamesUpdateMask) {
  for (const char* path : {"colour", "state", "etag", "revision"}) {
    auto r = ResolveMask({path}, av1::Profile());
    ASSERT_TRUE(absl::IsInvalidArgument(r.status())) << path;
    auto v = FieldViolations(r.status());
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].field, "update_mask");
    EXPECT_THAT(v[0].description, HasSubstr(path));
  }
}

TEST(AssessmentMaskTest, ApplyReplacesAndClearsOnlyMaskedFields) {
  av1::Profile target = CompleteDraft();
  av1::Profile patch;
  patch.set_edition(2);
  ApplyMask({"edition", "domains", "publication_month"}, patch, &target);
  EXPECT_EQ(target.edition(), 2);
  EXPECT_TRUE(target.domains().empty());
  EXPECT_FALSE(target.has_publication_month());
  EXPECT_EQ(target.country(), "countries/GTM");
  EXPECT_THAT(ChangedFields(CompleteDraft(), target),
              ElementsAre("edition", "publication_month", "domains"));
}

TEST(AssessmentEtagTest, DependsOnContentAndRevisionButNotOnDisplayFields) {
  av1::Profile p = CompleteDraft();
  p.set_revision(1);
  std::string e1 = ComputeEtag(p);
  EXPECT_EQ(e1.front(), '"');
  EXPECT_EQ(e1.back(), '"');
  av1::Profile same = p;
  same.set_display_title("x");
  same.set_etag("\"old\"");
  same.mutable_domains(0)->mutable_well_developed(0)->set_display_text("y");
  EXPECT_EQ(ComputeEtag(same), e1);
  p.set_revision(2);
  EXPECT_NE(ComputeEtag(p), e1);
}

TEST(AssessmentCompareTest, MatchesNormalizedTextAndFallsBackToEnglish) {
  av1::Finding a, b, c, d;
  (*a.mutable_text())["en"] = "The  Labour Code applies.";
  (*b.mutable_text())["en"] = "A new register.";
  (*c.mutable_text())["en"] = "the labour code applies";
  (*c.mutable_text())["es"] = "El Código de Trabajo se aplica.";
  (*d.mutable_text())["en"] = "An old plan.";
  EXPECT_EQ(FindingKey(a, "fr"), "the labour code applies");
  EXPECT_EQ(FindingKey(c, "es"), "el código de trabajo se aplica");
  google::protobuf::RepeatedPtrField<av1::Finding> newer, older;
  *newer.Add() = a;
  *newer.Add() = b;
  *older.Add() = c;
  *older.Add() = d;
  auto changes = CompareGroup(newer, older, "en");
  ASSERT_EQ(changes.kept_size(), 1);
  EXPECT_EQ(changes.kept(0).text().at("en"), a.text().at("en"));
  ASSERT_EQ(changes.added_size(), 1);
  EXPECT_EQ(changes.added(0).text().at("en"), "A new register.");
  ASSERT_EQ(changes.removed_size(), 1);
  EXPECT_EQ(changes.removed(0).text().at("en"), "An old plan.");
  // In Spanish, `c` is matched on its Spanish text, which `a` does not have: a is compared on
  // its English text, so nothing is kept.
  changes = CompareGroup(newer, older, "es");
  EXPECT_EQ(changes.kept_size(), 0);
  EXPECT_EQ(changes.added_size(), 2);
  EXPECT_EQ(changes.removed_size(), 2);
}

TEST(AssessmentNormalizeTest, SortsDomainsAndAssignsMissingIds) {
  FakeCatalog catalog;
  av1::Profile p = CompleteDraft();
  p.mutable_domains()->SwapElements(0, 5);
  p.mutable_domains(1)->mutable_well_developed(0)->clear_finding_id();
  p.mutable_domains(1)->mutable_further_development(0)->set_finding_id("f1x");
  p.mutable_domains(2)->mutable_well_developed(0)->clear_finding_id();
  SortDomains(&p, catalog.domains);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(p.domains(i).domain(), catalog.domains[i]);
  AssignFindingIds(&p);
  std::set<std::string> ids;
  for (const auto& d : p.domains()) {
    for (const auto& f : d.well_developed()) EXPECT_TRUE(ids.insert(f.finding_id()).second);
    for (const auto& f : d.further_development()) EXPECT_TRUE(ids.insert(f.finding_id()).second);
  }
  EXPECT_FALSE(ids.count(""));
}

TEST(AssessmentNameTest, ParsesProfileNames) {
  EXPECT_EQ(*ParseProfileName("profiles/gtm-2022", "name"), "gtm-2022");
  for (const char* bad : {"", "gtm-2022", "profiles/", "profiles/GTM", "profiles/1abc",
                          "profiles/a_b", "countries/gtm"}) {
    auto r = ParseProfileName(bad, "name");
    ASSERT_TRUE(absl::IsInvalidArgument(r.status())) << bad;
    EXPECT_EQ(FieldViolations(r.status()).at(0).field, "name");
  }
}

}  // namespace
}  // namespace mgi::assessment
