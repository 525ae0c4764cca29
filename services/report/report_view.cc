#include "services/report/report_view.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "services/common/language.h"

namespace mgi::report {
namespace {

// One colour per domain position, dark enough for white numbers (WCAG AA at this size).
constexpr const char* kPalette[] = {"#0b5394", "#1b7a5a", "#8a4f00", "#6a3d9a", "#b0251c",
                                    "#2f5f6f"};

std::string Fixed(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

std::string DomainId(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

bool SameLanguage(const std::string& a, const std::string& b) {
  return a == b || a.substr(0, a.find('-')) == b || b.substr(0, b.find('-')) == a;
}

// Picks a finding's text: the language asked for (or its primary language), then the profile's
// languages in order, then English, then any.
class FindingPicker {
 public:
  FindingPicker(const ReportInputs& inputs, const Messages& messages)
      : language_(inputs.language),
        profile_languages_(inputs.profile->message.languages().begin(),
                           inputs.profile->message.languages().end()),
        messages_(messages) {}

  FindingView operator()(const mgi::assessment::v1::Finding& finding) {
    std::map<std::string, std::string> texts(finding.text().begin(), finding.text().end());
    std::vector<std::string> order = {language_, language_.substr(0, language_.find('-'))};
    order.insert(order.end(), profile_languages_.begin(), profile_languages_.end());
    order.push_back("en");
    for (const auto& [lang, _] : texts) order.push_back(lang);
    FindingView view;
    for (const auto& lang : order) {
      auto it = texts.find(lang);
      if (it == texts.end() || it->second.empty()) continue;
      view.text = it->second;
      view.language = lang;
      break;
    }
    if (view.text.empty() && !finding.display_text().empty()) {
      view.text = finding.display_text();
      view.language = finding.display_language().empty() ? language_ : finding.display_language();
    }
    view.fallback = !view.text.empty() && !SameLanguage(view.language, language_);
    if (view.fallback) {
      view.fallback_label =
          messages_.Format("fallback_label", {{"language", messages_.LanguageName(view.language)}});
    }
    if (!view.text.empty()) served_.insert(view.language);
    return view;
  }
  std::vector<FindingView> All(
      const google::protobuf::RepeatedPtrField<mgi::assessment::v1::Finding>& findings) {
    std::vector<FindingView> out;
    for (const auto& f : findings) out.push_back((*this)(f));
    return out;
  }
  // The languages findings were shown in.
  const std::set<std::string>& served() const { return served_; }

 private:
  std::string language_;
  std::vector<std::string> profile_languages_;
  const Messages& messages_;
  std::set<std::string> served_;
};

std::string Month(const Messages& messages, const mgi::assessment::v1::YearMonth& month) {
  return messages.Format("publication_month", {{"month", messages.Month(month.month())},
                                               {"year", std::to_string(month.year())}});
}

std::string Title(const ReportInputs& inputs, const Messages& messages) {
  const auto& profile = inputs.profile->message;
  std::map<std::string, std::string> overrides(profile.title_override().begin(),
                                               profile.title_override().end());
  if (auto it = overrides.find(inputs.language); it != overrides.end() && !it->second.empty()) {
    return it->second;
  }
  if (!profile.display_title().empty()) return profile.display_title();
  std::string country = inputs.country.official_name().empty() ? inputs.country.display_name()
                                                                : inputs.country.official_name();
  if (country.empty()) country = profile.country();
  std::string edition;
  if (profile.edition() > 1) {
    edition = messages.Format("edition_suffix", {{"edition", messages.Edition(profile.edition())}});
  }
  if (profile.level() == mgi::catalog::v1::LEVEL_LOCAL) {
    std::map<std::string, std::string> names(profile.local_unit().display_name().begin(),
                                             profile.local_unit().display_name().end());
    std::string unit;
    for (const auto& l : profile.languages()) {
      if (unit.empty() && names.count(l)) unit = names[l] + " (" + l + ")";
    }
    if (auto it = names.find(inputs.language); it != names.end()) unit = it->second;
    if (unit.empty() && !names.empty()) unit = names.begin()->second;
    return messages.Format("title_local", {{"unit", unit},
                                           {"country", country},
                                           {"edition", edition}});
  }
  return messages.Format("title_national", {{"country", country}, {"edition", edition}});
}

std::string IsoDate(const google::protobuf::Timestamp& time) {
  std::time_t seconds = static_cast<std::time_t>(time.seconds());
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace

WheelSegment MakeSegment(int index, int count, const std::string& color) {
  const double pi = std::acos(-1.0);
  double step = 360.0 / count;
  WheelSegment s;
  s.start_degrees = index * step;
  s.end_degrees = (index + 1) * step;
  s.color = color;
  auto point = [&](double degrees, double r) {
    double a = (degrees - 90) * pi / 180;
    return std::pair{kWheelCenter + r * std::cos(a), kWheelCenter + r * std::sin(a)};
  };
  auto [x0, y0] = point(s.start_degrees, kWheelOuter);
  auto [x1, y1] = point(s.end_degrees, kWheelOuter);
  auto [x2, y2] = point(s.end_degrees, kWheelInner);
  auto [x3, y3] = point(s.start_degrees, kWheelInner);
  std::string large = step > 180 ? "1" : "0";
  s.path = "M" + Fixed(x0) + " " + Fixed(y0) + " A" + Fixed(kWheelOuter) + " " +
           Fixed(kWheelOuter) + " 0 " + large + " 1 " + Fixed(x1) + " " + Fixed(y1) + " L" +
           Fixed(x2) + " " + Fixed(y2) + " A" + Fixed(kWheelInner) + " " + Fixed(kWheelInner) +
           " 0 " + large + " 0 " + Fixed(x3) + " " + Fixed(y3) + " Z";
  auto [lx, ly] = point((s.start_degrees + s.end_degrees) / 2, (kWheelOuter + kWheelInner) / 2);
  s.label_x = std::round(lx * 100) / 100;
  s.label_y = std::round(ly * 100) / 100;
  return s;
}

ReportView BuildView(const ReportInputs& inputs, const Messages& messages) {
  const auto& profile = inputs.profile->message;
  const std::string& language = inputs.language;
  ReportView view;
  view.language = language;
  view.text_language = inputs.text_language.empty() ? language : inputs.text_language;
  view.texts_fallback = !SameLanguage(view.text_language, language);
  FindingPicker pick(inputs, messages);
  view.title = Title(inputs, messages);
  view.publication_month = Month(messages, profile.publication_month());
  if (profile.assessment_year() > 0) {
    view.assessment_year =
        messages.Format("assessment_year", {{"year", std::to_string(profile.assessment_year())}});
  }
  view.introduction_heading = messages.Get("introduction_heading");
  view.introduction = inputs.framework.introduction().empty() ? messages.Get("introduction")
                                                              : inputs.framework.introduction();
  view.key_findings_heading = messages.Get("key_findings_heading");
  view.well_developed_heading = messages.Get("well_developed_heading");
  view.further_development_heading = messages.Get("further_development_heading");
  view.no_findings = messages.Get("no_findings");
  view.fallback_label = messages.Get("fallback_label");
  view.wheel_label = messages.Get("wheel_label");
  view.wheel_hint = messages.Get("wheel_hint");
  view.show_all = messages.Get("show_all");
  view.page_pattern = messages.Get("page");
  view.document_date = IsoDate(profile.has_update_time() ? profile.update_time()
                                                         : profile.create_time());
  bool local = profile.level() == mgi::catalog::v1::LEVEL_LOCAL;

  auto domain_name = [&](const mgi::catalog::v1::Domain& d) {
    if (local && !d.local_display_name().empty()) return d.local_display_name();
    return d.display_name().empty() ? DomainId(d.name()) : d.display_name();
  };
  int count = static_cast<int>(inputs.domains.size());
  for (int i = 0; i < count; ++i) {
    const auto& d = inputs.domains[i];
    DomainView dv;
    dv.id = DomainId(d.name());
    dv.number = d.number() > 0 ? d.number() : i + 1;
    dv.name = domain_name(d);
    dv.segment = MakeSegment(i, count, kPalette[i % 6]);
    for (const auto& df : profile.domains()) {
      if (df.domain() != d.name()) continue;
      dv.well_developed = pick.All(df.well_developed());
      dv.further_development = pick.All(df.further_development());
    }
    view.domains.push_back(std::move(dv));
  }

  if (inputs.changes) {
    view.has_changes = true;
    view.changes_heading = messages.Get("changes_heading");
    view.changes_intro =
        inputs.previous_month
            ? messages.Format("changes_intro", {{"previous", Month(messages, *inputs.previous_month)}})
            : std::string();
    view.changes_added = messages.Get("changes_added");
    view.changes_removed = messages.Get("changes_removed");
    view.changes_none = messages.Get("changes_none");
    for (const auto& dc : inputs.changes->message.domains()) {
      ChangeView cv;
      cv.domain_name = DomainId(dc.domain());
      for (const auto& d : inputs.domains) {
        if (d.name() == dc.domain()) cv.domain_name = domain_name(d);
      }
      for (const auto* group : {&dc.well_developed(), &dc.further_development()}) {
        for (const auto& f : group->added()) cv.added.push_back(pick(f));
        for (const auto& f : group->removed()) cv.removed.push_back(pick(f));
        cv.kept += group->kept_size();
      }
      view.changes.push_back(std::move(cv));
    }
  }
  // Say which language served each part when any part is not in the language asked for.
  bool findings_fallback = false;
  std::string findings;
  for (const auto& l : pick.served()) {
    findings_fallback |= !SameLanguage(l, language);
    findings += (findings.empty() ? "" : ", ") + messages.LanguageName(l);
  }
  if (view.texts_fallback || findings_fallback) {
    view.language_note = messages.Format(
        view.texts_fallback ? "language_note_fallback" : "language_note",
        {{"findings", findings.empty() ? messages.LanguageName(language) : findings},
         {"texts", messages.LanguageName(view.text_language)},
         {"requested", messages.LanguageName(language)}});
  }
  return view;
}

std::string EscapeMarkdown(const std::string& raw) {
  size_t first = raw.find_first_not_of(" \t\r\n");
  std::string text = first == std::string::npos ? std::string() : raw.substr(first);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t digits = 0;  // leading digits
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    switch (c) {
      case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
      case '|': case '~': case '&': case '!':
        out += '\\';
        break;
      case '#': case '+': case '-': case '=':
        if (i == 0) out += '\\';  // a heading, list item or setext underline
        break;
      case '.': case ')':
        if (digits > 0 && digits == i) out += '\\';  // "1." at the start: an ordered list
        break;
      default:
        break;
    }
    if (c >= '0' && c <= '9' && digits == i) ++digits;
    out += c;
  }
  return out;
}

}  // namespace mgi::report
