// What a report shows, independent of its format: the inputs fetched from the peers
// (ReportInputs) and the localized content built from them (ReportView). Every format renders a
// ReportView, so HTML, PDF, Markdown and SVG always carry the same content.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "mgi/catalog/v1/resources.pb.h"
#include "services/common/digest.h"
#include "services/report/messages.h"

namespace mgi::report {

// Everything a report is made from. Fetching fills it; rendering reads it only.
struct ReportInputs {
  std::string language;  // normalized BCP 47 tag asked for: a message file's, or the profile's
  // The language of the report's own texts (headings, catalog texts): `language` when a message
  // file has it, else the profile's first language with one, else English. Empty: `language`.
  std::string text_language;
  // The profile (never null), with the digest of its content.
  std::shared_ptr<const Digested<mgi::assessment::v1::Profile>> profile;
  std::vector<mgi::catalog::v1::Domain> domains;  // the six, in catalog order
  mgi::catalog::v1::Framework framework;
  mgi::catalog::v1::Country country;
  // Set for an edition > 1 with a previous edition.
  std::shared_ptr<const Digested<mgi::assessment::v1::CompareProfilesResponse>> changes;
  std::optional<mgi::assessment::v1::YearMonth> previous_month;
  // InputsDigest of all the above once computed (FetchInputs does); empty: not yet.
  std::string digest;
};

struct FindingView {
  std::string text;
  std::string language;  // the language of `text`
  bool fallback = false;  // shown in another language because the requested one is missing
  std::string fallback_label;  // "(in Spanish)": says which
};

struct WheelSegment {
  std::string path;  // SVG path data of the annular sector
  double label_x = 0, label_y = 0;
  double start_degrees = 0, end_degrees = 0;  // clockwise from 12 o'clock
  std::string color;  // "#rrggbb"
};

struct DomainView {
  std::string id;  // "migrants-rights"
  int number = 0;
  std::string name;
  std::vector<FindingView> well_developed;
  std::vector<FindingView> further_development;
  WheelSegment segment;
};

struct ChangeView {
  std::string domain_name;
  std::vector<FindingView> added;
  std::vector<FindingView> removed;
  int kept = 0;
};

struct ReportView {
  std::string language;       // asked for
  std::string text_language;  // of the headings and other fixed texts
  bool texts_fallback = false;  // text_language is not the language asked for
  std::string title;
  std::string publication_month;
  std::string assessment_year;  // "Assessment year: 2019", empty without one
  std::string language_note;    // which language served each part; empty when all is `language`
  std::string introduction_heading;
  std::string introduction;
  std::string key_findings_heading;
  std::string well_developed_heading;
  std::string further_development_heading;
  std::string no_findings;
  std::string fallback_label;
  std::string wheel_label;
  std::string wheel_hint;
  std::string show_all;
  std::vector<DomainView> domains;
  bool has_changes = false;
  std::string changes_heading;
  std::string changes_intro;
  std::string changes_added;
  std::string changes_removed;
  std::string changes_none;
  std::vector<ChangeView> changes;
  std::string page_pattern;  // "Page {page}"
  std::string document_date;  // ISO 8601 UTC, from the profile's update time (PDF metadata)
};

// Builds the view. The wording comes from `messages` and the catalog data in `inputs`.
ReportView BuildView(const ReportInputs& inputs, const Messages& messages);

// The wheel's geometry: six equal annular sectors around (cx, cy), the first at 12 o'clock.
inline constexpr double kWheelCenter = 150, kWheelOuter = 140, kWheelInner = 56;
WheelSegment MakeSegment(int index, int count, const std::string& color);

// Escapes Markdown syntax so that `text` shows literally inside a paragraph or list item:
// backslash-escapes inline metacharacters everywhere and block markers at the start, and turns
// line breaks into spaces.
std::string EscapeMarkdown(const std::string& text);

}  // namespace mgi::report
