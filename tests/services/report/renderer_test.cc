// Unit tests of the HTML, Markdown and SVG renderers: golden files of the Guatemala 2022
// profile in English, French and Spanish, localization, fallback marks, escaping of hostile
// content, determinism. Regenerate the golden files with MGI_UPDATE_GOLDEN=1.
#include <cstdlib>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/report/renderer.h"
#include "report_fixtures.h"

namespace mgi::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace mgi::report::testing;

std::string Golden(const std::string& name) {
  return MGI_SOURCE_DIR "/tests/services/report/golden/" + name;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const char* update = std::getenv("MGI_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    WriteFile(Golden(name), actual);
    return;
  }
  std::string expected;
  try {
    expected = ReadFile(Golden(name));
  } catch (const std::exception&) {
    FAIL() << "missing golden file " << Golden(name) << "; run with MGI_UPDATE_GOLDEN=1";
  }
  if (expected != actual) {
    WriteFile(::testing::TempDir() + "/" + name, actual);
    FAIL() << "output differs from " << Golden(name) << "; actual written to "
           << ::testing::TempDir() + "/" + name
           << " (diff them; if the change is intended, rerun with MGI_UPDATE_GOLDEN=1)";
  }
}

std::string Render(const ReportInputs& inputs, const std::string& format) {
  auto r = TheRenderer().Render(inputs, format);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->data : "";
}

class ReportGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReportGoldenTest, HtmlMatchesGolden) {
  ExpectGolden("gtm-2022." + GetParam() + ".html", Render(Inputs(Guatemala(), GetParam()), "html"));
}

TEST_P(ReportGoldenTest, MarkdownMatchesGolden) {
  ExpectGolden("gtm-2022." + GetParam() + ".md",
               Render(Inputs(Guatemala(), GetParam()), "markdown"));
}

TEST_P(ReportGoldenTest, EveryFindingAppearsInOrderInEveryTextFormat) {
  auto profile = Guatemala();
  for (const std::string format : {"html", "markdown"}) {
    std::string out = Render(Inputs(profile, GetParam()), format);
    size_t position = 0;
    for (const auto& d : profile.domains()) {
      for (const auto* group : {&d.well_developed(), &d.further_development()}) {
        for (const auto& f : *group) {
          // Compare on a word run without characters either format escapes.
          std::string probe = f.text().at("en").substr(0, 20);
          size_t found = out.find(probe, position);
          ASSERT_NE(found, std::string::npos) << format << ": " << probe;
          position = found;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Report, ReportGoldenTest, ::testing::Values("en", "fr", "es"));

TEST(ReportRendererTest, TitleAndMonthFollowTheLanguage) {
  std::string en = Render(Inputs(Guatemala(), "en"), "html");
  EXPECT_THAT(en, HasSubstr(
                      "<h1>Migration Governance Profile: Republic of Guatemala - Second Profile</h1>"));
  EXPECT_THAT(en, HasSubstr("August 2022"));
  EXPECT_THAT(en, HasSubstr("<html lang=\"en\">"));
  std::string fr = Render(Inputs(Guatemala(), "fr"), "html");
  EXPECT_THAT(fr, HasSubstr("République du Guatemala - Deuxième profil"));
  EXPECT_THAT(fr, HasSubstr("août 2022"));
  std::string es = Render(Inputs(Guatemala(), "es"), "markdown");
  EXPECT_THAT(es, HasSubstr("# Perfil de gobernanza de la migración: República de Guatemala - "
                            "Segundo perfil"));
  EXPECT_THAT(es, HasSubstr("agosto de 2022"));
  EXPECT_THAT(es, HasSubstr("Áreas con potencial de desarrollo adicional"));
}

TEST(ReportRendererTest, DisplayTitleAndOverrideWin) {
  auto profile = Guatemala();
  profile.set_display_title("Título del servicio");
  EXPECT_THAT(Render(Inputs(profile, "es"), "html"), HasSubstr("<h1>Título del servicio</h1>"));
  (*profile.mutable_title_override())["es"] = "Título propio";
  EXPECT_THAT(Render(Inputs(profile, "es"), "html"), HasSubstr("<h1>Título propio</h1>"));
}

TEST(ReportRendererTest, LocalProfileNamesTheLocalUnitAndLocalDomainName) {
  auto profile = Guatemala();
  profile.set_level(mgi::catalog::v1::LEVEL_LOCAL);
  (*profile.mutable_local_unit()->mutable_display_name())["en"] = "Municipality of San Marcos";
  profile.set_edition(1);
  std::string md = Render(Inputs(profile, "en"), "markdown");
  EXPECT_THAT(md, HasSubstr("# Local Migration Governance Profile: Municipality of San Marcos "
                            "(Republic of Guatemala)"));
  EXPECT_THAT(md, Not(HasSubstr("Second Profile")));
  EXPECT_THAT(md, HasSubstr("Socioeconomic well-being of migrants"));
}

TEST(ReportRendererTest, FallbackFindingsAreMarkedEnglish) {
  auto profile = Guatemala();
  auto* translated = profile.mutable_domains(0)->mutable_well_developed(0);
  (*translated->mutable_text())["fr"] = "Texte traduit en français.";
  std::string html = Render(Inputs(profile, "fr"), "html");
  EXPECT_THAT(html, HasSubstr("<li lang=\"fr\">Texte traduit en français.</li>"));
  EXPECT_THAT(html, HasSubstr("<li lang=\"en\">The Inter-agency Cooperation Agreement"));
  EXPECT_THAT(html, HasSubstr("<span class=\"fallback\" lang=\"fr\">(en anglais)</span>"));
  std::string md = Render(Inputs(profile, "fr"), "markdown");
  EXPECT_THAT(md, HasSubstr("- Texte traduit en français.\n"));
  EXPECT_THAT(md, HasSubstr("*(en anglais)*"));
  std::string en = Render(Inputs(profile, "en"), "html");
  EXPECT_THAT(en, Not(HasSubstr("class=\"fallback\"")));
}

TEST(ReportRendererTest, FrameworkIntroductionFromTheCatalogWins) {
  auto inputs = Inputs(Guatemala(), "en");
  inputs.framework.set_introduction("Catalog introduction <em>text</em>.");
  std::string html = Render(inputs, "html");
  EXPECT_THAT(html, HasSubstr("Catalog introduction &lt;em&gt;text&lt;&#x2F;em&gt;."));
  EXPECT_THAT(html, Not(HasSubstr("policy benchmarking tool")));
}

TEST(ReportRendererTest, HtmlIsSelfContainedAndAccessible) {
  std::string html = Render(Inputs(Guatemala(), "en"), "html");
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr(" src=")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  // The only URL is the SVG namespace, which is never fetched.
  std::regex url("(https?:)?//[a-z]");
  std::string without_ns = std::regex_replace(html, std::regex("xmlns=\"http://www.w3.org/2000/svg\""), "");
  EXPECT_FALSE(std::regex_search(without_ns, url));
  std::smatch m;
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t p = html.find(needle); p != std::string::npos; p = html.find(needle, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("tabindex=\"0\" role=\"button\" aria-pressed=\"false\""), 6u);
  EXPECT_EQ(count("<section class=\"domain\""), 6u);
  EXPECT_EQ(count(" hidden"), 0u) << "without JS every finding is visible";
  EXPECT_THAT(html, HasSubstr("@media print"));
  EXPECT_THAT(html, HasSubstr(".domain[hidden]"));
}

TEST(ReportRendererTest, SvgIsTheWheelAlone) {
  std::string svg = Render(Inputs(Guatemala(), "fr"), "svg");
  EXPECT_EQ(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg", 0), 0u);
  EXPECT_THAT(svg, HasSubstr("Approche associant l&#39;ensemble du gouvernement"));
  EXPECT_THAT(svg, Not(HasSubstr("tabindex")));
  EXPECT_THAT(svg, Not(HasSubstr("The Standards for Comprehensive")));
  size_t paths = 0;
  for (size_t p = svg.find("<path d=\"M"); p != std::string::npos; p = svg.find("<path", p + 1)) {
    ++paths;
  }
  EXPECT_EQ(paths, 6u);
}

TEST(ReportRendererTest, WheelSegmentsTileTheCircle) {
  for (int i = 0; i < 6; ++i) {
    WheelSegment s = MakeSegment(i, 6, "#000000");
    EXPECT_DOUBLE_EQ(s.start_degrees, 60.0 * i);
    EXPECT_DOUBLE_EQ(s.end_degrees, 60.0 * (i + 1));
  }
  // The first segment starts at 12 o'clock on the outer circle.
  EXPECT_EQ(MakeSegment(0, 6, "#000000").path.rfind("M150.00 10.00 A140.00", 0), 0u);
}

TEST(ReportRendererTest, SameInputSameBytes) {
  for (const std::string format : {"html", "markdown", "svg"}) {
    EXPECT_EQ(Render(Inputs(Guatemala(), "es"), format), Render(Inputs(Guatemala(), "es"), format));
  }
}

TEST(ReportRendererTest, HostileContentIsEscapedInHtmlAndSvg) {
  std::string html = Render(Inputs(Hostile(), "en"), "html");
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, Not(HasSubstr("<b>bold")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("</li></ul>")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt;"));
  EXPECT_THAT(html, HasSubstr("قانون الهجرة"));
  EXPECT_THAT(html, HasSubstr("🌍🧳👨‍👩‍👧"));
  EXPECT_THAT(html, HasSubstr(HostileTexts().back()));
  // Exactly one script element: ours.
  size_t scripts = 0;
  for (size_t p = html.find("<script"); p != std::string::npos; p = html.find("<script", p + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 1u);
}

TEST(ReportRendererTest, EscapeMarkdownNeutralisesSyntax) {
  EXPECT_EQ(EscapeMarkdown("<script>x</script>"), "\\<script\\>x\\</script\\>");
  EXPECT_EQ(EscapeMarkdown("# not *a* heading_"), "\\# not \\*a\\* heading\\_");
  EXPECT_EQ(EscapeMarkdown("12. item"), "12\\. item");
  EXPECT_EQ(EscapeMarkdown("- a\n- b"), "\\- a - b");
  EXPECT_EQ(EscapeMarkdown("[x](y) ![i](j) `c` a|b ~~s~~ &amp; \\"),
            "\\[x\\](y) \\!\\[i\\](j) \\`c\\` a\\|b \\~\\~s\\~\\~ \\&amp; \\\\");
  EXPECT_EQ(EscapeMarkdown("   indented code?"), "indented code?");
  EXPECT_EQ(EscapeMarkdown("Plain (2022) text, 90 per cent."), "Plain (2022) text, 90 per cent.");
}

TEST(ReportRendererTest, HostileContentIsPlainTextInMarkdown) {
  std::string md = Render(Inputs(Hostile(), "en"), "markdown");
  EXPECT_THAT(md, Not(HasSubstr("<script>")));
  EXPECT_THAT(md, HasSubstr("- \\<script\\>alert(\"x\")\\</script\\>"));
  EXPECT_THAT(md, HasSubstr("- \\# Heading \\*emphasis\\* \\_under\\_ \\[link\\](http://evil.example)"));
  EXPECT_THAT(md, HasSubstr("- 1\\. not a list - nor this  \\> quote"));
  // No finding line breaks out of its list item.
  std::regex heading("\n#+ [^\n]*(script|Heading|quote)");
  EXPECT_FALSE(std::regex_search(md, heading));
}

TEST(ReportRendererTest, FiveHundredFindingsRender) {
  auto profile = Guatemala();
  int per_domain = 500 / profile.domains_size() + 1;
  for (auto& d : *profile.mutable_domains()) {
    d.clear_well_developed();
    for (int i = 0; i < per_domain; ++i) {
      (*d.add_well_developed()->mutable_text())["en"] =
          "Finding " + std::to_string(i) + " of domain " + d.domain().substr(8);
    }
  }
  for (const std::string format : {"html", "markdown"}) {
    std::string out = Render(Inputs(profile, "en"), format);
    EXPECT_THAT(out, HasSubstr("Finding " + std::to_string(per_domain - 1) +
                               " of domain safe-orderly-regular-migration"));
  }
}

TEST(ReportRendererTest, SecondEditionShowsChanges) {
  auto inputs = Inputs(Guatemala(), "en");
  mgi::assessment::v1::CompareProfilesResponse changes;
  for (const auto& d : inputs.domains) {
    auto* dc = changes.add_domains();
    dc->set_domain(d.name());
    if (d.number() == 2) {
      (*dc->mutable_well_developed()->add_added()->mutable_text())["en"] = "A <new> finding.";
      (*dc->mutable_further_development()->add_removed()->mutable_text())["en"] = "An old one.";
      dc->mutable_well_developed()->add_kept();
    }
  }
  inputs.changes = MakeDigested(changes);
  mgi::assessment::v1::YearMonth before;
  before.set_year(2018);
  before.set_month(11);
  inputs.previous_month = before;
  std::string html = Render(inputs, "html");
  EXPECT_THAT(html, HasSubstr("<h2>What changed since the previous edition</h2>"));
  EXPECT_THAT(html, HasSubstr("November 2018"));
  EXPECT_THAT(html, HasSubstr("<h3>Whole of government approach</h3>\n<h4>New findings</h4>"));
  EXPECT_THAT(html, HasSubstr("A &lt;new&gt; finding."));
  EXPECT_THAT(html, HasSubstr("<h4>Findings no longer listed</h4>"));
  EXPECT_THAT(html, HasSubstr("<h3>Partnerships</h3>\n<p class=\"none\">No change.</p>"));
  std::string md = Render(inputs, "markdown");
  EXPECT_THAT(md, HasSubstr("## What changed since the previous edition"));
  EXPECT_THAT(md, HasSubstr("- A \\<new\\> finding."));
  EXPECT_THAT(Render(Inputs(Guatemala(), "en"), "html"), Not(HasSubstr("What changed")));
}

TEST(ReportRendererTest, UnknownFormatOrLanguageIsAnError) {
  auto inputs = Inputs(Guatemala(), "en");
  EXPECT_EQ(TheRenderer().Render(inputs, "docx").status().code(),
            absl::StatusCode::kInvalidArgument);
  inputs.language = "de";
  EXPECT_EQ(TheRenderer().Render(inputs, "html").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReportMessagesTest, LanguagesAreTheMessageFiles) {
  EXPECT_EQ(TheRenderer().messages().Languages(), (std::vector<std::string>{"en", "es", "fr"}));
  ASSERT_NE(TheRenderer().messages().Find("fr-CA"), nullptr);
  EXPECT_EQ(TheRenderer().messages().Find("fr-CA")->Month(8), "août");
  EXPECT_EQ(TheRenderer().messages().Find("de"), nullptr);
}

// Issue 17: the Spanish texts name the framework as IOM and the catalog data do ("Marco de
// Gobernanza de la Migración"), and the local title reads the same in the report's and the
// assessment service's wording ("... de la migración a nivel local").
TEST(ReportMessagesTest, SpanishFrameworkNameAndLocalTitleAgreeWithTheOtherData) {
  const Messages* es = TheRenderer().messages().Find("es");
  ASSERT_NE(es, nullptr);
  EXPECT_THAT(es->Get("introduction"), HasSubstr("Marco de Gobernanza de la Migración (MiGOF)"));
  EXPECT_THAT(es->Get("introduction"), Not(HasSubstr("sobre la Migración")));
  EXPECT_THAT(ReadFile(MGI_SOURCE_DIR "/data/catalog/framework.json"),
              HasSubstr("\"es\": \"Marco de Gobernanza de la Migración (MiGOF)\""));
  const std::string local = "Perfil de gobernanza de la migración a nivel local";
  EXPECT_EQ(es->Get("title_local").rfind(local, 0), 0u) << es->Get("title_local");
  EXPECT_THAT(ReadFile(MGI_SOURCE_DIR "/data/profiles/messages/es.json"),
              HasSubstr("\"localTitle\": \"" + local + ": {subject}"));
}

TEST(ReportMessagesTest, ANewMessageFileAddsALanguage) {
  std::string dir = ::testing::TempDir() + "/messages-sw";
  RunCommand("rm -rf '" + dir + "' && mkdir -p '" + dir + "' && cp " MGI_SOURCE_DIR
      "/data/report/messages/en.json '" + dir + "/'");
  std::string sw = ReadFile(MGI_SOURCE_DIR "/data/report/messages/en.json");
  sw.replace(sw.find("\"August\""), 8, "\"Agosti\"");
  WriteFile(dir + "/sw.json", sw);
  auto catalog = MessageCatalog::Load(dir);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->Languages(), (std::vector<std::string>{"en", "sw"}));
  EXPECT_EQ(catalog->Find("sw")->Month(8), "Agosti");
  WriteFile(dir + "/xx.json", "{not json");
  EXPECT_FALSE(MessageCatalog::Load(dir).ok());
}

TEST(ReportMessagesTest, SubstituteReplacesOnlyKnownPlaceholders) {
  EXPECT_EQ(Substitute("{a} and {b} {c", {{"a", "{b}"}, {"b", "2"}}), "{b} and 2 {c");
}

}  // namespace
}  // namespace mgi::report
