// Tests of the PDF format through poppler's pdftotext and pdfinfo: every finding in order, A4,
// page numbers, determinism, hostile content.
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/renderer.h"
#include "report_fixtures.h"

namespace mgi::report {
namespace {

using ::testing::HasSubstr;
using namespace mgi::report::testing;

std::string RenderToFile(const ReportInputs& inputs, const std::string& name) {
  auto r = TheRenderer().Render(inputs, "pdf");
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->content_type, "application/pdf");
  std::string path = ::testing::TempDir() + "/" + name;
  WriteFile(path, r->data);
  return path;
}

// pdftotext's text with whitespace runs collapsed to one space (lines are wrapped).
std::string Text(const std::string& path) {
  int code = -1;
  std::string text = RunCommand("pdftotext -enc UTF-8 '" + path + "' -", &code);
  EXPECT_EQ(code, 0);
  return std::regex_replace(text, std::regex("\\s+"), " ");
}

// Without whitespace and ASCII hyphens: pango breaks lines after dashes, where the source has no
// space, and pdftotext joins a word broken after a hyphen without the hyphen.
std::string NoSpace(const std::string& s) { return std::regex_replace(s, std::regex("[\\s-]+"), ""); }

class ReportPdfLanguageTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReportPdfLanguageTest, EveryFindingInOrder) {
  auto profile = Guatemala();
  std::string text = Text(RenderToFile(Inputs(profile, GetParam()), "gtm." + GetParam() + ".pdf"));
  // A finding may continue on the next page: drop the page footers ("Page 2", "Página 2").
  text = NoSpace(std::regex_replace(text, std::regex("(Page|Página) [0-9]+"), ""));
  size_t position = 0;
  int findings = 0;
  for (const auto& d : profile.domains()) {
    for (const auto* group : {&d.well_developed(), &d.further_development()}) {
      for (const auto& f : *group) {
        std::string probe = NoSpace(f.text().at("en"));
        size_t found = text.find(probe, position);
        ASSERT_NE(found, std::string::npos) << "missing or out of order: " << probe;
        position = found + probe.size();
        ++findings;
      }
    }
  }
  EXPECT_EQ(findings, 33);  // the Guatemala 2022 profile's key findings
}

INSTANTIATE_TEST_SUITE_P(Report, ReportPdfLanguageTest, ::testing::Values("en", "fr", "es"));

TEST(ReportPdfTest, LocalizedHeadingsAndTitle) {
  std::string text = Text(RenderToFile(Inputs(Guatemala(), "es"), "gtm-es.pdf"));
  EXPECT_THAT(text, HasSubstr("Perfil de gobernanza de la migración: República de Guatemala - "
                              "Segundo perfil"));
  EXPECT_THAT(text, HasSubstr("agosto de 2022"));
  EXPECT_THAT(text, HasSubstr("1. Derechos de los migrantes"));
  EXPECT_THAT(text, HasSubstr("6. Migración segura, ordenada y regular"));
  EXPECT_THAT(text, HasSubstr("(en inglés)"));
  EXPECT_THAT(text, HasSubstr("Página 2"));
}

TEST(ReportPdfTest, A4WithPageCountAndEmbeddedFonts) {
  std::string path = RenderToFile(Inputs(Guatemala(), "en"), "gtm-info.pdf");
  int code = -1;
  std::string info = RunCommand("pdfinfo '" + path + "'", &code);
  ASSERT_EQ(code, 0) << info;
  EXPECT_TRUE(std::regex_search(info, std::regex("Page size: +595.276 x 841.89 pts \\(A4\\)")))
      << info;
  std::smatch pages;
  ASSERT_TRUE(std::regex_search(info, pages, std::regex("Pages: +([0-9]+)")));
  int count = std::stoi(pages[1]);
  EXPECT_GE(count, 3);
  EXPECT_LE(count, 8);
  EXPECT_TRUE(std::regex_search(
      info, std::regex("Title: +Migration Governance Profile: Republic of Guatemala - Second Profile")));
  EXPECT_THAT(info, HasSubstr("CreationDate:"));
  // Every page is numbered.
  std::string text = Text(path);
  for (int p = 1; p <= count; ++p) EXPECT_THAT(text, HasSubstr("Page " + std::to_string(p)));
  // Every font is embedded.
  std::string fonts = RunCommand("pdffonts '" + path + "'", &code);
  ASSERT_EQ(code, 0);
  EXPECT_THAT(fonts, HasSubstr("DejaVuSans"));
  std::regex not_embedded("\n[^\n]* no +(yes|no) +(yes|no) +[0-9]+ +[0-9]+\n");
  EXPECT_FALSE(std::regex_search(fonts, not_embedded)) << fonts;
}

TEST(ReportPdfTest, SameInputSameBytes) {
  auto a = TheRenderer().Render(Inputs(Guatemala(), "fr"), "pdf");
  auto b = TheRenderer().Render(Inputs(Guatemala(), "fr"), "pdf");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->data, b->data);
  EXPECT_EQ(a->data.rfind("%PDF-", 0), 0u);
}

TEST(ReportPdfTest, HostileContentRendersAsText) {
  std::string path = RenderToFile(Inputs(Hostile(), "en"), "hostile.pdf");
  std::string text = Text(path);
  EXPECT_THAT(text, HasSubstr("<script>alert(\"x\")</script> & <b>bold</b>"));
  EXPECT_THAT(text, HasSubstr("# Heading *emphasis* _under_ [link](http://evil.example)"));
  EXPECT_THAT(text, HasSubstr("</li></ul><img src=x onerror=alert(1)>"));
  EXPECT_THAT(text, HasSubstr("Emoji"));
  // No CJK or colour-emoji font is installed (fonts-dejavu-core only): those glyphs render as
  // boxes, but the rest of the finding is there.
  EXPECT_THAT(text, HasSubstr("and CJK"));
  // The 5,000-character finding wraps across lines and is all there.
  EXPECT_THAT(text, HasSubstr("Longword4"));
  EXPECT_THAT(NoSpace(text), HasSubstr(NoSpace(HostileTexts().back()).substr(4000, 300)));
  // Arabic comes out of pdftotext in logical or visual order depending on poppler; check a word.
  EXPECT_TRUE(text.find("المهاجرين") != std::string::npos ||
              text.find("ﻦﻳﺮﺟﺎﻬﻤﻟﺍ") != std::string::npos)
      << "Arabic text missing";
}

TEST(ReportPdfTest, FiveHundredFindingsBreakPages) {
  auto profile = Scaled(Guatemala(), 15);  // 510 findings
  std::string path = RenderToFile(Inputs(profile, "en"), "big.pdf");
  int code = -1;
  std::string info = RunCommand("pdfinfo '" + path + "'", &code);
  std::smatch pages;
  ASSERT_TRUE(std::regex_search(info, pages, std::regex("Pages: +([0-9]+)")));
  EXPECT_GE(std::stoi(pages[1]), 40);
  std::string text = Text(path);
  EXPECT_THAT(text, HasSubstr("[15] The conclusion of formal cooperation agreements"));
}

}  // namespace
}  // namespace mgi::report
