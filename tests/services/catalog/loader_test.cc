// The data loader: the shipped data loads, and each kind of bad file stops the load with a
// message naming the file and the entry; all problems are reported together.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "services/catalog/catalog_data.h"
#include "test_util.h"

namespace mgi::catalog {
namespace {

using ::testing::AllOf;
using testing::Fixture;
using ::testing::HasSubstr;
using testing::MakeDataDir;
using testing::RealDataDir;

std::string RealFramework() { return RealDataDir() + "/framework.json"; }

// The load error for a data dir made of the real framework and `files`.
std::string LoadError(const std::vector<std::string>& files,
                      const std::string& framework = RealFramework()) {
  auto data = LoadCatalogData(MakeDataDir(framework, files));
  EXPECT_FALSE(data.ok());
  if (data.ok()) return "";
  EXPECT_EQ(data.status().code(), absl::StatusCode::kFailedPrecondition);
  return std::string(data.status().message());
}

TEST(CatalogLoaderTest, ShippedDataLoads) {
  auto data = LoadCatalogData(RealDataDir());
  ASSERT_TRUE(data.ok()) << data.status();
  const FrameworkData& fw = data->framework;
  std::vector<std::string> ids;
  for (const auto& d : fw.domains) ids.push_back(d.id);
  EXPECT_THAT(ids, ::testing::ElementsAre("migrants-rights", "whole-of-government", "partnerships",
                                          "well-being", "mobility-dimensions-of-crises",
                                          "safe-orderly-regular-migration"));
  EXPECT_EQ(fw.principles.size(), 3u);
  EXPECT_EQ(fw.objectives.size(), 3u);
  for (const auto& d : fw.domains) {
    for (const char* lang : {"en", "fr", "es"}) {
      EXPECT_TRUE(d.display_name.count(lang)) << d.id << " " << lang;
      EXPECT_TRUE(d.national_description.count(lang)) << d.id << " " << lang;
      EXPECT_TRUE(d.local_description.count(lang)) << d.id << " " << lang;
    }
    EXPECT_GE(d.sub_areas.size(), 3u) << d.id;
  }
  // The French texts are the portal's, word for word (typos included), and verified.
  const auto& fr = fw.domains[4].local_description.at("fr");
  EXPECT_THAT(fr.text, HasSubstr("puoir les migrants comme pour les ctoyens"));
  EXPECT_FALSE(fr.unverified);
  EXPECT_EQ(fw.domains[2].display_name.at("fr").text, "Partenariats");
  EXPECT_TRUE(fw.domains[1].display_name.at("es").unverified);
  EXPECT_EQ(fw.domains[3].local_display_name.at("en").text, "Socioeconomic well-being of migrants");

  // Sample indicators: several per sub-area, national and local, all marked as a sample.
  std::map<std::string, int> per_sub_area;
  int local = 0;
  for (const auto& ind : data->indicators) {
    EXPECT_TRUE(ind.sample) << ind.id;
    EXPECT_THAT(ind.source_note, HasSubstr("not the official MGI questionnaire"));
    EXPECT_TRUE(ind.text.at("fr").unverified);
    ++per_sub_area[ind.domain_id + "/" + ind.sub_area_id];
    local += ind.level == v1::LEVEL_LOCAL;
  }
  for (const auto& d : fw.domains) {
    for (const auto& s : d.sub_areas) EXPECT_GE(per_sub_area[d.id + "/" + s.id], 2) << s.id;
  }
  EXPECT_GE(local, 15);
  // Catalog order: domain, then sub-area, then id.
  for (size_t i = 1; i < data->indicators.size(); ++i) {
    const auto& a = data->indicators[i - 1];
    const auto& b = data->indicators[i];
    EXPECT_TRUE(std::tie(a.domain_index, a.sub_area_index, a.id) <
                std::tie(b.domain_index, b.sub_area_index, b.id));
  }
}

TEST(CatalogLoaderTest, GoodFixtureLoads) {
  auto data = LoadCatalogData(MakeDataDir(RealFramework(), {Fixture("good-indicators.json")}));
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->indicators.size(), 1u);
  EXPECT_EQ(data->indicators[0].scale.size(), 2u);  // the file's default scale
  EXPECT_EQ(data->indicators[0].framework_edition, "test");
}

TEST(CatalogLoaderTest, MalformedJsonNamesTheFile) {
  EXPECT_THAT(LoadError({Fixture("bad-indicators/malformed.json")}),
              AllOf(HasSubstr("malformed.json"), HasSubstr("malformed JSON")));
}

TEST(CatalogLoaderTest, UnknownDomain) {
  EXPECT_THAT(LoadError({Fixture("bad-indicators/unknown-domain.json")}),
              AllOf(HasSubstr("unknown-domain.json: indicators[0] \"t-unknown-domain\""),
                    HasSubstr("unknown domain \"happiness\"")));
}

TEST(CatalogLoaderTest, UnknownSubArea) {
  EXPECT_THAT(LoadError({Fixture("bad-indicators/unknown-sub-area.json")}),
              AllOf(HasSubstr("indicators[0] \"t-unknown-sub\""),
                    HasSubstr("unknown sub-area \"remittances\" in domain \"migrants-rights\"")));
}

TEST(CatalogLoaderTest, DuplicateIdInOneFile) {
  EXPECT_THAT(LoadError({Fixture("bad-indicators/duplicate-id.json")}),
              AllOf(HasSubstr("indicators[1] \"t-dup\": duplicate indicator id"),
                    HasSubstr("first defined in")));
}

TEST(CatalogLoaderTest, DuplicateIdAcrossFiles) {
  EXPECT_THAT(LoadError({Fixture("good-indicators.json"),
                         Fixture("bad-indicators/duplicate-across-files.json")}),
              AllOf(HasSubstr("good-indicators.json: indicators[0] \"t-1\": duplicate indicator id "
                              "(first defined in "),
                    HasSubstr("duplicate-across-files.json)")));
}

TEST(CatalogLoaderTest, MissingEnglishText) {
  EXPECT_THAT(LoadError({Fixture("bad-indicators/missing-english.json")}),
              HasSubstr("indicators[0] \"t-no-english\".text: missing English (\"en\") text"));
}

TEST(CatalogLoaderTest, BadScalesAreAllReported) {
  std::string error = LoadError({Fixture("bad-indicators/bad-scale.json")});
  EXPECT_THAT(error, HasSubstr("4 problems"));
  EXPECT_THAT(error, HasSubstr("\"t-bad-value\".scale[0]: \"value\" \"MOSTLY\" is not one of"));
  EXPECT_THAT(error, HasSubstr("\"t-twice\".scale[1]: \"value\" SCALE_VALUE_ABSENT appears twice"));
  EXPECT_THAT(error, HasSubstr("\"t-empty-scale\".scale: must be a non-empty array"));
  EXPECT_THAT(error,
              HasSubstr("\"t-no-scale\": no \"scale\" and the file has no \"default_scale\""));
}

TEST(CatalogLoaderTest, UnsupportedFormatVersion) {
  EXPECT_THAT(
      LoadError({Fixture("bad-indicators/bad-format-version.json")}),
      AllOf(HasSubstr("bad-format-version.json"), HasSubstr("unsupported format_version 99")));
}

TEST(CatalogLoaderTest, BadLevels) {
  std::string error = LoadError({Fixture("bad-indicators/bad-level.json")});
  EXPECT_THAT(error, HasSubstr("\"t-city-conventions\": sub-area \"international-conventions\" is "
                               "not used at the local level"));
  EXPECT_THAT(error, HasSubstr("\"t-regional\": \"level\" \"regional\" is not"));
}

TEST(CatalogLoaderTest, UnknownKeyIsATypo) {
  EXPECT_THAT(LoadError({Fixture("bad-indicators/unknown-key.json")}),
              HasSubstr("\"t-typo\": unknown key \"txet\""));
}

TEST(CatalogLoaderTest, EveryProblemOfEveryFileIsListed) {
  std::vector<std::string> files;
  for (const char* f : {"malformed", "unknown-domain", "unknown-sub-area", "duplicate-id",
                        "missing-english", "bad-scale", "bad-format-version", "bad-level"}) {
    files.push_back(Fixture(std::string("bad-indicators/") + f + ".json"));
  }
  std::string error = LoadError(files);
  EXPECT_THAT(error, HasSubstr("(12 problems)"));
  for (const char* f :
       {"malformed.json", "unknown-domain.json", "unknown-sub-area.json", "duplicate-id.json",
        "missing-english.json", "bad-scale.json", "bad-format-version.json", "bad-level.json"}) {
    EXPECT_THAT(error, HasSubstr(f));
  }
}

TEST(CatalogLoaderTest, BadFramework) {
  std::string error =
      LoadError({Fixture("good-indicators.json")}, Fixture("bad-framework/framework.json"));
  EXPECT_THAT(error, HasSubstr("framework.json: domains[0] \"migrants-rights\".display_name: "
                               "missing English"));
  EXPECT_THAT(error,
              HasSubstr("domains[0] \"migrants-rights\".sub_areas[0] \"right-to-work\".levels: "
                        "\"regional\" is not"));
  EXPECT_THAT(error, HasSubstr("domains[1] \"migrants-rights\": duplicate domain id"));
  EXPECT_THAT(error, HasSubstr("domains[1] \"migrants-rights\": \"number\" must be 2"));
  EXPECT_THAT(error, HasSubstr("sub_areas: must list at least one sub-area"));
  EXPECT_THAT(error, HasSubstr("principles[0]: unknown domain \"nowhere\""));
  // The indicator file is checked against the framework too.
  EXPECT_THAT(error, HasSubstr("good-indicators.json: indicators[0] \"t-1\": unknown sub-area"));
}

TEST(CatalogLoaderTest, MissingDirectoryAndMissingFiles) {
  auto missing = LoadCatalogData("/nonexistent/mgi/catalog");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/nonexistent/mgi/catalog"));
  std::string dir = MakeDataDir(RealFramework(), {});
  std::filesystem::remove(dir + "/framework.json");
  auto empty = LoadCatalogData(dir);
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(std::string(empty.status().message()),
              AllOf(HasSubstr("framework.json: cannot be read"),
                    HasSubstr("indicators: holds no *.json indicator file")));
}

}  // namespace
}  // namespace mgi::catalog
