#include "services/report/renderer.h"

#include <fstream>
#include <sstream>

#include <mstch/mstch.hpp>

namespace mgi::report {
namespace {

using Escape = std::string (*)(const std::string&);

std::string Identity(const std::string& s) { return s; }

std::string Number(double v) {
  std::ostringstream out;
  out.precision(2);
  out << std::fixed << v;
  return out.str();
}

mstch::array Findings(const std::vector<FindingView>& findings, Escape escape) {
  mstch::array out;
  for (const auto& f : findings) {
    out.push_back(mstch::map{{"text", escape(f.text)},
                             {"language", f.language},
                             {"fallback", f.fallback},
                             {"fallback_label", escape(f.fallback_label)}});
  }
  return out;
}

// The view as a Mustache context; `escape` is applied to every text (Markdown escaping; HTML
// escaping is Mustache's own {{ }}). The wheel alone needs no findings.
mstch::map Context(const ReportView& v, Escape escape, bool interactive,
                   bool with_findings = true) {
  mstch::array domains;
  for (size_t i = 0; i < v.domains.size(); ++i) {
    const DomainView& d = v.domains[i];
    domains.push_back(mstch::map{
        {"id", d.id},
        {"number", std::to_string(d.number)},
        {"name", escape(d.name)},
        {"color", d.segment.color},
        {"path", d.segment.path},
        {"label_x", Number(d.segment.label_x)},
        {"label_y", Number(d.segment.label_y)},
        {"legend_y", Number(56 + 38.0 * static_cast<double>(i))},
        {"legend_box_y", Number(47 + 38.0 * static_cast<double>(i))},
        {"well_developed", with_findings ? Findings(d.well_developed, escape) : mstch::array{}},
        {"further_development",
         with_findings ? Findings(d.further_development, escape) : mstch::array{}},
        {"has_well_developed", !d.well_developed.empty()},
        {"has_further_development", !d.further_development.empty()},
    });
  }
  mstch::array changes;
  for (const auto& c : v.changes) {
    changes.push_back(mstch::map{
        {"domain_name", escape(c.domain_name)},
        {"added", Findings(c.added, escape)},
        {"removed", Findings(c.removed, escape)},
        {"has_added", !c.added.empty()},
        {"has_removed", !c.removed.empty()},
        {"has_any", !c.added.empty() || !c.removed.empty()},
    });
  }
  return mstch::map{
      {"language", v.language},
      {"text_language", v.text_language},
      {"texts_fallback", v.texts_fallback},
      {"interactive", interactive},
      {"title", escape(v.title)},
      {"publication_month", escape(v.publication_month)},
      {"assessment_year", escape(v.assessment_year)},
      {"language_note", escape(v.language_note)},
      {"introduction_heading", escape(v.introduction_heading)},
      {"introduction", escape(v.introduction)},
      {"key_findings_heading", escape(v.key_findings_heading)},
      {"well_developed_heading", escape(v.well_developed_heading)},
      {"further_development_heading", escape(v.further_development_heading)},
      {"no_findings", escape(v.no_findings)},
      {"fallback_label", escape(v.fallback_label)},
      {"wheel_label", escape(v.wheel_label)},
      {"wheel_hint", escape(v.wheel_hint)},
      {"show_all", escape(v.show_all)},
      {"domains", domains},
      {"has_changes", v.has_changes},
      {"changes_heading", escape(v.changes_heading)},
      {"changes_intro", escape(v.changes_intro)},
      {"changes_added", escape(v.changes_added)},
      {"changes_removed", escape(v.changes_removed)},
      {"changes_none", escape(v.changes_none)},
      {"changes", changes},
  };
}

}  // namespace

const std::vector<FormatInfo>& Formats() {
  static const std::vector<FormatInfo> formats = {
      {"html", "text/html; charset=utf-8"},
      {"pdf", "application/pdf"},
      {"markdown", "text/markdown; charset=utf-8"},
      {"svg", "image/svg+xml"},
  };
  return formats;
}

const FormatInfo* FindFormat(const std::string& format) {
  for (const auto& f : Formats()) {
    if (f.format == format) return &f;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<Renderer>> Renderer::Load(const std::string& template_dir,
                                                         const std::string& messages_dir) {
  std::unique_ptr<Renderer> renderer(new Renderer());
  auto messages = MessageCatalog::Load(messages_dir);
  if (!messages.ok()) return messages.status();
  renderer->messages_ = *std::move(messages);
  for (const char* name : {"report.html", "report.md", "wheel.svg", "wheel-document.svg"}) {
    std::string path = template_dir + "/" + name + ".mustache";
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return absl::NotFoundError("cannot read template " + path);
    renderer->templates_[name] = text.str();
  }
  return renderer;
}

std::string Renderer::RenderHtml(const ReportView& view) const {
  return mstch::render(templates_.at("report.html"), Context(view, Identity, true),
                       {{"wheel", templates_.at("wheel.svg")}});
}

std::string Renderer::RenderMarkdown(const ReportView& view) const {
  return mstch::render(templates_.at("report.md"), Context(view, EscapeMarkdown, false));
}

std::string Renderer::RenderSvg(const ReportView& view) const {
  return mstch::render(templates_.at("wheel-document.svg"),
                       Context(view, Identity, false, /*with_findings=*/false),
                       {{"wheel", templates_.at("wheel.svg")}});
}

absl::StatusOr<Rendered> Renderer::Render(const ReportInputs& inputs,
                                          const std::string& format) const {
  const FormatInfo* info = FindFormat(format);
  if (info == nullptr) return absl::InvalidArgumentError("unknown format " + format);
  const std::string& text_language =
      inputs.text_language.empty() ? inputs.language : inputs.text_language;
  const Messages* messages = messages_.Find(text_language);
  if (messages == nullptr) {
    return absl::InvalidArgumentError("no message file for language " + text_language);
  }
  ReportView view = BuildView(inputs, *messages);
  Rendered out;
  out.content_type = info->content_type;
  if (format == "html") {
    out.data = RenderHtml(view);
  } else if (format == "markdown") {
    out.data = RenderMarkdown(view);
  } else if (format == "svg") {
    out.data = RenderSvg(view);
  } else {
    auto pdf = RenderPdf(view);
    if (!pdf.ok()) return pdf.status();
    out.data = *std::move(pdf);
  }
  return out;
}

}  // namespace mgi::report
