#include "services/assessment/postgres_finding_index.h"

#include <algorithm>

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

// The conditions of a finding query and their parameters ($1, $2...), shared by count and search.
struct Where {
  std::vector<PgParam> params;
  std::string sql;  // " FROM ... WHERE ..."
  std::string Param(PgParam p) {
    params.push_back(std::move(p));
    return absl::StrCat("$", params.size());
  }
};

Where MakeWhere(const FindingQuery& q) {
  Where w;
  std::vector<std::string> conds;
  if (!q.terms.empty()) {
    conds.push_back(absl::StrCat("fi.body @@ ",
                                 w.Param(PgParam::Text(PgTsQuery(q.terms, false))), "::tsquery"));
  }
  // The text in the language searched, else the finding's own text when it has none in it.
  std::string lang = w.Param(PgParam::Text(q.language));
  std::string spaced = w.Param(PgParam::Text(absl::StrCat(" ", q.language, " ")));
  conds.push_back(absl::StrCat("(fi.language = ", lang, "::text OR (fi.own AND strpos(fi.langs, ",
                               spaced, "::text) = 0))"));
  if (q.domain) conds.push_back("fi.domain = " + w.Param(PgParam::Text(*q.domain)) + "::text");
  if (q.group) conds.push_back("fi.grp = " + w.Param(PgParam::Int(*q.group)) + "::int8");
  if (q.country) conds.push_back("p.country = " + w.Param(PgParam::Text(*q.country)) + "::text");
  if (q.level) conds.push_back("p.level = " + w.Param(PgParam::Int(*q.level)) + "::int8");
  if (q.edition) conds.push_back("p.edition = " + w.Param(PgParam::Int(*q.edition)) + "::int8");
  if (q.publication_year) {
    conds.push_back("fi.publication_year = " + w.Param(PgParam::Int(*q.publication_year)) +
                    "::int8");
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
  constexpr size_t kColumns = 12;
  constexpr size_t kRowsPerInsert = 500;  // under PostgreSQL's 65535 parameters
  for (size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
    std::vector<PgParam> params;
    std::vector<std::string> values;
    for (size_t i = start; i < std::min(rows.size(), start + kRowsPerInsert); ++i) {
      const IndexedFinding& f = rows[i];
      // ($1, $2, $3, $4::int4 <> 0, ...): one row's values, numbered after the rows before it.
      static const char* const kTypes[kColumns] = {"", "", "", "::int4 <> 0", "", "",
                                                   "::int4", "::int4", "::int4", "::int4", "",
                                                   "::tsvector"};
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
                     PgParam::Text(f.text), PgParam::Text(PgTsVector(f.text))});
    }
    auto r = c.Query(absl::StrCat("INSERT INTO finding_index (profile, finding_id, language, own,"
                                  " langs, domain, domain_index, grp, position, publication_year,"
                                  " text, body) VALUES ",
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
  Where w = MakeWhere(query);
  auto r = c.Query(
      absl::StrCat("SELECT p.country, COUNT(*)::int8", w.sql, " GROUP BY p.country ORDER BY 1"),
      w.params);
  if (!r.ok()) return r.status();
  FindingCounts counts;
  for (int i = 0; i < r->rows(); ++i) {
    counts.countries.emplace_back(r->Text(i, 0), r->Int(i, 1));
    counts.total += r->Int(i, 1);
  }
  return counts;
}

absl::StatusOr<std::vector<FindingRow>> PgSearchFindings(PgConnection& c,
                                                         const FindingQuery& query,
                                                         int64_t offset, int64_t limit) {
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
      "SELECT fi.profile, p.country, fi.finding_id, fi.domain, fi.grp, fi.language, fi.text, ",
      level, " AS relevance, (strpos(fi.langs, ", spaced, "::text) = 0)::int4", w.sql,
      " ORDER BY relevance, coalesce(array_position(", order,
      "::text[], p.country::text), 2147483647), p.country, p.local_key, p.edition DESC,"
      " fi.profile, fi.domain_index, fi.grp, fi.position LIMIT ",
      w.Param(PgParam::Int(limit)), "::int8 OFFSET ", w.Param(PgParam::Int(offset)), "::int8");
  auto r = c.Query(sql, w.params);
  if (!r.ok()) return r.status();
  std::vector<FindingRow> rows;
  for (int i = 0; i < r->rows(); ++i) {
    FindingRow row;
    row.profile = r->Text(i, 0);
    row.country = r->Text(i, 1);
    row.finding_id = r->Text(i, 2);
    row.domain = r->Text(i, 3);
    row.group = static_cast<int>(r->Int(i, 4));
    row.language = r->Text(i, 5);
    row.text = r->Text(i, 6);
    row.relevance_level = static_cast<int>(r->Int(i, 7));
    row.fallback = r->Int(i, 8) != 0;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace mgi::assessment
