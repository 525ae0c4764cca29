// The PDF format: A4 pages typeset with pango (line wrapping, bidi, font fallback) on a cairo PDF
// surface (embedded font subsets, selectable text, vector wheel). Text goes to pango as plain
// text, never markup, so profile text cannot inject formatting.
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <cmath>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "services/report/renderer.h"

namespace mgi::report {
namespace {

constexpr double kPageWidth = 595.276;  // A4 in points
constexpr double kPageHeight = 841.89;
constexpr double kMargin = 56.7;        // 2 cm
constexpr double kFooter = 36;
constexpr double kContentWidth = kPageWidth - 2 * kMargin;
constexpr double kBottom = kPageHeight - kMargin - kFooter / 2;
constexpr double kBulletIndent = 16;

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void SetColor(cairo_t* cr, const std::string& hex) {
  unsigned value = std::stoul(hex.substr(1), nullptr, 16);
  cairo_set_source_rgb(cr, ((value >> 16) & 0xff) / 255.0, ((value >> 8) & 0xff) / 255.0,
                       (value & 0xff) / 255.0);
}

struct FontDeleter {
  void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};
using Font = std::unique_ptr<PangoFontDescription, FontDeleter>;
// DejaVu first (the templates' font), then Debian's Noto fonts for what it lacks: every other
// script (fonts-noto-core), CJK (fonts-noto-cjk) and colour emoji (fonts-noto-color-emoji).
// Colour emoji (fonts-noto-color-emoji) are not named: that font also has digits and '#', which it
// would then take from DejaVu; fontconfig's fallback finds it for emoji, after these.
constexpr char kFamilies[] =
    "DejaVu Sans, Noto Sans, Noto Sans Arabic, Noto Naskh Arabic, Noto Sans Hebrew, "
    "Noto Sans Devanagari, Noto Sans Bengali, Noto Sans Ethiopic, Noto Sans Thai, "
    "Noto Sans CJK SC, Noto Sans CJK JP, Noto Sans CJK KR";
Font MakeFont(const std::string& style_and_size) {
  return Font(pango_font_description_from_string(
      (std::string(kFamilies) + " " + style_and_size).c_str()));
}

class PdfWriter {
 public:
  PdfWriter(cairo_t* cr, const ReportView& view) : cr_(cr), view_(view) {
    body_ = MakeFont("10");
    small_ = MakeFont("8.5");
    title_ = MakeFont("Bold 18");
    h2_ = MakeFont("Bold 14");
    h3_ = MakeFont("Bold 12");
    h4_ = MakeFont("Bold 10.5");
    number_ = MakeFont("Bold 16");
    y_ = kMargin;
  }

  // Glyphs no font had, over every layout drawn.
  int unknown_glyphs() const { return unknown_glyphs_; }

  void Write() {
    Paragraph(view_.title, title_.get(), 0, 0, 6);
    Paragraph(view_.publication_month, body_.get(), 0, 0,
              view_.assessment_year.empty() && view_.language_note.empty() ? 12 : 2, 0.3);
    if (!view_.assessment_year.empty()) {
      Paragraph(view_.assessment_year, body_.get(), 0, 0, view_.language_note.empty() ? 12 : 2,
                0.3);
    }
    if (!view_.language_note.empty()) Paragraph(view_.language_note, small_.get(), 0, 0, 12, 0.3);
    Heading(view_.introduction_heading, h2_.get(), 10);
    Paragraph(view_.introduction, body_.get(), 0, 0, 8);
    Heading(view_.key_findings_heading, h2_.get(), 10);
    Wheel();
    for (const auto& d : view_.domains) {
      SetColor(cr_, d.segment.color);
      Heading(std::to_string(d.number) + ". " + d.name, h3_.get(), 14, &d.segment.color);
      Group(view_.well_developed_heading, d.well_developed);
      Group(view_.further_development_heading, d.further_development);
    }
    if (view_.has_changes) {
      Heading(view_.changes_heading, h2_.get(), 16);
      if (!view_.changes_intro.empty()) Paragraph(view_.changes_intro, body_.get(), 0, 0, 6);
      for (const auto& c : view_.changes) {
        Heading(c.domain_name, h3_.get(), 10);
        if (!c.added.empty()) Group(view_.changes_added, c.added);
        if (!c.removed.empty()) Group(view_.changes_removed, c.removed);
        if (c.added.empty() && c.removed.empty()) {
          Paragraph(view_.changes_none, body_.get(), 0, 0, 4, 0.3);
        }
      }
    }
    Footer();
  }

 private:
  void NewPage() {
    Footer();
    cairo_show_page(cr_);
    ++page_;
    y_ = kMargin;
  }

  void Footer() {
    std::string text = Substitute(view_.page_pattern, {{"page", std::to_string(page_)}});
    PangoLayout* layout = Layout(text, small_.get(), kContentWidth);
    pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
    cairo_set_source_rgb(cr_, 0.3, 0.3, 0.3);
    cairo_move_to(cr_, kMargin, kPageHeight - kMargin + 6);
    pango_cairo_show_layout(cr_, layout);
    g_object_unref(layout);
  }

  PangoLayout* Layout(const std::string& text, const PangoFontDescription* font, double width) {
    PangoLayout* layout = pango_cairo_create_layout(cr_);
    pango_layout_set_font_description(layout, font);
    pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(layout, text.c_str(), static_cast<int>(text.size()));
    unknown_glyphs_ += pango_layout_get_unknown_glyphs_count(layout);
    return layout;
  }

  // Draws `layout` line by line from the current position, breaking pages between lines.
  // Returns the baseline of its first line, for a bullet.
  void Lines(PangoLayout* layout, double x, const std::string* bullet_color = nullptr) {
    PangoLayoutIter* iter = pango_layout_get_iter(layout);
    bool first = true;
    do {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(iter, nullptr, &logical);
      double height = static_cast<double>(logical.height) / PANGO_SCALE;
      double baseline =
          static_cast<double>(pango_layout_iter_get_baseline(iter) - logical.y) / PANGO_SCALE;
      if (y_ + height > kBottom) NewPage();
      if (first && bullet_color != nullptr) {
        cairo_save(cr_);
        SetColor(cr_, *bullet_color);
        // A path of its own: without it the arc is joined to the current point (where the
        // previous text was drawn) and a thin line runs into the bullet.
        cairo_new_path(cr_);
        cairo_arc(cr_, x - kBulletIndent + 4, y_ + baseline - 3.5, 2.2, 0, 2 * M_PI);
        cairo_fill(cr_);
        cairo_restore(cr_);
      }
      cairo_move_to(cr_, x + static_cast<double>(logical.x) / PANGO_SCALE, y_ + baseline);
      pango_cairo_show_layout_line(cr_, pango_layout_iter_get_line_readonly(iter));
      y_ += height;
      first = false;
    } while (pango_layout_iter_next_line(iter));
    pango_layout_iter_free(iter);
  }

  void Paragraph(const std::string& text, const PangoFontDescription* font, double indent,
                 double before, double after, double grey = 0.1) {
    y_ += before;
    PangoLayout* layout = Layout(text, font, kContentWidth - indent);
    cairo_set_source_rgb(cr_, grey, grey, grey);
    Lines(layout, kMargin + indent);
    g_object_unref(layout);
    y_ += after;
  }

  // A heading is never the last line of a page: it moves with room for two lines after it.
  void Heading(const std::string& text, const PangoFontDescription* font, double before,
               const std::string* color = nullptr) {
    PangoLayout* layout = Layout(text, font, kContentWidth);
    int height = 0;
    pango_layout_get_pixel_size(layout, nullptr, &height);
    if (y_ > kMargin) y_ += before;
    if (y_ + height + 30 > kBottom) NewPage();
    if (color != nullptr) {
      SetColor(cr_, *color);
    } else {
      cairo_set_source_rgb(cr_, 0.04, 0.33, 0.58);
    }
    Lines(layout, kMargin);
    g_object_unref(layout);
    y_ += 4;
  }

  void Group(const std::string& heading, const std::vector<FindingView>& findings) {
    Heading(heading, h4_.get(), 6);
    if (findings.empty()) {
      Paragraph(view_.no_findings, body_.get(), kBulletIndent, 0, 3, 0.35);
      return;
    }
    for (const auto& f : findings) {
      std::string text = f.text;
      PangoAttrList* attrs = nullptr;
      if (f.fallback) {
        text += " " + f.fallback_label;
        attrs = pango_attr_list_new();
        PangoAttribute* italic = pango_attr_style_new(PANGO_STYLE_ITALIC);
        italic->start_index = static_cast<guint>(f.text.size() + 1);
        italic->end_index = static_cast<guint>(text.size());
        pango_attr_list_insert(attrs, italic);
      }
      PangoLayout* layout = Layout(text, body_.get(), kContentWidth - kBulletIndent);
      if (attrs != nullptr) {
        pango_layout_set_attributes(layout, attrs);
        pango_attr_list_unref(attrs);
      }
      cairo_set_source_rgb(cr_, 0.1, 0.1, 0.1);
      std::string grey = "#555555";
      Lines(layout, kMargin + kBulletIndent, &grey);
      g_object_unref(layout);
      y_ += 3;
    }
  }

  // The six-domain wheel as vectors, with a legend on its right.
  void Wheel() {
    const double outer = 95, inner = 38;
    double size = 2 * outer + 10;
    if (y_ + size > kBottom) NewPage();
    double cx = kMargin + outer + 2, cy = y_ + outer + 2;
    for (const auto& d : view_.domains) {
      double a0 = (d.segment.start_degrees - 90) * M_PI / 180;
      double a1 = (d.segment.end_degrees - 90) * M_PI / 180;
      cairo_new_path(cr_);
      cairo_arc(cr_, cx, cy, outer, a0, a1);
      cairo_arc_negative(cr_, cx, cy, inner, a1, a0);
      cairo_close_path(cr_);
      SetColor(cr_, d.segment.color);
      cairo_fill_preserve(cr_);
      cairo_set_source_rgb(cr_, 1, 1, 1);
      cairo_set_line_width(cr_, 1.5);
      cairo_stroke(cr_);
      double mid = (a0 + a1) / 2, r = (outer + inner) / 2;
      PangoLayout* number = Layout(std::to_string(d.number), number_.get(), 40);
      int w = 0, h = 0;
      pango_layout_get_pixel_size(number, &w, &h);
      cairo_move_to(cr_, cx + r * std::cos(mid) - w / 2.0, cy + r * std::sin(mid) - h / 2.0);
      pango_cairo_show_layout(cr_, number);
      g_object_unref(number);
    }
    PangoLayout* hub = Layout("MGI", h3_.get(), 60);
    int w = 0, h = 0;
    pango_layout_get_pixel_size(hub, &w, &h);
    cairo_set_source_rgb(cr_, 0.1, 0.1, 0.1);
    cairo_move_to(cr_, cx - w / 2.0, cy - h / 2.0);
    pango_cairo_show_layout(cr_, hub);
    g_object_unref(hub);
    // Legend.
    double lx = kMargin + 2 * outer + 24, ly = y_ + 12;
    for (const auto& d : view_.domains) {
      SetColor(cr_, d.segment.color);
      cairo_rectangle(cr_, lx, ly + 1, 10, 10);
      cairo_fill(cr_);
      PangoLayout* item = Layout(std::to_string(d.number) + ". " + d.name, body_.get(),
                                 kMargin + kContentWidth - lx - 16);
      cairo_set_source_rgb(cr_, 0.1, 0.1, 0.1);
      cairo_move_to(cr_, lx + 16, ly);
      pango_cairo_show_layout(cr_, item);
      int ih = 0;
      pango_layout_get_pixel_size(item, nullptr, &ih);
      g_object_unref(item);
      ly += std::max(ih, 14) + 14;
    }
    y_ = std::max(y_ + size, ly) + 6;
  }

  cairo_t* cr_;
  const ReportView& view_;
  Font body_, small_, title_, h2_, h3_, h4_, number_;
  double y_ = 0;
  int page_ = 1;
  int unknown_glyphs_ = 0;
};

}  // namespace

absl::StatusOr<std::string> RenderPdf(const ReportView& view, PdfStats* stats) {
  std::string out;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(Append, &out, kPageWidth, kPageHeight);
  // Fixed metadata derived from the profile, so that the same input gives the same bytes.
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, view.title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
                                 (std::string("mgi-report ") + kRendererVersion).c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE,
                                 view.document_date.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE,
                                 view.document_date.c_str());
  cairo_t* cr = cairo_create(surface);
  {
    PdfWriter writer(cr, view);
    writer.Write();
    if (writer.unknown_glyphs() > 0) {
      spdlog::warn("PDF of \"{}\": {} glyph(s) no installed font covers (shown as boxes)",
                   view.title, writer.unknown_glyphs());
    }
    if (stats != nullptr) stats->unknown_glyphs = writer.unknown_glyphs();
  }
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(std::string("PDF rendering failed: ") +
                               cairo_status_to_string(status));
  }
  return out;
}

}  // namespace mgi::report
