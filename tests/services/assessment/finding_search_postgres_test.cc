// SearchFindings on PostgreSQL: the store conformance tests of finding_search_conformance.h (the
// same ones SQLite passes) on a real server the test starts, the migration that indexes the
// profiles stored before it, and the literals the index is written and queried with.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "finding_search_conformance.h"
#include "services/assessment/postgres_finding_index.h"
#include "services/assessment/postgres_profile_store.h"
#include "shared_postgres.h"
#include "test_profiles.h"

namespace mgi::assessment {
namespace {

PgOptions Options(const std::string& url) {
  PgOptions o;
  o.url = url;
  o.pool_size = 2;
  return o;
}

using testing::FindingSearchConformanceTest;
INSTANTIATE_TEST_SUITE_P(Postgres, FindingSearchConformanceTest,
                         ::testing::Values(testing::StoreFactory{
                             "postgresql", []() -> std::unique_ptr<ProfileStore> {
                               auto* server = testing::SharedPostgres();
                               if (server == nullptr) return nullptr;
                               auto s = PostgresProfileStore::Open(
                                   Options(server->Url(server->CreateDatabase())));
                               EXPECT_TRUE(s.ok()) << s.status();
                               return s.ok() ? std::move(*s) : nullptr;
                             }}));

TEST(PostgresFindingIndexTest, LiteralsHoldTheSearchWordsWithPositionsQuotedAndCut) {
  EXPECT_EQ(PgTsVector("La MIGRACIÓN, l'été"), "'la':1 'migracion':2 'l':3 'ete':4");
  EXPECT_EQ(PgTsVector("🙂 !!"), "");
  auto terms = ParseSearchQuery("\"labour migr\"* trafic")->terms;
  EXPECT_EQ(PgTsQuery(terms, false), "('labour' <-> 'migr':*) & ('trafic')");
  EXPECT_EQ(PgTsQuery(terms, true), "('labour' <-> 'migr' <-> 'trafic')");
  // A word longer than PostgreSQL's 2047-byte lexeme is cut at a character boundary.
  std::string long_word;
  for (int i = 0; i < 1000; ++i) long_word += "é";  // 2 bytes each; "e" in the search key
  std::string cjk;
  for (int i = 0; i < 1000; ++i) cjk += "移";  // 3 bytes each, one word
  std::string v = PgTsVector(cjk);
  EXPECT_EQ(v.size(), 2 + 2046 / 3 * 3 + 2u) << v.substr(0, 20);
  EXPECT_EQ(PgTsVector(long_word), "'" + std::string(1000, 'e') + "':1");
}

TEST(PostgresFindingIndexTest, MigrationIndexesTheProfilesStoredBeforeIt) {
  auto* server = testing::SharedPostgres();
  ASSERT_NE(server, nullptr) << "PostgreSQL did not start (Debian package postgresql)";
  std::string db = server->CreateDatabase();
  {
    auto store = PostgresProfileStore::Open(Options(server->Url(db)));
    ASSERT_TRUE(store.ok()) << store.status();
    ProfileWrite w;
    w.profile = testing::CompleteDraft();
    w.profile.set_name("profiles/old");
    w.profile.set_revision(1);
    w.profile.set_etag("\"1\"");
    (*w.profile.mutable_domains(5)->mutable_well_developed(0)->mutable_text())["en"] =
        "An office against trafficking.";
    w.revision.set_action(av1::Revision::ACTION_CREATE);
    ASSERT_TRUE((*store)->Commit({w}).ok());
  }
  // Back to schema version 4, as a database written before the index was.
  ASSERT_TRUE(server->Query(db, "DROP TABLE finding_index; DROP INDEX profiles_one_published_edition;"
                                " DELETE FROM mgi_schema_migrations WHERE version >= 5"));
  auto store = PostgresProfileStore::Open(Options(server->Url(db)));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->SchemaVersion(), static_cast<int>(PostgresSchemaMigrations().size()));
  FindingQuery q;
  q.terms = ParseSearchQuery("trafficking")->terms;
  auto rows = (*store)->SearchFindings(q, 0, 10);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].profile, "profiles/old");
  EXPECT_EQ((*rows)[0].domain, "domains/safe-orderly-regular-migration");
  auto counts = (*store)->CountFindings(q);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->total, 1);
}

}  // namespace
}  // namespace mgi::assessment
