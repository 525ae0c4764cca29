// Search keys and alphabetical order on ICU, in English, French, Spanish, Turkish, Russian and
// Greek.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "services/common/text.h"

namespace mgi::text {
namespace {

using ::testing::ElementsAre;

TEST(SearchKeyTest, CaseAccentsAndDecompositionAreIgnored) {
  EXPECT_EQ(SearchKey("MIGRACIÓN"), "migracion");
  EXPECT_EQ(SearchKey("migracion"), "migracion");
  EXPECT_EQ(SearchKey("migraci\xC3\xB3n"), "migracion");   // precomposed ó (U+00F3)
  EXPECT_EQ(SearchKey("migracio\xCC\x81n"), "migracion");  // o + combining acute (U+0301)
  EXPECT_EQ(SearchKey("Élève À Noël, ça"), "eleve a noel ca");
  EXPECT_EQ(SearchKey("l’État « bien-être »"), "l etat bien etre");
  EXPECT_EQ(SearchKey("  ¿Qué?  "), "que");
}

TEST(SearchKeyTest, LatinLettersWithoutADecomposition) {
  EXPECT_EQ(SearchKey("Straße Œuvre Æsir Þór"), "strasse oeuvre aesir thor");
  EXPECT_EQ(SearchKey("Łódź Ştefan Čech Ğ Ø đ"), "lodz stefan cech g o d");
}

TEST(SearchKeyTest, TurkishDottedAndDotlessI) {
  // İ (dotted capital), i, I, ı (dotless small) all search alike.
  for (const char* s : {"İSTANBUL", "istanbul", "ISTANBUL", "ıstanbul"}) {
    EXPECT_EQ(SearchKey(s), "istanbul") << s;
  }
  EXPECT_EQ(SearchKey("IŞIK"), SearchKey("ışık"));
  EXPECT_EQ(SearchKey("GÖÇ İDARESİ"), "goc idaresi");
}

TEST(SearchKeyTest, GreekAndCyrillic) {
  EXPECT_EQ(SearchKey("ΜΕΤΑΝΑΣΤΕΥΣΗΣ"), SearchKey("μετανάστευσης"));  // accents, final sigma
  EXPECT_EQ(SearchKey("Αθήνα"), "αθηνα");
  EXPECT_EQ(SearchKey("МИГРАЦИОННАЯ политика"), "миграционная политика");
  EXPECT_EQ(SearchKey("Ёлка"), SearchKey("елка"));
  EXPECT_EQ(SearchKey("Київ"), "киів");  // ї is і + diaeresis
}

TEST(SearchKeyTest, CompatibilityFormsAndBadBytes) {
  EXPECT_EQ(SearchKey("ＭＩＧＲＡＣＩÓＮ"), "migracion");  // fullwidth
  EXPECT_EQ(SearchKey("ﬁnance"), "finance");              // ligature
  EXPECT_EQ(SearchKey("a\xFF" "b"), "a b");               // invalid UTF-8 separates
  EXPECT_EQ(SearchKey(""), "");
  EXPECT_EQ(SearchKey("!!!"), "");
  for (const char* s : {"MIGRACIÓN", "İSTANBUL", "ΑΘΗΝΑ", "Ёлка", "Straße"}) {
    EXPECT_EQ(SearchKey(SearchKey(s)), SearchKey(s)) << s;  // idempotent
  }
}

TEST(SearchKeyTest, WordsAndLength) {
  EXPECT_THAT(SearchWords("¿Existe una política de MIGRACIÓN?"),
              ElementsAre("existe", "una", "politica", "de", "migracion"));
  EXPECT_EQ(CodePointCount("migración"), 9u);
  EXPECT_EQ(CodePointCount("Αθήνα"), 5u);
  EXPECT_EQ(CodePointCount(""), 0u);
}

TEST(SearchKeyTest, MatchScoreRanksExactAbovePrefixAboveInfix) {
  std::vector<std::string> words = {"migration", "policy"};
  EXPECT_DOUBLE_EQ(MatchScore({"policy"}, words), 1.0);
  EXPECT_DOUBLE_EQ(MatchScore({"migra"}, words), 2.0 / 3);
  EXPECT_DOUBLE_EQ(MatchScore({"gra"}, words), 1.0 / 3);
  EXPECT_DOUBLE_EQ(MatchScore({"gr"}, words), 0);  // infixes need 3 characters
  EXPECT_DOUBLE_EQ(MatchScore({"policy", "visa"}, words), 0.5);
  EXPECT_DOUBLE_EQ(MatchScore({}, words), 0);
  // Characters, not bytes: a 2-letter Greek infix (4 bytes) is not enough.
  EXPECT_DOUBLE_EQ(MatchScore({"θη"}, {"αθηνα"}), 0);
  EXPECT_DOUBLE_EQ(MatchScore({"θην"}, {"αθηνα"}), 1.0 / 3);
}

std::vector<std::string> Sorted(std::vector<std::string> v, const std::string& language) {
  Collation collation(language);
  std::stable_sort(v.begin(), v.end(),
                   [&](const std::string& a, const std::string& b) { return collation.Less(a, b); });
  std::vector<std::string> by_key = v;
  std::reverse(by_key.begin(), by_key.end());
  std::stable_sort(by_key.begin(), by_key.end(), [&](const std::string& a, const std::string& b) {
    return collation.SortKey(a) < collation.SortKey(b);
  });
  EXPECT_EQ(by_key, v) << "sort keys and Less disagree for " << language;
  return v;
}

TEST(CollationTest, English) {
  EXPECT_THAT(Sorted({"Zimbabwe", "Åland Islands", "albania", "Ecuador"}, "en"),
              ElementsAre("Åland Islands", "albania", "Ecuador", "Zimbabwe"));
}

TEST(CollationTest, FrenchAccentedCapitalsSortAmongTheirLetter) {
  EXPECT_THAT(Sorted({"Zimbabwe", "Émirats arabes unis", "Espagne", "Égypte", "Allemagne",
                      "États-Unis", "Érythrée"},
                     "fr"),
              ElementsAre("Allemagne", "Égypte", "Émirats arabes unis", "Érythrée", "Espagne",
                          "États-Unis", "Zimbabwe"));
}

TEST(CollationTest, SpanishEnyeIsALetterAfterN) {
  EXPECT_THAT(Sorted({"Ñu", "Nube", "Oso", "Níger"}, "es"),
              ElementsAre("Níger", "Nube", "Ñu", "Oso"));
  // Without Spanish rules ñ is n with an accent, so "Ñu" comes before "Nube".
  EXPECT_THAT(Sorted({"Nube", "Ñu"}, "en"), ElementsAre("Ñu", "Nube"));
}

TEST(CollationTest, TurkishCedillaAndDotlessI) {
  EXPECT_THAT(Sorted({"Dominik", "Çad", "Cezayir"}, "tr"), ElementsAre("Cezayir", "Çad", "Dominik"));
  EXPECT_THAT(Sorted({"İzlanda", "Irak", "Hindistan"}, "tr"),
              ElementsAre("Hindistan", "Irak", "İzlanda"));  // ı before i in Turkish
}

TEST(CollationTest, RussianYoSortsWithYe) {
  EXPECT_THAT(Sorted({"Япония", "Египет", "Австрия", "Ёлкино", "Эквадор"}, "ru"),
              ElementsAre("Австрия", "Египет", "Ёлкино", "Эквадор", "Япония"));
}

TEST(CollationTest, UnknownLanguagesUseTheRootOrder) {
  EXPECT_THAT(Sorted({"b", "Á", "a"}, "zz"), ElementsAre("a", "Á", "b"));
  EXPECT_THAT(Sorted({"b", "a"}, "not a tag!"), ElementsAre("a", "b"));
}

}  // namespace
}  // namespace mgi::text
