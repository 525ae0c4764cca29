#include "services/common/language.h"

#include <gtest/gtest.h>

namespace mgi {
namespace {

TEST(LanguageTest, Normalizes) {
  EXPECT_EQ(*NormalizeLanguage(""), "en");
  EXPECT_EQ(*NormalizeLanguage("FR"), "fr");
  EXPECT_EQ(*NormalizeLanguage("pt-br"), "pt-BR");
  EXPECT_EQ(*NormalizeLanguage("sw"), "sw");
  EXPECT_FALSE(NormalizeLanguage("f").ok());
  EXPECT_FALSE(NormalizeLanguage("<script>").ok());
  EXPECT_FALSE(NormalizeLanguage("english!").ok());
}

TEST(LanguageTest, LookupFallsBackToEnglish) {
  std::map<std::string, std::string> texts = {{"en", "Partnerships"}, {"fr", "Partenariats"}};
  auto fr = Lookup(texts, "fr");
  EXPECT_EQ(*fr.text, "Partenariats");
  EXPECT_FALSE(fr.fallback);
  auto fr_ca = Lookup(texts, "fr-CA");
  EXPECT_EQ(*fr_ca.text, "Partenariats");
  auto es = Lookup(texts, "es");
  EXPECT_EQ(*es.text, "Partnerships");
  EXPECT_EQ(es.language, "en");
  EXPECT_TRUE(es.fallback);
  EXPECT_EQ(Lookup({}, "es").text, nullptr);
}

}  // namespace
}  // namespace mgi
