#include "services/assessment/finding_search.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/filter.h"
#include "services/common/language.h"
#include "services/common/pagination.h"
#include "services/common/status.h"

namespace mgi::assessment {
namespace {

namespace cv1 = mgi::catalog::v1;

constexpr size_t kMaxQueryCodePoints = 500;
constexpr size_t kMaxTerms = 32;
const PageSpec kHitPages{20, 100};

bool IsWordChar(UChar32 c) { return u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0; }

// A word of a text: its search key (one word of it) and where it is, in code points.
struct Token {
  std::string key;
  int start = 0;
  int end = 0;  // one past the last code point
};

// The code points' byte offsets of `text` (one more entry: the size), and its words.
struct Segmented {
  std::vector<size_t> bytes;
  std::vector<Token> tokens;
};

Segmented Segment(std::string_view text) {
  Segmented out;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(text.size());
  int word_start = -1;
  size_t word_byte = 0;
  auto close = [&](int end, size_t end_byte) {
    if (word_start < 0) return;
    for (auto& key : text::SearchWords(text.substr(word_byte, end_byte - word_byte))) {
      out.tokens.push_back(Token{std::move(key), word_start, end});
    }
    word_start = -1;
  };
  while (i < n) {
    size_t at = static_cast<size_t>(i);
    UChar32 c;
    U8_NEXT(text.data(), i, n, c);
    int cp = static_cast<int>(out.bytes.size());
    out.bytes.push_back(at);
    if (c >= 0 && IsWordChar(c)) {
      if (word_start < 0) {
        word_start = cp;
        word_byte = at;
      }
    } else {
      close(cp, at);
    }
  }
  close(static_cast<int>(out.bytes.size()), text.size());
  out.bytes.push_back(text.size());
  return out;
}

std::vector<av1::TextRange> Matches(const Segmented& seg, const std::vector<SearchTerm>& terms) {
  std::vector<std::pair<int, int>> ranges;
  const auto& t = seg.tokens;
  for (const auto& term : terms) {
    const size_t n = term.words.size();
    if (n == 0 || n > t.size()) continue;
    for (size_t i = 0; i + n <= t.size(); ++i) {
      bool ok = true;
      for (size_t k = 0; k < n && ok; ++k) {
        bool last_prefix = term.prefix && k + 1 == n;
        ok = last_prefix ? absl::StartsWith(t[i + k].key, term.words[k])
                         : t[i + k].key == term.words[k];
      }
      if (ok) ranges.emplace_back(t[i].start, t[i + n - 1].end);
    }
  }
  std::sort(ranges.begin(), ranges.end());
  std::vector<av1::TextRange> out;
  int end = -1;
  for (const auto& [s, e] : ranges) {
    if (!out.empty() && s <= end) {
      end = std::max(end, e);
      out.back().set_length(end - out.back().start());
      continue;
    }
    av1::TextRange r;
    r.set_start(s);
    r.set_length(e - s);
    out.push_back(r);
    end = e;
  }
  return out;
}

av1::Snippet Snip(std::string_view text, const Segmented& seg,
                  const std::vector<av1::TextRange>& matches, int width) {
  const int total = static_cast<int>(seg.bytes.size()) - 1;
  int start = 0;
  if (total > width && !matches.empty()) {
    // Some context before the first match, starting at a word.
    int want = std::max(0, matches.front().start() - width / 4);
    for (const auto& tok : seg.tokens) {
      if (tok.start >= want) {
        start = std::min(tok.start, matches.front().start());
        break;
      }
    }
  }
  int end = std::min(total, start + width);
  if (end < total) {
    // End after the last word that fits; never cut the first match.
    int cut = start;
    for (const auto& tok : seg.tokens) {
      if (tok.start >= start && tok.end <= end) cut = tok.end;
    }
    if (!matches.empty()) cut = std::max(cut, matches.front().start() + matches.front().length());
    end = std::max(cut, std::min(total, start + 1));
  }
  av1::Snippet s;
  s.set_text(std::string(text.substr(seg.bytes[start], seg.bytes[end] - seg.bytes[start])));
  s.set_start(start);
  s.set_truncated_end(end < total);
  for (const auto& m : matches) {
    if (m.start() >= start && m.start() + m.length() <= end) {
      av1::TextRange* r = s.add_highlights();
      r->set_start(m.start() - start);
      r->set_length(m.length());
    }
  }
  return s;
}

// Parses an enum value given with or without its prefix ("LOCAL", "LEVEL_LOCAL", "local").
template <typename Parse>
bool ParseEnum(const std::string& value, const std::string& prefix, Parse parse) {
  std::string upper = absl::AsciiStrToUpper(value);
  return parse(absl::StartsWith(upper, prefix) ? upper : prefix + upper);
}

absl::StatusOr<FindingQuery> ParseSearchFilter(const std::string& filter,
                                               const std::vector<std::string>& domains) {
  auto terms = ParseFilter(filter, {"domain", "group", "country", "level", "edition",
                                    "publication_year", "state"});
  if (!terms.ok()) return terms.status();
  FindingQuery q;
  for (const auto& t : *terms) {
    if (t.field == "domain") {
      std::string name = absl::StartsWith(t.value, "domains/") ? t.value : "domains/" + t.value;
      if (std::find(domains.begin(), domains.end(), name) == domains.end()) {
        return InvalidArgument("filter", absl::StrCat("domain \"", t.value,
                                                      "\" is not a catalog domain, e.g. "
                                                      "\"migrants-rights\""));
      }
      q.domain = name;
    } else if (t.field == "group") {
      av1::FindingGroup g;
      if (!ParseEnum(t.value, "FINDING_GROUP_",
                     [&](const std::string& v) { return av1::FindingGroup_Parse(v, &g); }) ||
          g == av1::FINDING_GROUP_UNSPECIFIED) {
        return InvalidArgument("filter", absl::StrCat("group must be WELL_DEVELOPED or "
                                                      "FURTHER_DEVELOPMENT, not \"",
                                                      t.value, "\""));
      }
      q.group = g;
    } else if (t.field == "country") {
      q.country = absl::StartsWith(t.value, "countries/")
                      ? t.value
                      : "countries/" + absl::AsciiStrToUpper(t.value);
    } else if (t.field == "level") {
      cv1::Level level;
      if (!ParseEnum(t.value, "LEVEL_",
                     [&](const std::string& v) { return cv1::Level_Parse(v, &level); }) ||
          level == cv1::LEVEL_UNSPECIFIED) {
        return InvalidArgument(
            "filter", absl::StrCat("level must be NATIONAL or LOCAL, not \"", t.value, "\""));
      }
      q.level = level;
    } else if (t.field == "state") {
      av1::ProfileState state;
      if (!ParseEnum(t.value, "PROFILE_STATE_",
                     [&](const std::string& v) { return av1::ProfileState_Parse(v, &state); }) ||
          state == av1::PROFILE_STATE_UNSPECIFIED) {
        return InvalidArgument("filter", absl::StrCat("state must be DRAFT, PUBLISHED or "
                                                      "ARCHIVED, not \"",
                                                      t.value, "\""));
      }
      q.states = {state};
    } else if (t.field == "edition") {
      int edition;
      if (!absl::SimpleAtoi(t.value, &edition) || edition < 1) {
        return InvalidArgument(
            "filter", absl::StrCat("edition must be a number from 1, not \"", t.value, "\""));
      }
      q.edition = edition;
    } else if (t.field == "publication_year") {
      int year;
      if (!absl::SimpleAtoi(t.value, &year) || year < 1990 || year > 2100) {
        return InvalidArgument("filter", absl::StrCat("publication_year must be a year from "
                                                      "1990 to 2100, not \"",
                                                      t.value, "\""));
      }
      q.publication_year = year;
    }
  }
  return q;
}

}  // namespace

absl::StatusOr<ParsedSearch> ParseSearchQuery(std::string_view query) {
  if (text::CodePointCount(query) > kMaxQueryCodePoints) {
    return InvalidArgument("query", "must be at most 500 characters");
  }
  ParsedSearch out;
  size_t i = 0;
  auto add = [&](std::string_view raw) {
    bool prefix = false;
    while (!raw.empty() && raw.back() == '*') {
      prefix = true;
      raw.remove_suffix(1);
    }
    SearchTerm term;
    term.words = text::SearchWords(raw);
    term.prefix = prefix;
    if (!term.words.empty()) out.terms.push_back(std::move(term));
  };
  while (i < query.size()) {
    char c = query[i];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    out.blank = false;
    if (c == '"') {
      size_t close = query.find('"', i + 1);
      size_t end = close == std::string_view::npos ? query.size() : close;
      std::string_view inner = query.substr(i + 1, end - i - 1);
      size_t after = close == std::string_view::npos ? query.size() : close + 1;
      // A "*" right after the closing quote makes the phrase's last word a prefix.
      std::string raw(inner);
      while (after < query.size() && query[after] == '*') {
        raw.push_back('*');
        ++after;
      }
      add(raw);
      i = after;
    } else {
      size_t end = i;
      while (end < query.size() && !absl::ascii_isspace(static_cast<unsigned char>(query[end])) &&
             query[end] != '"') {
        ++end;
      }
      add(query.substr(i, end - i));
      i = end;
    }
  }
  if (out.terms.size() > kMaxTerms) {
    return InvalidArgument("query", "has more than 32 words or phrases");
  }
  return out;
}

std::vector<av1::TextRange> FindMatches(std::string_view text,
                                        const std::vector<SearchTerm>& terms) {
  return Matches(Segment(text), terms);
}

av1::Snippet MakeSnippet(std::string_view text, const std::vector<av1::TextRange>& matches,
                         int width) {
  return Snip(text, Segment(text), matches, width);
}

const text::Collation& FindingSearch::CollationFor(const std::string& language) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& c = collations_[language];
  if (!c) c = std::make_unique<text::Collation>(language);
  return *c;
}

absl::StatusOr<av1::SearchFindingsResponse> FindingSearch::Search(
    const av1::SearchFindingsRequest& req, const Caller& caller) {
  auto size = ResolvePageSize(req.page_size(), kHitPages);
  if (!size.ok()) return size.status();
  auto language = NormalizeLanguage(req.language(), "language");
  if (!language.ok()) return language.status();
  auto parsed = ParseSearchQuery(req.query());
  if (!parsed.ok()) return parsed.status();
  auto catalog = catalog_->Connect(caller.credentials);
  auto domains = catalog->ListDomains();
  if (!domains.ok()) return domains.status();
  auto query = ParseSearchFilter(req.filter(), *domains);
  if (!query.ok()) return query.status();
  // Who sees what: drafts only for those who may read them.
  if (!caller.may_read_drafts()) {
    if (query->states.empty()) {
      query->states = {av1::PROFILE_STATE_PUBLISHED, av1::PROFILE_STATE_ARCHIVED};
    } else if (query->states.front() == av1::PROFILE_STATE_DRAFT) {
      return caller.read_drafts;
    }
  }
  const std::string scope =
      absl::StrCat("findings|", req.query(), "|", *language, "|", req.filter());
  auto offset = DecodePageToken(req.page_token(), scope);
  if (!offset.ok()) return offset.status();
  av1::SearchFindingsResponse resp;
  resp.set_language(*language);
  if (!parsed->blank && parsed->terms.empty()) return resp;  // nothing searchable: no hit
  query->terms = std::move(parsed->terms);
  query->language = *language;

  // The countries found, alphabetical by name in the search language: the order of the results
  // within a relevance level (never a ranking).
  auto counts = store_->CountFindings(*query);
  if (!counts.ok()) return counts.status();
  resp.set_total_size(static_cast<int32_t>(std::min<int64_t>(counts->total, INT32_MAX)));
  resp.set_total_size_estimated(counts->estimated);
  if (counts->total == 0 || (!counts->estimated && *offset >= counts->total)) return resp;
  const text::Collation& collation = CollationFor(*language);
  std::map<std::string, std::string> names;
  std::vector<std::pair<std::string, std::string>> keyed;  // sort key, country
  for (const auto& [country, n] : counts->countries) {
    auto info = catalog->GetCountry(country, *language);
    std::string name = country.substr(country.find('/') + 1);
    if (info.ok()) name = info->display_name.empty() ? info->official_name : info->display_name;
    names[country] = name;
    keyed.emplace_back(collation.SortKey(name), country);
  }
  std::sort(keyed.begin(), keyed.end());
  for (auto& [key, country] : keyed) query->country_order.push_back(country);
  query->estimated = counts->estimated;

  auto rows = store_->SearchFindings(*query, *offset, *size);
  if (!rows.ok()) return rows.status();
  std::map<std::string, absl::StatusOr<av1::Profile>> profiles;
  for (const auto& row : *rows) {
    auto it = profiles.find(row.profile);
    if (it == profiles.end()) {
      av1::GetProfileRequest get;
      get.set_name(row.profile);
      get.set_language(*language);
      it = profiles.emplace(row.profile, profiles_->GetProfile(get, caller)).first;
    }
    if (!it->second.ok()) {
      // Deleted (or made a draft) since the search read it: it is not a hit any more.
      if (absl::IsNotFound(it->second.status()) || absl::IsPermissionDenied(it->second.status()) ||
          absl::IsUnauthenticated(it->second.status())) {
        continue;
      }
      return it->second.status();
    }
    const av1::Profile& p = *it->second;
    av1::FindingHit* hit = resp.add_hits();
    hit->set_profile(row.profile);
    hit->set_profile_title(p.display_title());
    hit->set_country(row.country);
    hit->set_country_display_name(names[row.country]);
    hit->set_level(p.level());
    if (p.has_local_unit()) *hit->mutable_local_unit() = p.local_unit();
    hit->set_edition(p.edition());
    *hit->mutable_publication_month() = p.publication_month();
    hit->set_state(p.state());
    hit->set_domain(row.domain);
    hit->set_group(static_cast<av1::FindingGroup>(row.group));
    hit->set_finding_id(row.finding_id);
    hit->set_text(row.text);
    hit->set_language(row.language);
    hit->set_language_fallback(row.fallback);
    hit->set_relevance_level(row.relevance_level);
    Segmented seg = Segment(row.text);
    std::vector<av1::TextRange> matches = Matches(seg, query->terms);
    for (const auto& m : matches) *hit->add_highlights() = m;
    *hit->mutable_snippet() = Snip(row.text, seg, matches, 200);
  }
  // An estimated total is no end: a full page may have more after it.
  const bool more = counts->estimated ? static_cast<int64_t>(rows->size()) == *size
                                      : *offset + *size < counts->total;
  if (more) {
    resp.set_next_page_token(EncodePageToken(*offset + *size, scope));
  }
  return resp;
}

}  // namespace mgi::assessment
