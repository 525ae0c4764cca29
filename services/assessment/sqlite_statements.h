// Prepared statements kept per SQLite connection: the first use of a SQL text prepares it, later
// uses reset and reuse it, so a point read costs a bind and a step, not a parse and a plan
// (a per-call sqlite3_prepare_v2 was the assessment's largest SQLite cost; docs/performance.md).
// Not thread-safe: the owner uses it under the lock that guards its connection.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace mgi::assessment {

class StatementCache {
 public:
  // At most `capacity` distinct SQL texts are kept (the few dynamic ones, e.g. listing filters,
  // stay far below); beyond that, statements are prepared per use and finalized after it.
  explicit StatementCache(sqlite3* db, size_t capacity = 64) : db_(db), capacity_(capacity) {}
  ~StatementCache() {
    for (auto& [sql, e] : entries_) sqlite3_finalize(e.stmt);
  }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  sqlite3* db() const { return db_; }

  // A statement for `sql`, ready to bind, or null with `*rc` set when it does not prepare. When
  // the cached statement is already in use (two live statements of one text), or the cache is
  // full, a fresh statement is prepared: `*owned` says the caller must finalize it.
  sqlite3_stmt* Acquire(const char* sql, int* rc, bool* owned) {
    *owned = false;
    auto it = entries_.find(sql);
    if (it != entries_.end() && !it->second.in_use) {
      it->second.in_use = true;
      *rc = SQLITE_OK;
      return it->second.stmt;
    }
    sqlite3_stmt* stmt = nullptr;
    *rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (*rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return nullptr;
    }
    if (it == entries_.end() && entries_.size() < capacity_) {
      entries_.emplace(sql, Entry{stmt, true});
    } else {
      *owned = true;
    }
    return stmt;
  }

  // Gives a statement back: reset and its bindings cleared (a cached one), or finalized (owned).
  void Release(sqlite3_stmt* stmt, bool owned) {
    if (stmt == nullptr) return;
    if (owned) {
      sqlite3_finalize(stmt);
      return;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    auto it = entries_.find(sqlite3_sql(stmt));
    if (it != entries_.end() && it->second.stmt == stmt) it->second.in_use = false;
  }

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    sqlite3_stmt* stmt;
    bool in_use;
  };
  sqlite3* db_;
  size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
};

// Runs SQL without results (pragmas, transactions, migrations); INTERNAL with SQLite's message.
inline absl::Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return absl::InternalError(absl::StrCat("sqlite: ", msg));
  }
  return absl::OkStatus();
}

}  // namespace mgi::assessment
