#include "services/assessment/postgres_finding_index.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/text.h"

namespace mgi::assessment {
namespace {

namespace av1 = mgi::assessment::v1;

// PostgreSQL's limits: a lexeme of at most 2047 bytes, positions up to 16383.
constexpr size_t kMaxLexemeBytes = 2046;
constexpr int kMaxPosition = 16383;

// `word` as a quoted lexeme: cut to PostgreSQL's limit at a character boundary (the query's
// words are cut the same way, so a long word still finds itself), quotes and backslashes escaped.
std::string Lexeme(const std::string& word) {
  size_t n = word.size();
  if (n > kMaxLexemeBytes) {
    n = kMaxLexemeBytes;
    while (n > 0 && (static_cast<unsigned char>(word[n]) & 0xC0) == 0x80) --n;
  }
  std::string out = "'";
  for (size_t i = 0; i < n; ++i) {
    if (word[i] == '\'' || word[i] == '\\') out.push_back('\\');
    out.push_back(word[i]);
  }
  return out + "'";
}

std::string Phrase(const std::vector<std::string>& words, bool prefix) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < words.size(); ++i) {
    parts.push_back(Lexeme(words[i]) + (prefix && i + 1 == words.size() ? ":*" : ""));
  }
  return absl::StrCat("(", absl::StrJoin(parts, " <-> "), ")");
}

// A text[] literal ({"a","b"}).
std::string TextArray(const std::vector<std::string>& values) {
  std::vector<std::string> parts;
  for (const auto& v : values) {
    std::string q = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') q.push_back('\\');
      q.push_back(c);
    }
    parts.push_back(q + "\"");
  }
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

// A filter value as a lexeme of the `tags` column: a kind letter, a colon and the value.
std::string Tag(char kind, const std::string& value) {
  return Lexeme(absl::StrCat(std::string(1, kind), ":", value));
}
std::string Tag(char kind, int64_t value) { return Tag(kind, std::to_string(value)); }

// The `tags` tsvector literal of one index row.
std::string RowTags(const av1::Profile& p, const IndexedFinding& f) {
  return absl::StrJoin({Tag('d', f.domain), Tag('g', int64_t{f.group}),
                        Tag('v', int64_t{p.level()}), Tag('e', int64_t{p.edition()}),
                        Tag('y', int64_t{p.publication_month().year()})},
                       " ");
}

// The conditions of a finding query and their parameters ($1, $2...), shared by count and search.
struct Where {
  std::vector<PgParam> params;
  std::string sql;  // " FROM ... WHERE ..."
  std::string Param(PgParam p) {
    params.push_back(std::move(p));
    return absl::StrCat("$", params.size());
  }
};

// `country` overrides the filter's country.
Where MakeWhere(const FindingQuery& q, HitLevel level = HitLevel::kAll,
                const std::string* country = nullptr) {
  Where w;
  std::vector<std::string> conds;
  if (!q.terms.empty()) {
    conds.push_back(absl::StrCat(
        "fi.body @@ ", w.Param(PgParam::Text(PgTsQuery(q.terms, level == HitLevel::kTogether))),
        "::tsquery"));
    if (level == HitLevel::kApart) {
      conds.push_back(absl::StrCat("NOT fi.body @@ ",
                                   w.Param(PgParam::Text(PgTsQuery(q.terms, true))), "::tsquery"));
    }
  }
  // The text in the language searched, else the finding's own text when it has none in it.
  std::string lang = w.Param(PgParam::Text(q.language));
  std::string spaced = w.Param(PgParam::Text(absl::StrCat(" ", q.language, " ")));
  conds.push_back(absl::StrCat("(fi.language = ", lang, "::text OR (fi.own AND strpos(fi.langs, ",
                               spaced, "::text) = 0))"));
  // The filters on the finding's own values as tags (one GIN index scan with the words).
  std::vector<std::string> tags;
  if (q.domain) tags.push_back(Tag('d', *q.domain));
  if (q.group) tags.push_back(Tag('g', int64_t{*q.group}));
  if (q.level) tags.push_back(Tag('v', int64_t{*q.level}));
  if (q.edition) tags.push_back(Tag('e', int64_t{*q.edition}));
  if (q.publication_year) tags.push_back(Tag('y', int64_t{*q.publication_year}));
  if (!tags.empty()) {
    conds.push_back(absl::StrCat(
        "fi.tags @@ ", w.Param(PgParam::Text(absl::StrJoin(tags, " & "))), "::tsquery"));
  }
  if (country != nullptr) {
    conds.push_back("fi.country = " + w.Param(PgParam::Text(*country)) + "::text");
  } else if (q.country) {
    conds.push_back("fi.country = " + w.Param(PgParam::Text(*q.country)) + "::text");
  }
  if (!q.states.empty()) {
    std::vector<std::string> states;
    for (int s : q.states) states.push_back(std::to_string(s));
    conds.push_back(absl::StrCat("p.state = ANY(",
                                 w.Param(PgParam::Text(absl::StrCat(
                                     "{", absl::StrJoin(states, ","), "}"))),
                                 "::int8[])"));
  }
  w.sql = absl::StrCat(" FROM finding_index fi JOIN profiles p ON p.name = fi.profile WHERE ",
                       absl::StrJoin(conds, " AND "));
  return w;
}

// The first `limit` hits of `query` as the server returns them, and their countries.
struct Probe {
  std::map<std::string, int64_t> countries;
  int64_t hits = 0;
};
absl::StatusOr<Probe> ProbeHits(PgConnection& c, const FindingQuery& query, int64_t limit) {
  Where w = MakeWhere(query);
  auto r = c.Query(absl::StrCat("SELECT fi.country", w.sql, " LIMIT ",
                                w.Param(PgParam::Int(limit)), "::int8"),
                   w.params);
  if (!r.ok()) return r.status();
  Probe probe;
  for (int i = 0; i < r->rows(); ++i) {
    ++probe.hits;
    ++probe.countries[r->Text(i, 0)];
  }
  return probe;
}

// Every country with profiles, by resource name: one index probe per country (a loose scan of
// profiles_order), not a scan of every profile.
absl::StatusOr<std::vector<std::string>> StoredCountries(PgConnection& c) {
  auto r = c.Query(
      "WITH RECURSIVE c (country) AS (SELECT min(country) FROM profiles UNION ALL"
      " SELECT (SELECT min(country) FROM profiles WHERE country > c.country) FROM c"
      " WHERE c.country IS NOT NULL) SELECT country FROM c WHERE country IS NOT NULL",
      {});
  if (!r.ok()) return r.status();
  std::vector<std::string> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(r->Text(i, 0));
  return out;
}

absl::Status ReadRows(const PgResult& r, std::vector<FindingRow>* rows) {
  for (int i = 0; i < r.rows(); ++i) {
    FindingRow row;
    row.profile = r.Text(i, 0);
    row.country = r.Text(i, 1);
    row.finding_id = r.Text(i, 2);
    row.domain = r.Text(i, 3);
    row.group = static_cast<int>(r.Int(i, 4));
    row.language = r.Text(i, 5);
    row.text = r.Text(i, 6);
    row.relevance_level = static_cast<int>(r.Int(i, 7));
    row.fallback = r.Int(i, 8) != 0;
    rows->push_back(std::move(row));
  }
  return absl::OkStatus();
}

}  // namespace

const std::string& PgFindingIndexMigration() {
  // `own`: this row's language is the one the finding is shown in when the language searched is
  // not in `langs` (" en es "). `body`: the text's search words (PgTsVector).
  static const auto* kSql = new std::string(R"sql(
CREATE TABLE finding_index (
  id BIGSERIAL PRIMARY KEY,
  profile TEXT COLLATE "C" NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
  finding_id TEXT NOT NULL,
  language TEXT COLLATE "C" NOT NULL,
  own BOOLEAN NOT NULL,
  langs TEXT NOT NULL,
  domain TEXT COLLATE "C" NOT NULL,
  domain_index INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  position INTEGER NOT NULL,
  publication_year INTEGER NOT NULL,
  text TEXT NOT NULL,
  body TSVECTOR NOT NULL);
CREATE INDEX finding_index_profile ON finding_index (profile);
CREATE INDEX finding_index_domain ON finding_index (domain, language);
CREATE INDEX finding_index_body ON finding_index USING GIN (body);
)sql");
  return *kSql;
}

const std::string& PgFindingCountryMigration() {
  // Emptied, then filled again by RebuildPgFindingIndex in the migration's transaction. `tags`:
  // the row's filter values as lexemes (PgTags), in the same GIN index as the words, so that a
  // search with filters intersects their posting lists inside the index. The GIN
  // index without its pending list (fastupdate): with it, every search after a write scanned the
  // list of entries not yet merged (10 ms for a word of 320 hits until a VACUUM); profile writes
  // are rare, searches are not.
  static const auto* kSql = new std::string(R"sql(
DELETE FROM finding_index;
ALTER TABLE finding_index ADD COLUMN country TEXT COLLATE "C" NOT NULL;
ALTER TABLE finding_index ADD COLUMN tags TSVECTOR NOT NULL;
CREATE INDEX finding_index_country ON finding_index (country);
DROP INDEX finding_index_body;
CREATE INDEX finding_index_body ON finding_index USING GIN (body, tags) WITH (fastupdate = off);
)sql");
  return *kSql;
}

std::string PgTsVector(std::string_view text) {
  std::vector<std::string> words = text::SearchWords(text);
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out.push_back(' ');
    absl::StrAppend(&out, Lexeme(words[i]), ":",
                    std::min(static_cast<int>(i) + 1, kMaxPosition));
  }
  return out;
}

std::string PgTsQuery(const std::vector<SearchTerm>& terms, bool together) {
  if (together) {
    std::vector<std::string> words;
    for (const auto& t : terms) words.insert(words.end(), t.words.begin(), t.words.end());
    return Phrase(words, !terms.empty() && terms.back().prefix);
  }
  std::vector<std::string> parts;
  for (const auto& t : terms) parts.push_back(Phrase(t.words, t.prefix));
  return absl::StrJoin(parts, " & ");
}

absl::Status WritePgFindingIndex(PgConnection& c, const std::string& name, const av1::Profile& p) {
  if (auto r = c.Query("DELETE FROM finding_index WHERE profile = $1", {PgParam::Text(name)});
      !r.ok()) {
    return r.status();
  }
  std::vector<IndexedFinding> rows = FindingsToIndex(p);
  constexpr size_t kColumns = 14;
  constexpr size_t kRowsPerInsert = 500;  // under PostgreSQL's 65535 parameters
  for (size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
    std::vector<PgParam> params;
    std::vector<std::string> values;
    for (size_t i = start; i < std::min(rows.size(), start + kRowsPerInsert); ++i) {
      const IndexedFinding& f = rows[i];
      // ($1, $2, $3, $4::int4 <> 0, ...): one row's values, numbered after the rows before it.
      static const char* const kTypes[kColumns] = {"", "", "", "::int4 <> 0", "", "",
                                                   "::int4", "::int4", "::int4", "::int4", "",
                                                   "::tsvector", "", "::tsvector"};
      std::vector<std::string> row;
      for (size_t k = 0; k < kColumns; ++k) {
        row.push_back(absl::StrCat("$", params.size() + k + 1, kTypes[k]));
      }
      values.push_back(absl::StrCat("(", absl::StrJoin(row, ", "), ")"));
      params.insert(params.end(),
                    {PgParam::Text(name), PgParam::Text(f.finding_id), PgParam::Text(f.language),
                     PgParam::Int(f.own ? 1 : 0), PgParam::Text(f.langs), PgParam::Text(f.domain),
                     PgParam::Int(f.domain_index), PgParam::Int(f.group),
                     PgParam::Int(f.position), PgParam::Int(p.publication_month().year()),
                     PgParam::Text(f.text), PgParam::Text(PgTsVector(f.text)),
                     PgParam::Text(p.country()), PgParam::Text(RowTags(p, f))});
    }
    auto r = c.Query(absl::StrCat("INSERT INTO finding_index (profile, finding_id, language, own,"
                                  " langs, domain, domain_index, grp, position, publication_year,"
                                  " text, body, country, tags) VALUES ",
                                  absl::StrJoin(values, ", ")),
                     params);
    if (!r.ok()) return r.status();
  }
  return absl::OkStatus();
}

absl::Status RebuildPgFindingIndex(PgConnection& c) {
  auto r = c.Query("SELECT name, data FROM profiles ORDER BY name", {});
  if (!r.ok()) return r.status();
  for (int i = 0; i < r->rows(); ++i) {
    av1::Profile p;
    if (!p.ParseFromString(r->Text(i, 1))) {
      return absl::DataLossError("corrupt profile " + r->Text(i, 0));
    }
    if (auto s = WritePgFindingIndex(c, r->Text(i, 0), p); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<FindingCounts> PgCountFindings(PgConnection& c, const FindingQuery& query) {
  auto probe = ProbeHits(c, query, kExactPgFindingCount + 1);
  if (!probe.ok()) return probe.status();
  FindingCounts counts;
  if (probe->hits <= kExactPgFindingCount) {
    for (auto& [country, n] : probe->countries) {
      counts.countries.emplace_back(country, n);
      counts.total += n;
    }
    return counts;
  }
  // Too many to count: the planner's estimate of the rows (from the statistics ANALYZE keeps:
  // the tsvector's most common words, the columns' common values), at least what was counted;
  // the rows come back in no order a position could be read from. Every country may have hits.
  Where w = MakeWhere(query);
  auto plan = c.Query(absl::StrCat("EXPLAIN SELECT fi.id", w.sql), w.params);
  if (!plan.ok()) return plan.status();
  int64_t planned = 0;
  if (plan->rows() > 0) {
    const std::string line = plan->Text(0, 0);
    const size_t at = line.find(" rows=");
    if (at != std::string::npos) planned = std::strtoll(line.c_str() + at + 6, nullptr, 10);
  }
  counts.total = std::max(probe->hits, planned);
  counts.estimated = true;
  if (query.country) {
    counts.countries.emplace_back(*query.country, 0);
  } else {
    auto countries = StoredCountries(c);
    if (!countries.ok()) return countries.status();
    for (auto& country : *countries) counts.countries.emplace_back(std::move(country), 0);
  }
  return counts;
}

absl::StatusOr<std::vector<FindingRow>> PgSearchFindings(PgConnection& c,
                                                         const FindingQuery& query,
                                                         int64_t offset, int64_t limit) {
  constexpr char kColumns[] =
      "SELECT fi.profile, fi.country, fi.finding_id, fi.domain, fi.grp, fi.language, fi.text, ";
  constexpr char kWithinCountry[] =
      "p.local_key, p.edition DESC, fi.profile, fi.domain_index, fi.grp, fi.position";
  std::vector<FindingRow> rows;
  bool many = query.estimated.value_or(false);
  if (!query.estimated) {
    auto probe = ProbeHits(c, query, kExactPgFindingCount + 1);
    if (!probe.ok()) return probe.status();
    many = probe->hits > kExactPgFindingCount;
  }
  if (!many) {
    // Few hits: one SQL sort of them all.
    Where w = MakeWhere(query);
    std::string level = "1";
    if (query.terms.size() > 1) {
      level = absl::StrCat("CASE WHEN fi.body @@ ",
                           w.Param(PgParam::Text(PgTsQuery(query.terms, true))),
                           "::tsquery THEN 1 ELSE 2 END");
    }
    std::string order = w.Param(PgParam::Text(TextArray(query.country_order)));
    std::string spaced = w.Param(PgParam::Text(absl::StrCat(" ", query.language, " ")));
    std::string sql = absl::StrCat(
        kColumns, level, " AS relevance, (strpos(fi.langs, ", spaced, "::text) = 0)::int4", w.sql,
        " ORDER BY relevance, coalesce(array_position(", order,
        "::text[], fi.country::text), 2147483647), fi.country, ", kWithinCountry, " LIMIT ",
        w.Param(PgParam::Int(limit)), "::int8 OFFSET ", w.Param(PgParam::Int(offset)), "::int8");
    auto r = c.Query(sql, w.params);
    if (!r.ok()) return r.status();
    if (auto s = ReadRows(*r, &rows); !s.ok()) return s;
    return rows;
  }
  // Many hits: the country walk, each country's hits found through finding_index_country.
  auto stored = StoredCountries(c);
  if (!stored.ok()) return stored.status();
  CountryWalk walk;
  walk.count = [&](HitLevel level, const std::string& country) -> absl::StatusOr<int64_t> {
    Where w = MakeWhere(query, level, &country);
    auto n = c.Query(absl::StrCat("SELECT count(*)::int8", w.sql), w.params);
    if (!n.ok()) return n.status();
    return n->Int(0, 0);
  };
  walk.page = [&](HitLevel level, int relevance, const std::string& country, int64_t skip,
                  int64_t n, std::vector<FindingRow>* out) {
    Where w = MakeWhere(query, level, &country);
    std::string spaced = w.Param(PgParam::Text(absl::StrCat(" ", query.language, " ")));
    auto r = c.Query(absl::StrCat(kColumns, relevance, "::int8, (strpos(fi.langs, ", spaced,
                                  "::text) = 0)::int4", w.sql, " ORDER BY ", kWithinCountry,
                                  " LIMIT ", w.Param(PgParam::Int(n)), "::int8 OFFSET ",
                                  w.Param(PgParam::Int(skip)), "::int8"),
                     w.params);
    if (!r.ok()) return r.status();
    return ReadRows(*r, out);
  };
  return WalkCountries(query, *std::move(stored), offset, limit, walk);
}

}  // namespace mgi::assessment
