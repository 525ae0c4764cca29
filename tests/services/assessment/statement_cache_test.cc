// StatementCache (services/assessment/sqlite_statements.h): a reused statement gives the same
// answers as a fresh one, never keeps a binding or a read open between uses, and two live uses of
// one SQL text never share a statement.
#include "services/assessment/sqlite_statements.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

namespace mgi::assessment {
namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db_, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER);"
                                "INSERT INTO t VALUES ('a', 1), ('b', 2);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  void TearDown() override {
    cache_.reset();
    sqlite3_close(db_);
  }
  // v of key k through the cache, or -1 when absent.
  int64_t Lookup(const std::string& k) {
    int rc = 0;
    bool owned = false;
    sqlite3_stmt* st = cache_->Acquire("SELECT v FROM t WHERE k = ?1", &rc, &owned);
    EXPECT_EQ(rc, SQLITE_OK);
    sqlite3_bind_text(st, 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    cache_->Release(st, owned);
    return v;
  }
  sqlite3* db_ = nullptr;
  std::unique_ptr<StatementCache> cache_;
};

TEST_F(StatementCacheTest, ReusedStatementAnswersLikeAFreshOneAndSeesWrites) {
  cache_ = std::make_unique<StatementCache>(db_);
  EXPECT_EQ(Lookup("a"), 1);
  EXPECT_EQ(Lookup("b"), 2);
  EXPECT_EQ(Lookup("zz"), -1);
  EXPECT_EQ(cache_->size(), 1u);
  // A write after a reused read is seen by the next use (no read transaction left open).
  ASSERT_EQ(sqlite3_exec(db_, "UPDATE t SET v = 7 WHERE k = 'a'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(Lookup("a"), 7);
  // Bindings are cleared on release: an unbound parameter is NULL and matches nothing.
  int rc = 0;
  bool owned = false;
  sqlite3_stmt* st = cache_->Acquire("SELECT v FROM t WHERE k = ?1", &rc, &owned);
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
  cache_->Release(st, owned);
}

TEST_F(StatementCacheTest, TwoLiveUsesOfOneTextGetTwoStatements) {
  cache_ = std::make_unique<StatementCache>(db_);
  int rc = 0;
  bool owned1 = false, owned2 = false;
  sqlite3_stmt* a = cache_->Acquire("SELECT k FROM t ORDER BY k", &rc, &owned1);
  sqlite3_stmt* b = cache_->Acquire("SELECT k FROM t ORDER BY k", &rc, &owned2);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_FALSE(owned1);
  EXPECT_TRUE(owned2);
  ASSERT_EQ(sqlite3_step(a), SQLITE_ROW);
  ASSERT_EQ(sqlite3_step(b), SQLITE_ROW);
  ASSERT_EQ(sqlite3_step(b), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(a, 0))), "a");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(b, 0))), "b");
  cache_->Release(b, owned2);
  cache_->Release(a, owned1);
  EXPECT_EQ(cache_->size(), 1u);
}

TEST_F(StatementCacheTest, BadSqlIsAnErrorAndFullCachePreparesPerUse) {
  cache_ = std::make_unique<StatementCache>(db_, 1);
  int rc = 0;
  bool owned = false;
  EXPECT_EQ(cache_->Acquire("SELECT nope FROM nowhere", &rc, &owned), nullptr);
  EXPECT_NE(rc, SQLITE_OK);
  EXPECT_EQ(Lookup("b"), 2);
  sqlite3_stmt* other = cache_->Acquire("SELECT COUNT(*) FROM t", &rc, &owned);
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(owned);  // the one slot is taken
  ASSERT_EQ(sqlite3_step(other), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(other, 0), 2);
  cache_->Release(other, owned);
  EXPECT_EQ(cache_->size(), 1u);
}

}  // namespace
}  // namespace mgi::assessment
