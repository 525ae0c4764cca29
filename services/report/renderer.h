// Renders a ReportInputs as HTML, PDF, Markdown or SVG. Templates (HTML, Markdown, SVG) are
// Mustache files read once at start; the PDF is typeset with cairo and pango. Rendering is pure:
// the same inputs give the same bytes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/report/messages.h"
#include "services/report/report_view.h"

namespace mgi::report {

// Changes whenever the output for the same inputs may change (templates, layout, escaping): part
// of every cache key of rendered reports.
inline constexpr char kRendererVersion[] = "2026.12.1";

struct FormatInfo {
  std::string format;        // "html"
  std::string content_type;  // "text/html; charset=utf-8"
};
// The supported formats, "html" first (the default).
const std::vector<FormatInfo>& Formats();
// The format's info, or null when unknown.
const FormatInfo* FindFormat(const std::string& format);

struct Rendered {
  std::string data;
  std::string content_type;
};

class Renderer {
 public:
  // Reads the templates from `template_dir` and the message files from `messages_dir`.
  static absl::StatusOr<std::unique_ptr<Renderer>> Load(const std::string& template_dir,
                                                        const std::string& messages_dir);

  const MessageCatalog& messages() const { return messages_; }

  // Renders `inputs` (whose text_language, else language, must have a message file) as `format`.
  absl::StatusOr<Rendered> Render(const ReportInputs& inputs, const std::string& format) const;

  // The separate formats, for tests and the benchmark.
  std::string RenderHtml(const ReportView& view) const;
  std::string RenderMarkdown(const ReportView& view) const;
  std::string RenderSvg(const ReportView& view) const;

 private:
  Renderer() = default;
  MessageCatalog messages_;
  std::map<std::string, std::string> templates_;  // name without ".mustache" -> text
};

// What typesetting a PDF met, for tests and logs.
struct PdfStats {
  // Glyphs no font of the fallback chain (nor any installed font) has: drawn as boxes.
  int unknown_glyphs = 0;
};
// The PDF (A4, embedded font subsets: DejaVu, then Noto for other scripts, CJK and emoji; vector
// wheel, page numbers), in pdf_renderer.cc.
absl::StatusOr<std::string> RenderPdf(const ReportView& view, PdfStats* stats = nullptr);

}  // namespace mgi::report
