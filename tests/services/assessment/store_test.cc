// SqliteProfileStore on real files: schema migrations from a v1 fixture, durability of
// acknowledged writes across kill -9, no lost update under concurrent read-modify-write.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.h"
#include "services/assessment/sqlite_profile_store.h"

namespace mgi::assessment {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

ProfileWrite CreateWrite(const std::string& name, const std::string& request_id = "") {
  ProfileWrite w;
  w.profile.set_name(name);
  w.profile.set_country("countries/GTM");
  w.profile.set_edition(1);
  w.profile.set_revision(1);
  w.profile.set_etag("\"1\"");
  w.revision.set_action(mgi::assessment::v1::Revision::ACTION_CREATE);
  w.revision.set_actor("t");
  w.request_id = request_id;
  return w;
}

TEST(AssessmentStoreTest, FreshDatabaseIsAtTheCurrentSchemaAndReopens) {
  std::string db = mgi::testing::TempDir("assessment-store") + "/a.db";
  {
    auto store = SqliteProfileStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(*(*store)->SchemaVersion(), static_cast<int>(SchemaMigrations().size()));
    ASSERT_TRUE((*store)->Commit({CreateWrite("profiles/a")}).ok());
  }
  auto store = SqliteProfileStore::Open(db);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->Get("profiles/a").ok());
  EXPECT_TRUE(absl::IsNotFound((*store)->Get("profiles/b").status()));
  EXPECT_TRUE(absl::IsAlreadyExists((*store)->Commit({CreateWrite("profiles/a")})));
}

// Issue 21 item 11: the database and its -wal and -shm files are owner-only whatever the umask,
// and a database left world-readable by an older version is tightened at open.
TEST(AssessmentStoreTest, DatabaseFilesAreOwnerOnlyWhateverTheUmask) {
  auto mode = [](const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  };
  std::string dir = mgi::testing::TempDir("assessment-store-mode");
  mode_t old_umask = ::umask(0);  // the most permissive: files would be 0644 or 0666
  {
    std::string db = dir + "/fresh.db";
    auto store = SqliteProfileStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Commit({CreateWrite("profiles/a")}).ok());
    for (const std::string& path : {db, db + "-wal", db + "-shm"}) {
      EXPECT_EQ(mode(path), 0600u) << path;
    }
  }
  {
    std::string db = dir + "/old.db";
    { std::ofstream(db) << ""; }
    ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
    auto store = SqliteProfileStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Commit({CreateWrite("profiles/a")}).ok());
    for (const std::string& path : {db, db + "-wal", db + "-shm"}) {
      EXPECT_EQ(mode(path), 0600u) << path;
    }
  }
  ::umask(old_umask);
}

TEST(AssessmentStoreTest, FrozenV1FixtureIsMigrationZero) {
  std::string fixture =
      ReadFile(std::string(MGI_SOURCE_DIR) + "/tests/services/assessment/fixtures/schema_v1.sql");
  std::string body = fixture.substr(fixture.find('\n') + 1);
  // Migration 0 must never be edited in place: databases at v1 exist.
  EXPECT_THAT(SchemaMigrations()[0], HasSubstr(body));
}

TEST(AssessmentStoreTest, MigratesAVersionOneDatabase) {
  std::string db = mgi::testing::TempDir("assessment-store") + "/v1.db";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    std::string sql =
        ReadFile(std::string(MGI_SOURCE_DIR) + "/tests/services/assessment/fixtures/schema_v1.sql");
    Profile p;
    p.set_name("profiles/old");
    p.set_country("countries/GTM");
    p.set_edition(1);
    sql += "PRAGMA user_version = 1;";
    sql +=
        "INSERT INTO profiles VALUES ('profiles/old', 'countries/GTM', 1, 1, 1, '', 1, "
        "'\"x\"', X'";
    std::string bytes = p.SerializeAsString();
    static const char* kHex = "0123456789ABCDEF";
    for (unsigned char c : bytes) {
      sql.push_back(kHex[c >> 4]);
      sql.push_back(kHex[c & 15]);
    }
    sql += "');";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(raw);
  }
  auto store = SqliteProfileStore::Open(db);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->SchemaVersion(), 3);
  auto old = (*store)->Get("profiles/old");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->country(), "countries/GTM");
  // v3: a profile stored before the assessment year has none, and filters as such.
  EXPECT_EQ(old->assessment_year(), 0);
  ProfileQuery none;
  none.assessment_year = 0;
  auto listed = (*store)->List(none, 0, 10);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->profiles.size(), 1u);
  EXPECT_EQ(listed->profiles[0].name(), "profiles/old");
  // The v2 table works: request ids.
  ASSERT_TRUE((*store)->Commit({CreateWrite("profiles/new", "rq-1")}).ok());
  EXPECT_EQ(**(*store)->FindRequest("rq-1"), "profiles/new");
  EXPECT_FALSE((*(*store)->FindRequest("rq-2")).has_value());
}

TEST(AssessmentStoreTest, RefusesASchemaNewerThanTheBinary) {
  std::string db = mgi::testing::TempDir("assessment-store") + "/new.db";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto store = SqliteProfileStore::Open(db);
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
}

TEST(AssessmentStoreTest, CommitIsAllOrNothing) {
  std::string db = mgi::testing::TempDir("assessment-store") + "/tx.db";
  auto store = SqliteProfileStore::Open(db);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Commit({CreateWrite("profiles/a")}).ok());
  // The second write fails (duplicate): the first must not stay.
  absl::Status s = (*store)->Commit({CreateWrite("profiles/b"), CreateWrite("profiles/a")});
  EXPECT_TRUE(absl::IsAlreadyExists(s)) << s;
  EXPECT_TRUE(absl::IsNotFound((*store)->Get("profiles/b").status()));
  ProfileWrite stale = CreateWrite("profiles/a");
  stale.kind = ProfileWrite::Kind::kReplace;
  stale.expected_etag = "\"other\"";
  EXPECT_TRUE(absl::IsAborted((*store)->Commit({stale})));
  stale.profile.set_name("profiles/missing");
  EXPECT_TRUE(absl::IsNotFound((*store)->Commit({stale})));
}

TEST(AssessmentStoreTest, AcknowledgedWritesSurviveKillNine) {
  std::string db = mgi::testing::TempDir("assessment-crash") + "/c.db";
  auto writer = mgi::testing::Process::Start(mgi::testing::BinaryPath("assessment_store_writer"),
                                             {db, "100000"});
  ASSERT_TRUE(writer);
  // Wait (with a deadline) until the writer has acknowledged at least 30 commits.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto acked = [&] {
    std::string log = writer->Log();
    size_t n = 0;
    for (size_t pos = 0; (pos = log.find("acked ", pos)) != std::string::npos; ++pos) ++n;
    return n;
  };
  while (acked() < 30 && std::chrono::steady_clock::now() < deadline && writer->Running()) {
    std::this_thread::yield();
  }
  ASSERT_GE(acked(), 30u) << writer->Log();
  ASSERT_TRUE(writer->Signal(SIGKILL));
  ASSERT_TRUE(writer->Wait(std::chrono::seconds(10)).has_value());
  // Every name acknowledged before the kill must be there.
  std::istringstream log(writer->Log());
  std::vector<std::string> names;
  for (std::string line; std::getline(log, line);) {
    if (line.rfind("acked ", 0) == 0) names.push_back(line.substr(6));
  }
  ASSERT_GE(names.size(), 30u);
  auto store = SqliteProfileStore::Open(db);
  ASSERT_TRUE(store.ok()) << store.status();
  for (const auto& name : names) EXPECT_TRUE((*store)->Get(name).ok()) << name;
  auto page = (*store)->List({}, 0, 1000000);
  ASSERT_TRUE(page.ok());
  EXPECT_GE(page->total, static_cast<int64_t>(names.size()));
}

TEST(AssessmentStoreTest, ConcurrentReadModifyWriteLosesNoUpdate) {
  std::string db = mgi::testing::TempDir("assessment-race") + "/r.db";
  auto a = SqliteProfileStore::Open(db);
  auto b = SqliteProfileStore::Open(db);  // a second connection, as another process would have
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Commit({CreateWrite("profiles/counter")}).ok());
  constexpr int kThreads = 8, kIncrements = 25;
  std::atomic<int> aborted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    ProfileStore* store = t % 2 ? b->get() : a->get();
    threads.emplace_back([store, &aborted] {
      for (int i = 0; i < kIncrements;) {
        auto p = store->Get("profiles/counter");
        ASSERT_TRUE(p.ok()) << p.status();
        ProfileWrite w;
        w.kind = ProfileWrite::Kind::kReplace;
        w.expected_etag = p->etag();
        w.profile = *p;
        w.profile.set_edition(p->edition() + 1);
        w.profile.set_revision(p->revision() + 1);
        w.profile.set_etag("\"" + std::to_string(p->revision() + 1) + "\"");
        w.revision.set_action(mgi::assessment::v1::Revision::ACTION_UPDATE);
        absl::Status s = store->Commit({w});
        if (absl::IsAborted(s)) {
          ++aborted;
          continue;  // someone else won: read again
        }
        ASSERT_TRUE(s.ok()) << s;
        ++i;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto p = (*a)->Get("profiles/counter");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->edition(), 1 + kThreads * kIncrements);
  auto revs = (*a)->ListRevisions("profiles/counter", 0, 1000);
  ASSERT_TRUE(revs.ok());
  EXPECT_EQ(revs->total, 1 + kThreads * kIncrements);
  RecordProperty("aborted_retries", aborted.load());
}

}  // namespace
}  // namespace mgi::assessment
