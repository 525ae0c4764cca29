#include "services/assessment/sqlite_finding_index.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "services/common/text.h"
#include "services/assessment/sqlite_profile_store.h"
#include "services/assessment/sqlite_statements.h"

namespace mgi::assessment {
namespace {

namespace av1 = mgi::assessment::v1;

absl::Status SqlError(sqlite3* db, const std::string& what) {
  return absl::InternalError(absl::StrCat("sqlite: ", what, ": ", sqlite3_errmsg(db)));
}

// A prepared statement with numbered parameters, finalized on scope exit.
class Query {
 public:
  Query(sqlite3* db, const std::string& sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Query() { sqlite3_finalize(stmt_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  absl::Status ok() const { return rc_ == SQLITE_OK ? absl::OkStatus() : SqlError(db_, "prepare"); }
  Query& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Query& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string Blob(int col) {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(static_cast<const char*>(p), n) : std::string();
  }
  std::string Text(int col) {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

std::string Quote(const std::string& word) {
  // Search keys hold letters, digits, marks and single spaces only; doubling quotes keeps the
  // expression well-formed whatever a caller passes.
  std::string out = "\"";
  for (char c : word) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  return out + "\"";
}

// The FTS5 phrase of `words` ("a" + "b" + "c"*).
std::string Phrase(const std::vector<std::string>& words, bool prefix) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < words.size(); ++i) {
    parts.push_back(Quote(words[i]) + (prefix && i + 1 == words.size() ? "*" : ""));
  }
  return absl::StrJoin(parts, " + ");
}

// A filter token of the `tags` column: a kind letter, then the value in hex (names) or decimal
// (numbers), so that every token is one unicode61 token and no two values share one.
std::string Tag(char kind, std::string_view value) {
  static const char* kHex = "0123456789abcdef";
  std::string out(1, kind);
  for (unsigned char c : value) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}
std::string Tag(char kind, int64_t value) { return absl::StrCat(std::string(1, kind), value); }

// The tags of one index row: the selective filters' values, and "a" (every row: the expression
// of a search with neither words nor tag filters). The language rule and the profile's state
// are not tags: every row would carry the common values, and FTS5 reads a tag's whole doclist
// when the query names it (the reverted attempt, docs/performance.md); they are checked on the
// hits instead (HitConditions).
std::string RowTags(const av1::Profile& p, const IndexedFinding& f) {
  return absl::StrJoin({std::string("a"), Tag('c', p.country()), Tag('v', int64_t{p.level()}),
                        Tag('e', int64_t{p.edition()}),
                        Tag('y', int64_t{p.publication_month().year()}), Tag('d', f.domain),
                        Tag('g', int64_t{f.group})},
                       " ");
}

// The FTS5 expression of `q`: words in `body`, tag filters in `tags`; `country` overrides the
// filter's country.
std::string MatchExpr(const FindingQuery& q, HitLevel level, const std::string* country = nullptr) {
  std::vector<std::string> tags;
  if (country != nullptr) {
    tags.push_back(Tag('c', *country));
  } else if (q.country) {
    tags.push_back(Tag('c', *q.country));
  }
  if (q.domain) tags.push_back(Tag('d', *q.domain));
  if (q.group) tags.push_back(Tag('g', int64_t{*q.group}));
  if (q.level) tags.push_back(Tag('v', int64_t{*q.level}));
  if (q.edition) tags.push_back(Tag('e', int64_t{*q.edition}));
  if (q.publication_year) tags.push_back(Tag('y', int64_t{*q.publication_year}));
  if (tags.empty() && q.terms.empty()) tags.push_back("a");
  std::string e;
  if (!q.terms.empty()) {
    e = absl::StrCat("body : (", Fts5Match(q.terms, level == HitLevel::kTogether), ")");
  }
  if (!tags.empty()) {
    e = absl::StrCat(e, e.empty() ? "" : " AND ", "tags : (", absl::StrJoin(tags, " AND "), ")");
  }
  if (level == HitLevel::kApart) {
    e = absl::StrCat("(", e, ") NOT body : (", Fts5Match(q.terms, true), ")");
  }
  return e;
}

// The conditions every hit must meet besides the expression (?1), on `fi` (finding_index) and
// `p` (profiles): the text in the language searched (?2), else the finding's own text when it
// has none in it (?3: " language "); the states allowed (numbers, written in).
std::string HitConditions(const FindingQuery& q) {
  std::string c = "(fi.language = ?2 OR (fi.own = 1 AND instr(fi.langs, ?3) = 0))";
  if (!q.states.empty()) {
    std::vector<std::string> states;
    for (int s : q.states) states.push_back(absl::StrCat(s));
    absl::StrAppend(&c, " AND p.state IN (", absl::StrJoin(states, ", "), ")");
  }
  return c;
}

constexpr char kHitsFrom[] =
    " FROM finding_fts f JOIN finding_index fi ON fi.id = f.rowid"
    " JOIN profiles p ON p.name = fi.profile WHERE finding_fts MATCH ?1 AND ";

void BindHit(Query& q, const FindingQuery& query, const std::string& expr) {
  q.Bind(1, expr).Bind(2, query.language).Bind(3, absl::StrCat(" ", query.language, " "));
}

// The first `limit` hits of `expr` in rowid order: their countries, and the last one's rowid.
struct Probe {
  std::map<std::string, int64_t> countries;
  int64_t hits = 0;
  int64_t last = 0;
};
absl::StatusOr<Probe> ProbeHits(sqlite3* db, const FindingQuery& query, const std::string& expr,
                                int64_t limit) {
  Query q(db, absl::StrCat("SELECT f.rowid, fi.country", kHitsFrom, HitConditions(query),
                           " ORDER BY f.rowid LIMIT ?4"));
  if (auto s = q.ok(); !s.ok()) return s;
  BindHit(q, query, expr);
  q.Bind(4, limit);
  Probe probe;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    ++probe.hits;
    probe.last = q.Int(0);
    ++probe.countries[q.Text(1)];
  }
  if (rc != SQLITE_DONE) return SqlError(db, "count findings");
  return probe;
}

// Every country with indexed findings, by resource name.
absl::StatusOr<std::vector<std::string>> IndexedCountries(sqlite3* db) {
  Query q(db, "SELECT country FROM finding_countries ORDER BY country");
  if (auto s = q.ok(); !s.ok()) return s;
  std::vector<std::string> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(q.Text(0));
  if (rc != SQLITE_DONE) return SqlError(db, "list countries");
  return out;
}

// The sort columns of a page, `relevance` first.
constexpr char kOrder[] =
    " ORDER BY relevance, ord, country, local_key, edition DESC, profile, domain_index, grp,"
    " position";

// One page of the hits of ?1 (HitConditions: ?2, ?3) in the search order, ?5 rows from ?6: the
// page's ids first (small sort records, top-k), then their rows. `relevance`: an SQL expression,
// which may use ?4.
std::string PageSql(const FindingQuery& query, const std::string& relevance) {
  return absl::StrCat(
      "WITH page AS (SELECT fi.id AS id, ", relevance,
      " AS relevance, coalesce(o.ord, 1e18) AS ord, fi.country AS country,"
      " p.local_key AS local_key, p.edition AS edition, fi.profile AS profile,"
      " fi.domain_index AS domain_index, fi.grp AS grp, fi.position AS position",
      absl::StrReplaceAll(kHitsFrom, {{" WHERE", " LEFT JOIN temp.search_country_order o"
                                                 " ON o.country = fi.country WHERE"}}),
      HitConditions(query), kOrder,
      " LIMIT ?5 OFFSET ?6) SELECT fi.profile, page.country, fi.finding_id, fi.domain, fi.grp,"
      " fi.language, fi.text, page.relevance, instr(fi.langs, ?3) = 0"
      " FROM page JOIN finding_index fi ON fi.id = page.id",
      absl::StrReplaceAll(kOrder, {{"relevance", "page.relevance"},
                                   {"ord,", "page.ord,"},
                                   {"country,", "page.country,"},
                                   {"local_key", "page.local_key"},
                                   {"edition DESC", "page.edition DESC"},
                                   {" profile,", " page.profile,"},
                                   {"domain_index", "page.domain_index"},
                                   {"grp,", "page.grp,"},
                                   {"position", "page.position"}}));
}

absl::Status ReadPage(sqlite3* db, Query& q, std::vector<FindingRow>* rows) {
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    FindingRow r;
    r.profile = q.Text(0);
    r.country = q.Text(1);
    r.finding_id = q.Text(2);
    r.domain = q.Text(3);
    r.group = static_cast<int>(q.Int(4));
    r.language = q.Text(5);
    r.text = q.Text(6);
    r.relevance_level = static_cast<int>(q.Int(7));
    r.fallback = q.Int(8) != 0;
    rows->push_back(std::move(r));
  }
  return rc == SQLITE_DONE ? absl::OkStatus() : SqlError(db, "search findings");
}

// Keeps finding_countries in step with finding_index for `country`.
absl::Status SyncCountry(sqlite3* db, const std::string& country) {
  Query q(db, "SELECT EXISTS (SELECT 1 FROM finding_index WHERE country = ?1)");
  if (auto s = q.ok(); !s.ok()) return s;
  q.Bind(1, country);
  if (q.Step() != SQLITE_ROW) return SqlError(db, "index countries");
  Query w(db, q.Int(0) ? "INSERT OR IGNORE INTO finding_countries (country) VALUES (?1)"
                       : "DELETE FROM finding_countries WHERE country = ?1");
  if (auto s = w.ok(); !s.ok()) return s;
  w.Bind(1, country);
  if (w.Step() != SQLITE_DONE) return SqlError(db, "index countries");
  return absl::OkStatus();
}

}  // namespace

const std::string& FirstFindingIndexMigration() {
  // Schema migration 5 (4 -> 5): the first key-finding index, replaced by migration 7
  // (FindingIndexMigration), which drops these tables; kept so that the numbers hold.
  static const auto* kSql = new std::string(R"sql(
CREATE TABLE finding_index (
  id INTEGER PRIMARY KEY,
  profile TEXT NOT NULL,
  finding_id TEXT NOT NULL,
  language TEXT NOT NULL,
  own INTEGER NOT NULL,
  langs TEXT NOT NULL,
  domain TEXT NOT NULL,
  domain_index INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  position INTEGER NOT NULL,
  publication_year INTEGER NOT NULL,
  text TEXT NOT NULL);
CREATE INDEX finding_index_profile ON finding_index (profile);
CREATE INDEX finding_index_domain ON finding_index (domain, language);
CREATE VIRTUAL TABLE finding_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
)sql");
  return *kSql;
}

const std::string& FindingIndexMigration() {
  // Schema migration 7 (6 -> 7): the key-finding index with the selective filters as FTS5 tokens
  // (`tags`: RowTags), so that a search can read one country's hits without the others', and
  // the countries that have findings (the walk of SearchFindings). `own`: this row's language is
  // the one the finding is shown in when the language searched is not in `langs` (" en es ").
  static const auto* kSql = new std::string(R"sql(
DROP TABLE finding_fts;
DROP TABLE finding_index;
CREATE TABLE finding_index (
  id INTEGER PRIMARY KEY,
  profile TEXT NOT NULL,
  country TEXT NOT NULL,
  finding_id TEXT NOT NULL,
  language TEXT NOT NULL,
  own INTEGER NOT NULL,
  langs TEXT NOT NULL,
  domain TEXT NOT NULL,
  domain_index INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  position INTEGER NOT NULL,
  text TEXT NOT NULL);
CREATE INDEX finding_index_profile ON finding_index (profile);
CREATE INDEX finding_index_country ON finding_index (country);
CREATE TABLE finding_countries (country TEXT PRIMARY KEY);
CREATE VIRTUAL TABLE finding_fts USING fts5(body, tags,
  tokenize = 'unicode61 remove_diacritics 2');
)sql");
  return *kSql;
}

std::string Fts5Match(const std::vector<SearchTerm>& terms, bool together) {
  if (together) {
    std::vector<std::string> words;
    for (const auto& t : terms) words.insert(words.end(), t.words.begin(), t.words.end());
    return Phrase(words, !terms.empty() && terms.back().prefix);
  }
  std::vector<std::string> parts;
  for (const auto& t : terms) parts.push_back(Phrase(t.words, t.prefix));
  return absl::StrJoin(parts, " AND ");
}

absl::Status WriteFindingIndex(sqlite3* db, const std::string& name, const av1::Profile* p) {
  std::string old_country;
  {
    Query old(db, "SELECT country FROM finding_index WHERE profile = ?1 LIMIT 1");
    if (auto s = old.ok(); !s.ok()) return s;
    old.Bind(1, name);
    if (old.Step() == SQLITE_ROW) old_country = old.Text(0);
    Query del_fts(db,
                  "DELETE FROM finding_fts WHERE rowid IN"
                  " (SELECT id FROM finding_index WHERE profile = ?1)");
    if (auto s = del_fts.ok(); !s.ok()) return s;
    del_fts.Bind(1, name);
    if (del_fts.Step() != SQLITE_DONE) return SqlError(db, "unindex findings");
    Query del(db, "DELETE FROM finding_index WHERE profile = ?1");
    if (auto s = del.ok(); !s.ok()) return s;
    del.Bind(1, name);
    if (del.Step() != SQLITE_DONE) return SqlError(db, "unindex findings");
  }
  if (p != nullptr) {
    Query row(db,
              "INSERT INTO finding_index (profile, country, finding_id, language, own, langs,"
              " domain, domain_index, grp, position, text)"
              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    Query fts(db,
              "INSERT INTO finding_fts (rowid, body, tags) VALUES (last_insert_rowid(), ?1, ?2)");
    for (const Query* q : {&row, &fts}) {
      if (auto s = q->ok(); !s.ok()) return s;
    }
    for (const IndexedFinding& f : FindingsToIndex(*p)) {
      row.Reset();
      row.Bind(1, name).Bind(2, p->country()).Bind(3, f.finding_id).Bind(4, f.language);
      row.Bind(5, int64_t{f.own ? 1 : 0}).Bind(6, f.langs).Bind(7, f.domain);
      row.Bind(8, int64_t{f.domain_index}).Bind(9, int64_t{f.group});
      row.Bind(10, int64_t{f.position}).Bind(11, f.text);
      if (row.Step() != SQLITE_DONE) return SqlError(db, "index finding");
      fts.Reset();
      fts.Bind(1, text::SearchKey(f.text)).Bind(2, RowTags(*p, f));
      if (fts.Step() != SQLITE_DONE) return SqlError(db, "index finding text");
    }
    if (auto s = SyncCountry(db, p->country()); !s.ok()) return s;
  }
  if (!old_country.empty() && (p == nullptr || old_country != p->country())) {
    if (auto s = SyncCountry(db, old_country); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status RebuildFindingIndex(sqlite3* db) {
  if (auto s = Exec(db,
                    "DELETE FROM finding_index; DELETE FROM finding_fts;"
                    " DELETE FROM finding_countries;");
      !s.ok()) {
    return s;
  }
  Query all(db, "SELECT name, data FROM profiles");
  if (auto s = all.ok(); !s.ok()) return s;
  int rc;
  while ((rc = all.Step()) == SQLITE_ROW) {
    av1::Profile p;
    if (!p.ParseFromString(all.Blob(1))) return absl::DataLossError("corrupt profile " + all.Text(0));
    if (auto s = WriteFindingIndex(db, all.Text(0), &p); !s.ok()) return s;
  }
  if (rc != SQLITE_DONE) return SqlError(db, "read profiles to index");
  return absl::OkStatus();
}

absl::StatusOr<FindingCounts> SqliteProfileStore::CountFindings(const FindingQuery& query) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3* db = db_.get();
  auto probe = ProbeHits(db, query, MatchExpr(query, HitLevel::kAll), kExactFindingCount + 1);
  if (!probe.ok()) return probe.status();
  FindingCounts counts;
  if (probe->hits <= kExactFindingCount) {
    for (auto& [country, n] : probe->countries) {
      counts.countries.emplace_back(country, n);
      counts.total += n;
    }
    return counts;
  }
  // Too many to count: where the limit-th hit lies among the index's rowids says about how many
  // there are (hits spread over the rowids as findings do), and every indexed country may have
  // some.
  // Two subqueries: each is one B-tree seek (one query with both scans the table).
  Query span(db,
             "SELECT (SELECT min(id) FROM finding_index), (SELECT max(id) FROM finding_index)");
  if (auto s = span.ok(); !s.ok()) return s;
  if (span.Step() != SQLITE_ROW) return SqlError(db, "count findings");
  const int64_t first = span.Int(0), last = span.Int(1);
  const double share =
      static_cast<double>(probe->last - first + 1) / static_cast<double>(last - first + 1);
  counts.total = std::max(probe->hits, static_cast<int64_t>(probe->hits / share));
  counts.estimated = true;
  if (query.country) {
    counts.countries.emplace_back(*query.country, 0);
  } else {
    auto countries = IndexedCountries(db);
    if (!countries.ok()) return countries.status();
    for (auto& c : *countries) counts.countries.emplace_back(std::move(c), 0);
  }
  return counts;
}

absl::StatusOr<std::vector<FindingRow>> SqliteProfileStore::SearchFindings(
    const FindingQuery& query, int64_t offset, int64_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3* db = db_.get();
  std::vector<FindingRow> rows;
  const std::string expr = MatchExpr(query, HitLevel::kAll);
  bool many = query.estimated.value_or(false);
  if (!query.estimated) {
    auto probe = ProbeHits(db, query, expr, kExactFindingCount + 1);
    if (!probe.ok()) return probe.status();
    many = probe->hits > kExactFindingCount;
  }
  if (!many) {
    // Few hits: sort them all (the country order as a temporary table of this connection; the
    // mutex makes it ours), cut the page.
    if (auto s = Exec(db,
                      "CREATE TEMP TABLE IF NOT EXISTS search_country_order"
                      " (country TEXT PRIMARY KEY, ord INTEGER NOT NULL);"
                      " DELETE FROM temp.search_country_order;");
        !s.ok()) {
      return s;
    }
    Query ins(db, "INSERT OR IGNORE INTO temp.search_country_order (country, ord) VALUES (?1, ?2)");
    if (auto s = ins.ok(); !s.ok()) return s;
    for (size_t i = 0; i < query.country_order.size(); ++i) {
      ins.Reset();
      ins.Bind(1, query.country_order[i]).Bind(2, static_cast<int64_t>(i));
      if (ins.Step() != SQLITE_DONE) return SqlError(db, "country order");
    }
    std::string relevance = "1";
    if (query.terms.size() > 1) {
      relevance =
          "CASE WHEN fi.id IN (SELECT rowid FROM finding_fts WHERE finding_fts MATCH ?4)"
          " THEN 1 ELSE 2 END";
    }
    Query q(db, PageSql(query, relevance));
    if (auto s = q.ok(); !s.ok()) return s;
    BindHit(q, query, expr);
    q.Bind(5, limit).Bind(6, offset);
    if (query.terms.size() > 1) q.Bind(4, MatchExpr(query, HitLevel::kTogether));
    if (auto s = ReadPage(db, q, &rows); !s.ok()) return s;
    return rows;
  }
  // Many hits: the country walk, each country's hits found through its FTS5 token.
  auto stored = IndexedCountries(db);
  if (!stored.ok()) return stored.status();
  // No country order table here: every row of one query has the same country.
  Query page(db, absl::StrReplaceAll(PageSql(query, "?4"),
                                     {{" LEFT JOIN temp.search_country_order o"
                                       " ON o.country = fi.country",
                                       ""},
                                      {"coalesce(o.ord, 1e18)", "0"}}));
  if (auto s = page.ok(); !s.ok()) return s;
  Query count(db, absl::StrCat("SELECT count(*)", kHitsFrom, HitConditions(query)));
  if (auto s = count.ok(); !s.ok()) return s;
  CountryWalk walk;
  walk.count = [&](HitLevel level, const std::string& country) -> absl::StatusOr<int64_t> {
    count.Reset();
    BindHit(count, query, MatchExpr(query, level, &country));
    if (count.Step() != SQLITE_ROW) return SqlError(db, "count findings");
    return count.Int(0);
  };
  walk.page = [&](HitLevel level, int relevance, const std::string& country, int64_t skip,
                  int64_t n, std::vector<FindingRow>* out) {
    page.Reset();
    BindHit(page, query, MatchExpr(query, level, &country));
    page.Bind(4, int64_t{relevance}).Bind(5, n).Bind(6, skip);
    return ReadPage(db, page, out);
  };
  return WalkCountries(query, *std::move(stored), offset, limit, walk);
}

}  // namespace mgi::assessment
