#include "services/assessment/finding_index.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/assessment/profile_rules.h"

namespace mgi::assessment {

namespace av1 = mgi::assessment::v1;

std::vector<IndexedFinding> FindingsToIndex(const av1::Profile& p) {
  std::vector<IndexedFinding> rows;
  const std::string own_language = p.languages_size() > 0 ? p.languages(0) : "en";
  for (int d = 0; d < p.domains_size(); ++d) {
    const av1::DomainFindings& df = p.domains(d);
    const std::pair<int, const google::protobuf::RepeatedPtrField<av1::Finding>*> groups[] = {
        {av1::FINDING_GROUP_WELL_DEVELOPED, &df.well_developed()},
        {av1::FINDING_GROUP_FURTHER_DEVELOPMENT, &df.further_development()}};
    for (const auto& [group, findings] : groups) {
      for (int i = 0; i < findings->size(); ++i) {
        const av1::Finding& f = findings->Get(i);
        if (f.text().empty()) continue;
        LocalizedText own = LookupText(f.text(), own_language, p.languages());
        std::set<std::string> languages;
        for (const auto& [language, text] : f.text()) languages.insert(language);
        std::string langs = absl::StrCat(" ", absl::StrJoin(languages, " "), " ");
        for (const auto& language : languages) {
          IndexedFinding row;
          row.finding_id = f.finding_id();
          row.language = language;
          row.own = language == own.language;
          row.langs = langs;
          row.domain = df.domain();
          row.domain_index = d;
          row.group = group;
          row.position = i;
          row.text = f.text().at(language);
          rows.push_back(std::move(row));
        }
      }
    }
  }
  return rows;
}

absl::StatusOr<std::vector<FindingRow>> WalkCountries(const FindingQuery& query,
                                                      std::vector<std::string> stored,
                                                      int64_t offset, int64_t limit,
                                                      const CountryWalk& walk) {
  std::vector<std::string> countries;
  if (query.country) {
    countries.push_back(*query.country);
  } else {
    countries = query.country_order;
    std::set<std::string> listed(countries.begin(), countries.end());
    std::sort(stored.begin(), stored.end());
    for (auto& c : stored) {
      if (!listed.count(c)) countries.push_back(std::move(c));
    }
  }
  std::vector<std::pair<HitLevel, int>> levels = {{HitLevel::kAll, 1}};
  if (query.terms.size() > 1) levels = {{HitLevel::kTogether, 1}, {HitLevel::kApart, 2}};
  std::vector<FindingRow> rows;
  int64_t skip = offset;
  for (const auto& [level, relevance] : levels) {
    for (const std::string& country : countries) {
      if (static_cast<int64_t>(rows.size()) >= limit) return rows;
      if (skip > 0) {
        auto n = walk.count(level, country);
        if (!n.ok()) return n.status();
        if (*n <= skip) {
          skip -= *n;
          continue;
        }
      }
      const int64_t want = limit - static_cast<int64_t>(rows.size());
      if (auto s = walk.page(level, relevance, country, skip, want, &rows); !s.ok()) return s;
      skip = 0;
    }
  }
  return rows;
}

}  // namespace mgi::assessment
