// .mo parsing and the ISO 3166-1 country table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>

#include "services/catalog/countries.h"
#include "services/catalog/mo_file.h"

namespace mgi::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Builds a .mo file: little- or big-endian, entries sorted as gettext requires.
std::string BuildMo(const std::vector<std::pair<std::string, std::string>>& entries, bool big) {
  auto u32 = [big](uint32_t v) {
    std::string s(4, '\0');
    for (int k = 0; k < 4; ++k) s[big ? 3 - k : k] = static_cast<char>((v >> (8 * k)) & 0xFF);
    return s;
  };
  uint32_t n = static_cast<uint32_t>(entries.size());
  uint32_t orig = 28, trans = orig + 8 * n, data = trans + 8 * n;
  std::string head = u32(0x950412de) + u32(0) + u32(n) + u32(orig) + u32(trans) + u32(0) + u32(0);
  std::string otab, ttab, strings;
  for (const auto& [id, _] : entries) {
    otab +=
        u32(static_cast<uint32_t>(id.size())) + u32(data + static_cast<uint32_t>(strings.size()));
    strings += id + '\0';
  }
  for (const auto& [_, str] : entries) {
    ttab +=
        u32(static_cast<uint32_t>(str.size())) + u32(data + static_cast<uint32_t>(strings.size()));
    strings += str + '\0';
  }
  return head + otab + ttab + strings;
}

TEST(CatalogMoTest, ParsesBothByteOrders) {
  std::vector<std::pair<std::string, std::string>> entries = {
      {"", "Content-Type: text/plain; charset=UTF-8\n"},
      {"Guatemala", "Guatemala"},
      {"Republic of Guatemala", "República de Guatemala"},
      {"Untranslated", ""},
      {std::string("ctx\x04Name"), "Nom"},
      {std::string("One\0Many", 8), std::string("Un\0Plusieurs", 12)}};
  for (bool big : {false, true}) {
    auto m = ParseMo(BuildMo(entries, big), "test.mo");
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->size(), 3u);
    EXPECT_EQ(m->at("Republic of Guatemala"), "República de Guatemala");
    EXPECT_EQ(m->at("One"), "Un");
    EXPECT_FALSE(m->count("Untranslated"));
    EXPECT_FALSE(m->count(""));
  }
}

TEST(CatalogMoTest, RejectsMalformedFiles) {
  std::string good = BuildMo({{"a", "b"}}, false);
  EXPECT_THAT(std::string(ParseMo("short", "x.mo").status().message()), HasSubstr("x.mo"));
  EXPECT_FALSE(ParseMo(std::string(28, '\0'), "x.mo").ok());            // bad magic
  EXPECT_FALSE(ParseMo(good.substr(0, good.size() - 3), "x.mo").ok());  // truncated strings
  EXPECT_FALSE(ParseMo(good.substr(0, 30), "x.mo").ok());               // truncated tables
  EXPECT_EQ(ReadMoFile("/nonexistent.mo").status().code(), absl::StatusCode::kNotFound);
}

TEST(CatalogCountriesTest, LocaleDirNames) {
  EXPECT_EQ(LocaleDirToTag("fr"), "fr");
  EXPECT_EQ(LocaleDirToTag("pt_BR"), "pt-BR");
  EXPECT_EQ(LocaleDirToTag("sr@latin"), "sr-Latn");
  EXPECT_EQ(LocaleDirToTag("en@shaw"), "");
  EXPECT_EQ(LocaleDirToTag("C"), "");
}

TEST(CatalogCountriesTest, GuatemalaInThreeLanguagesFromIsoCodes) {
  auto c = Countries::Load("/usr/share/iso-codes/json", "/usr/share/locale", {"fr", "es"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_GE(c->records().size(), 249u);
  EXPECT_THAT(c->languages(), ElementsAre("es", "fr"));
  const CountryRecord* gtm = c->Find("GTM");
  ASSERT_NE(gtm, nullptr);
  EXPECT_EQ(gtm->alpha2, "GT");
  EXPECT_EQ(gtm->numeric, "320");
  EXPECT_EQ(gtm->official_name, "Republic of Guatemala");
  EXPECT_EQ(*c->Translate("fr", gtm->official_name), "République du Guatemala");
  EXPECT_EQ(*c->Translate("es", gtm->official_name), "República de Guatemala");
  EXPECT_EQ(c->Translate("de", gtm->official_name), nullptr);  // not loaded
  for (size_t i = 1; i < c->records().size(); ++i) {
    EXPECT_LT(c->records()[i - 1].alpha3, c->records()[i].alpha3);
  }
}

TEST(CatalogCountriesTest, LoadsEveryTranslationFoundByDefault) {
  auto c = Countries::Load("/usr/share/iso-codes/json", "/usr/share/locale", {});
  ASSERT_TRUE(c.ok()) << c.status();
  auto langs = c->languages();
  EXPECT_GT(langs.size(), 20u);
  EXPECT_TRUE(std::find(langs.begin(), langs.end(), "pt-BR") != langs.end());
  EXPECT_TRUE(std::find(langs.begin(), langs.end(), "en") == langs.end());
}

TEST(CatalogCountriesTest, Errors) {
  auto unknown = Countries::Load("/usr/share/iso-codes/json", "/usr/share/locale", {"xx"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("\"xx\""));
  auto bad_tag = Countries::Load("/usr/share/iso-codes/json", "/usr/share/locale", {"fr!"});
  EXPECT_EQ(bad_tag.status().code(), absl::StatusCode::kInvalidArgument);
  auto no_iso = Countries::Load("/nonexistent", "/usr/share/locale", {});
  EXPECT_THAT(std::string(no_iso.status().message()), HasSubstr("/nonexistent/iso_3166-1.json"));
}

}  // namespace
}  // namespace mgi::catalog
