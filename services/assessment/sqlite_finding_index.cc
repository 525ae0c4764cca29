#include "services/assessment/sqlite_finding_index.h"

#include <sqlite3.h>


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

// The WHERE clause and parameters of a finding query (shared by the count and the search).
struct Where {
  std::string from;   // " FROM ..."
  std::string where;  // " WHERE ..."
  std::string sql;    // from + where
  // Bound as ?1, ?2... in the order Param() numbered them.
  struct Value {
    bool is_int = false;
    std::string text;
    int64_t number = 0;
  };
  std::vector<Value> params;
  std::string Param(std::string v) {
    params.push_back(Value{false, std::move(v), 0});
    return absl::StrCat("?", params.size());
  }
  std::string Param(int64_t v) {
    params.push_back(Value{true, "", v});
    return absl::StrCat("?", params.size());
  }
  void Bind(Query& q) const {
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].is_int) {
        q.Bind(static_cast<int>(i + 1), params[i].number);
      } else {
        q.Bind(static_cast<int>(i + 1), params[i].text);
      }
    }
  }
};

// FROM ... WHERE ... of `q`; `fts` when the query has terms.
Where MakeWhere(const FindingQuery& q) {
  Where w;
  std::vector<std::string> conds;
  std::string from;
  if (!q.terms.empty()) {
    from =
        " FROM finding_fts f JOIN finding_index fi ON fi.id = f.rowid"
        " JOIN profiles p ON p.name = fi.profile";
    conds.push_back("finding_fts MATCH " + w.Param(Fts5Match(q.terms, false)));
  } else {
    from = " FROM finding_index fi JOIN profiles p ON p.name = fi.profile";
  }
  std::string lang = w.Param(q.language);
  std::string spaced = w.Param(absl::StrCat(" ", q.language, " "));
  // The text in the language searched, else the finding's own text when it has none in it.
  conds.push_back(absl::StrCat("(fi.language = ", lang, " OR (fi.own = 1 AND instr(fi.langs, ",
                               spaced, ") = 0))"));
  if (q.domain) conds.push_back("fi.domain = " + w.Param(*q.domain));
  if (q.group) conds.push_back("fi.grp = " + w.Param(int64_t{*q.group}));
  if (q.country) conds.push_back("p.country = " + w.Param(*q.country));
  if (q.level) conds.push_back("p.level = " + w.Param(int64_t{*q.level}));
  if (q.edition) conds.push_back("p.edition = " + w.Param(int64_t{*q.edition}));
  if (q.publication_year) {
    conds.push_back("fi.publication_year = " + w.Param(int64_t{*q.publication_year}));
  }
  if (!q.states.empty()) {
    std::vector<std::string> states;
    for (int s : q.states) states.push_back(w.Param(int64_t{s}));
    conds.push_back(absl::StrCat("p.state IN (", absl::StrJoin(states, ", "), ")"));
  }
  w.from = from;
  w.where = absl::StrCat(" WHERE ", absl::StrJoin(conds, " AND "));
  w.sql = w.from + w.where;
  return w;
}

}  // namespace

const std::string& FindingIndexMigration() {
  // Schema migration 5 (4 -> 5): the key-finding index. `own`: this row's language is the one
  // the finding is shown in when the language searched is not in `langs` (" en es ").
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
  {
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
  if (p == nullptr) return absl::OkStatus();
  Query row(db,
            "INSERT INTO finding_index (profile, finding_id, language, own, langs, domain,"
            " domain_index, grp, position, publication_year, text)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  Query fts(db, "INSERT INTO finding_fts (rowid, body) VALUES (last_insert_rowid(), ?1)");
  for (const Query* q : {&row, &fts}) {
    if (auto s = q->ok(); !s.ok()) return s;
  }
  for (const IndexedFinding& f : FindingsToIndex(*p)) {
    row.Reset();
    row.Bind(1, name).Bind(2, f.finding_id).Bind(3, f.language);
    row.Bind(4, int64_t{f.own ? 1 : 0}).Bind(5, f.langs);
    row.Bind(6, f.domain).Bind(7, int64_t{f.domain_index}).Bind(8, int64_t{f.group});
    row.Bind(9, int64_t{f.position}).Bind(10, int64_t{p->publication_month().year()}).Bind(11, f.text);
    if (row.Step() != SQLITE_DONE) return SqlError(db, "index finding");
    fts.Reset();
    fts.Bind(1, text::SearchKey(f.text));
    if (fts.Step() != SQLITE_DONE) return SqlError(db, "index finding text");
  }
  return absl::OkStatus();
}

absl::Status RebuildFindingIndex(sqlite3* db) {
  if (auto s = Exec(db, "DELETE FROM finding_index; DELETE FROM finding_fts;"); !s.ok()) return s;
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
  Where w = MakeWhere(query);
  Query q(db_.get(), absl::StrCat("SELECT p.country, COUNT(*)", w.sql, " GROUP BY p.country"));
  if (auto s = q.ok(); !s.ok()) return s;
  w.Bind(q);
  FindingCounts counts;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    counts.countries.emplace_back(q.Text(0), q.Int(1));
    counts.total += q.Int(1);
  }
  if (rc != SQLITE_DONE) return SqlError(db_.get(), "count findings");
  return counts;
}

absl::StatusOr<std::vector<FindingRow>> SqliteProfileStore::SearchFindings(
    const FindingQuery& query, int64_t offset, int64_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3* db = db_.get();
  // The country order, as a temporary table of this connection (the mutex makes it ours).
  if (auto s = Exec(db,
                    "CREATE TEMP TABLE IF NOT EXISTS search_country_order"
                    " (country TEXT PRIMARY KEY, ord INTEGER NOT NULL);"
                    " DELETE FROM temp.search_country_order;");
      !s.ok()) {
    return s;
  }
  {
    Query ins(db, "INSERT OR IGNORE INTO temp.search_country_order (country, ord) VALUES (?1, ?2)");
    if (auto s = ins.ok(); !s.ok()) return s;
    for (size_t i = 0; i < query.country_order.size(); ++i) {
      ins.Reset();
      ins.Bind(1, query.country_order[i]).Bind(2, static_cast<int64_t>(i));
      if (ins.Step() != SQLITE_DONE) return SqlError(db, "country order");
    }
  }
  Where w = MakeWhere(query);
  std::string level = "1";
  if (query.terms.size() > 1) {
    level = absl::StrCat(
        "CASE WHEN fi.id IN (SELECT rowid FROM finding_fts WHERE finding_fts MATCH ",
        w.Param(Fts5Match(query.terms, true)), ") THEN 1 ELSE 2 END");
  }
  // The page's ids first (small sort records, top-k), then their rows.
  const char* kOrder =
      " ORDER BY relevance, ord, country, local_key, edition DESC, profile, domain_index, grp,"
      " position";
  std::string sql = absl::StrCat(
      "WITH page AS (SELECT fi.id AS id, ", level,
      " AS relevance, coalesce(o.ord, 1e18) AS ord, p.country AS country, p.local_key AS local_key,"
      " p.edition AS edition, fi.profile AS profile, fi.domain_index AS domain_index, fi.grp AS grp,"
      " fi.position AS position",
      w.from, " LEFT JOIN temp.search_country_order o ON o.country = p.country", w.where, kOrder,
      " LIMIT ", w.Param(limit), " OFFSET ", w.Param(offset),
      ") SELECT fi.profile, page.country, fi.finding_id, fi.domain, fi.grp, fi.language, fi.text,"
      " page.relevance, instr(fi.langs, ",
      w.Param(absl::StrCat(" ", query.language, " ")),
      ") = 0 AS fallback FROM page JOIN finding_index fi ON fi.id = page.id",
      absl::StrReplaceAll(kOrder, {{"relevance", "page.relevance"},
                                   {"ord,", "page.ord,"},
                                   {"country,", "page.country,"},
                                   {"local_key", "page.local_key"},
                                   {"edition DESC", "page.edition DESC"},
                                   {" profile,", " page.profile,"},
                                   {"domain_index", "page.domain_index"},
                                   {"grp,", "page.grp,"},
                                   {"position", "page.position"}}));
  Query q(db, sql);
  if (auto s = q.ok(); !s.ok()) return s;
  w.Bind(q);
  std::vector<FindingRow> rows;
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
    rows.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return SqlError(db, "search findings");
  return rows;
}

}  // namespace mgi::assessment
