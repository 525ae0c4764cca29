// Tests of the PDF format through poppler's pdftotext and pdfinfo: every finding in order, A4,
// page numbers, determinism, hostile content.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/report/renderer.h"
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

// A binary RGB image (PPM "P6", 8 bits per channel) as written by pdftoppm.
struct Rgb {
  int width = 0, height = 0;
  std::string pixels;
  int channel(int x, int y, int c) const {
    return static_cast<unsigned char>(pixels[(static_cast<size_t>(y) * width + x) * 3 + c]);
  }
  // The darkest channel: 255 only for white.
  int min(int x, int y) const {
    return std::min({channel(x, y, 0), channel(x, y, 1), channel(x, y, 2)});
  }
  // A neutral grey between lo and hi (the bullets are #555555; headings are coloured).
  bool grey(int x, int y, int lo, int hi) const {
    if (x < 0 || y < 0 || x >= width || y >= height) return false;
    int r = channel(x, y, 0), g = channel(x, y, 1), b = channel(x, y, 2);
    return std::abs(r - g) <= 3 && std::abs(g - b) <= 3 && r >= lo && r <= hi;
  }
};

Rgb ReadPpm(const std::string& path) {
  std::string data = ReadFile(path);
  Rgb img;
  int maxval = 0, consumed = 0;
  if (std::sscanf(data.c_str(), "P6 %d %d %d%n", &img.width, &img.height, &maxval, &consumed) !=
          3 ||
      maxval != 255) {
    ADD_FAILURE() << "not an 8-bit PPM: " << path;
    return img;
  }
  img.pixels = data.substr(consumed + 1);  // one whitespace after maxval
  EXPECT_EQ(img.pixels.size(), static_cast<size_t>(img.width) * img.height * 3);
  return img;
}

// Issue 17: a stray line ran into every bullet (the path from the previous text position to the
// bullet's arc was filled with it). At 200 dpi, the pixels around each bullet, left of it and in
// the gap before its text, must be background.
TEST(ReportPdfTest, BulletsStandAloneAt200Dpi) {
  std::string path = RenderToFile(Inputs(Guatemala(), "en"), "bullets.pdf");
  std::string prefix = ::testing::TempDir() + "/bullets";
  int code = -1;
  std::string out = RunCommand("pdftoppm -r 200 -f 1 -l 3 '" + path + "' '" + prefix + "'", &code);
  ASSERT_EQ(code, 0) << out;
  const double scale = 200.0 / 72;  // pixels per point
  // Geometry of pdf_renderer.cc: text of a finding at 2 cm + 16 pt, bullet centred 4 pt right of
  // the 2 cm margin, radius 2.2 pt.
  const int bullet_x = static_cast<int>(std::lround((56.7 + 4) * scale));
  const int bullet_r = static_cast<int>(std::ceil(2.2 * scale));
  const int text_x = static_cast<int>(std::floor((56.7 + 16) * scale));
  int bullets = 0;
  for (int page = 1; page <= 3; ++page) {
    std::string file = prefix + "-" + std::to_string(page) + ".ppm";
    if (!std::filesystem::exists(file)) file = prefix + "-0" + std::to_string(page) + ".ppm";
    Rgb g = ReadPpm(file);
    ASSERT_GT(g.width, text_x);
    // A bullet's centre: the disc's grey at its centre and 3 px around it.
    auto centre = [&](int y) {
      return g.grey(bullet_x, y, 80, 90) && g.grey(bullet_x - 3, y, 80, 90) &&
             g.grey(bullet_x + 3, y, 80, 90) && g.grey(bullet_x, y - 3, 80, 90) &&
             g.grey(bullet_x, y + 3, 80, 90);
    };
    for (int y = 0; y < g.height; ++y) {
      if (!centre(y)) continue;
      int first = y;
      while (y < g.height && centre(y)) ++y;
      int mid = (first + y - 1) / 2;
      ++bullets;
      for (int row = std::max(0, mid - bullet_r - 3);
           row <= std::min(g.height - 1, mid + bullet_r + 3); ++row) {
        for (int x = bullet_x - 6 * bullet_r; x < bullet_x - bullet_r - 2; ++x) {
          ASSERT_GE(g.min(x, row), 235) << "page " << page << ": ink left of the bullet at ("
                                        << x << ", " << row << ")";
        }
        for (int x = bullet_x + bullet_r + 2; x < text_x - 2; ++x) {
          ASSERT_GE(g.min(x, row), 235) << "page " << page << ": ink between the bullet and its "
                                        << "text at (" << x << ", " << row << ")";
        }
      }
    }
  }
  EXPECT_GE(bullets, 10) << "no bullets found where pdf_renderer.cc draws them";
}

// Issue 17: text in other scripts and emoji must not fall into boxes: pango reports every glyph
// that no font of the chain (DejaVu, then Noto) covers.
class ReportPdfScriptTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(ReportPdfScriptTest, EveryGlyphHasAFont) {
  auto profile = Guatemala();
  auto* finding = profile.mutable_domains(0)->mutable_well_developed(0);
  (*finding->mutable_text())["en"] = GetParam().second;
  ReportInputs inputs = Inputs(profile, "en");
  ReportView view = BuildView(inputs, *TheRenderer().messages().Find("en"));
  PdfStats stats;
  auto pdf = RenderPdf(view, &stats);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(stats.unknown_glyphs, 0) << GetParam().first << ": " << GetParam().second;
}

INSTANTIATE_TEST_SUITE_P(
    Scripts, ReportPdfScriptTest,
    ::testing::Values(
        std::pair<std::string, std::string>{"Arabic", "حقوق المهاجرين وحوكمة الهجرة"},
        std::pair<std::string, std::string>{"Chinese", "移民治理指标：移民的权利和伙伴关系"},
        std::pair<std::string, std::string>{"Cyrillic", "Права мигрантов и партнёрства"},
        std::pair<std::string, std::string>{"Devanagari", "प्रवासियों के अधिकार और साझेदारी"},
        std::pair<std::string, std::string>{"Emoji", "Partnerships 🤝 across borders 🌍 ✅"}),
    [](const auto& info) { return info.param.first; });

// The unknown-glyph count is real: a character no font has (an unassigned code point) is counted.
TEST(ReportPdfTest, UnknownGlyphsAreCounted) {
  auto profile = Guatemala();
  (*profile.mutable_domains(0)->mutable_well_developed(0)->mutable_text())["en"] =
      "Unassigned: \u0378\u0379";
  ReportView view = BuildView(Inputs(profile, "en"), *TheRenderer().messages().Find("en"));
  PdfStats stats;
  ASSERT_TRUE(RenderPdf(view, &stats).ok());
  EXPECT_GE(stats.unknown_glyphs, 1);
}

}  // namespace
}  // namespace mgi::report
