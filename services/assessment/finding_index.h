// What a ProfileStore needs to search key findings: the parsed query (already in search keys, so
// every store matches the same way), the filters, and what it answers. Each store keeps its own
// index of the findings, written in the same transaction as the profile (SQLite: FTS5; PostgreSQL:
// tsvector), so a search never misses an acknowledged write.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mgi/assessment/v1/resources.pb.h"

namespace mgi::assessment {

// One term of a search: a word (one entry in `words`) or a phrase (the words next to each other,
// in order). The words are text::SearchKey words (lower case, no accents). `prefix`: the last word
// matches every word that starts with it.
struct SearchTerm {
  std::vector<std::string> words;
  bool prefix = false;
};

// Which findings to find, and the order to give them in.
struct FindingQuery {
  // Every term must match (AND). Empty: every finding that passes the filters.
  std::vector<SearchTerm> terms;
  // The language searched (a normalised BCP 47 tag). A finding is searched in it when it has text
  // in it, else in its own language (the profile's first language that it has text in).
  std::string language = "en";
  // Filters; unset members match everything.
  std::optional<std::string> domain;  // "domains/partnerships"
  std::optional<int> group;           // mgi.assessment.v1.FindingGroup
  std::optional<std::string> country;  // "countries/GTM"
  std::optional<int> level;            // mgi.catalog.v1.Level
  std::optional<int> edition;
  std::optional<int> publication_year;
  // The profile states that may appear (mgi.assessment.v1.ProfileState); empty: any state.
  std::vector<int> states;
  // The countries in the order to list them (alphabetical by name in the search language);
  // countries not listed come after, by resource name.
  std::vector<std::string> country_order;
  // Set by a caller that has the FindingCounts of this query: whether they were estimated (more
  // hits than the store counts exactly). The store's SearchFindings then skips finding it out.
  std::optional<bool> estimated;
};

// One finding found.
struct FindingRow {
  std::string profile;     // "profiles/gtm-2022"
  std::string country;     // "countries/GTM"
  std::string finding_id;
  std::string domain;      // "domains/partnerships"
  int group = 0;           // mgi.assessment.v1.FindingGroup
  std::string language;    // the language of `text`
  bool fallback = false;   // `language` is not the one searched: the finding has no text in it
  std::string text;        // as written (not normalised)
  int relevance_level = 1;  // 1: the query's words together, in order (or one term); 2: apart
};

// How many findings a query finds, per country. A store may stop counting at a limit (none
// does yet): then `estimated` is set, `total` is an estimate (at least the
// limit), and `countries` lists every country that may have hits, with counts of 0 (unknown).
struct FindingCounts {
  std::vector<std::pair<std::string, int64_t>> countries;  // by resource name
  int64_t total = 0;
  bool estimated = false;
};

// One row of a store's finding index: one finding's text in one language, with what a search
// filters and orders on besides the profile's own columns.
struct IndexedFinding {
  std::string finding_id;
  std::string language;
  // This row's language is the one the finding is shown in when the language searched is not
  // among its languages (the profile's first language it has text in).
  bool own = false;
  std::string langs;  // the finding's languages, " en es "
  std::string domain;
  int domain_index = 0;  // the domain's position in the profile
  int group = 0;         // mgi.assessment.v1.FindingGroup
  int position = 0;      // the finding's position in its group
  std::string text;      // as written
};

// Which hits of a query a store reads: all, only those with the words together (relevance
// level 1), or only those with them apart (level 2).
enum class HitLevel { kAll, kTogether, kApart };

// One page of a search with many hits, read in the search order without sorting them all:
// relevance level by level, country by country (query.country alone when the filter names one,
// else query.country_order, then the other `stored` countries by resource name). A country
// before the page is only counted; the page is cut from the countries that reach into it. The
// store supplies its two queries, each for one level and one country: `count` (how many hits)
// and `page` (`n` rows from `skip`, in the order within a country, with `relevance` set).
struct CountryWalk {
  std::function<absl::StatusOr<int64_t>(HitLevel level, const std::string& country)> count;
  std::function<absl::Status(HitLevel level, int relevance, const std::string& country,
                             int64_t skip, int64_t n, std::vector<FindingRow>* rows)>
      page;
};
absl::StatusOr<std::vector<FindingRow>> WalkCountries(const FindingQuery& query,
                                                      std::vector<std::string> stored,
                                                      int64_t offset, int64_t limit,
                                                      const CountryWalk& walk);

// The rows every store indexes for `profile`, in profile order (domains, groups, findings, then
// languages in code order); findings without text have none.
std::vector<IndexedFinding> FindingsToIndex(const mgi::assessment::v1::Profile& profile);

}  // namespace mgi::assessment
