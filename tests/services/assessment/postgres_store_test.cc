// PostgreSQL's own concerns, on a real server: migrations applied once under an advisory lock when
// replicas start together, the history's constraints enforced by the database itself, TLS with
// sslmode=verify-full against a CA the test makes, passwords from a file (never in the URL), the
// configuration's refusals, and recovery after a server restart without reopening the store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <thread>

#include "services/common/config.h"
#include "harness.h"
#include "services/assessment/postgres_profile_store.h"
#include "services/assessment/store_factory.h"
#include "shared_postgres.h"
#include "test_profiles.h"

namespace mgi::assessment {
namespace {

using mgi::testing::PostgresServer;
using ::testing::HasSubstr;

PgOptions Options(const std::string& url) {
  PgOptions o;
  o.url = url;
  o.pool_size = 2;
  return o;
}

ProfileWrite Create(const std::string& name) {
  ProfileWrite w;
  w.profile = testing::CompleteDraft();
  w.profile.set_name(name);
  w.profile.set_revision(1);
  w.profile.set_etag("\"1\"");
  w.revision.set_action(mgi::assessment::v1::Revision::ACTION_CREATE);
  return w;
}

TEST(PostgresStoreTest, ReplicasStartingTogetherMigrateOnce) {
  auto* server = testing::SharedPostgres();
  ASSERT_NE(server, nullptr);
  std::string url = server->Url(server->CreateDatabase());
  std::vector<std::thread> replicas;
  std::atomic<int> opened{0};
  for (int i = 0; i < 6; ++i) {
    replicas.emplace_back([&] {
      auto store = PostgresProfileStore::Open(Options(url));
      EXPECT_TRUE(store.ok()) << store.status();
      if (store.ok()) ++opened;
    });
  }
  for (auto& t : replicas) t.join();
  EXPECT_EQ(opened.load(), 6);
  std::string db = url.substr(url.rfind('/') + 1, url.find('?') - url.rfind('/') - 1);
  EXPECT_EQ(server->Query(db, "SELECT COUNT(*) FROM mgi_schema_migrations").value_or(""),
            std::to_string(PostgresSchemaMigrations().size()));
  auto store = PostgresProfileStore::Open(Options(url));
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*(*store)->SchemaVersion(), static_cast<int>(PostgresSchemaMigrations().size()));
  // A database migrated by a newer binary is refused rather than misread.
  ASSERT_TRUE(server->Query(db, "INSERT INTO mgi_schema_migrations (version) VALUES (99)"));
  auto newer = PostgresProfileStore::Open(Options(url));
  EXPECT_TRUE(absl::IsFailedPrecondition(newer.status())) << newer.status();
}

TEST(PostgresStoreTest, HistoryRulesAreConstraintsInTheDatabase) {
  auto* server = testing::SharedPostgres();
  ASSERT_NE(server, nullptr);
  std::string db = server->CreateDatabase();
  auto store = PostgresProfileStore::Open(Options(server->Url(db)));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Commit({Create("profiles/a")}).ok());
  // Whatever writes to the database, not only this code: no jump in the revision numbers, no
  // revision record that is not the profile's current one, no revision without its profile.
  EXPECT_FALSE(server->Query(db, "UPDATE profiles SET revision = 3 WHERE name = 'profiles/a'"));
  EXPECT_FALSE(server->Query(db,
                             "INSERT INTO revisions VALUES ('profiles/a', 2, 0, '', '', '', '', "
                             "'\\x00')"));
  EXPECT_FALSE(server->Query(db,
                             "INSERT INTO revisions VALUES ('profiles/none', 1, 0, '', '', '', '', "
                             "'\\x00')"));
  EXPECT_FALSE(server->Query(db, "UPDATE profiles SET revision = 0 WHERE name = 'profiles/a'"));
  // A store write that would skip a number is refused the same way, and changes nothing.
  ProfileWrite skip;
  skip.kind = ProfileWrite::Kind::kReplace;
  skip.profile = *(*store)->Get("profiles/a");
  skip.expected_etag = skip.profile.etag();
  skip.profile.set_revision(5);
  EXPECT_FALSE((*store)->Commit({skip}).ok());
  EXPECT_EQ((*store)->Get("profiles/a")->revision(), 1);
  EXPECT_EQ(server->Query(db, "SELECT COUNT(*) FROM revisions").value_or(""), "1");
}

TEST(PostgresStoreTest, TlsVerifyFullAcceptsOnlyTheServersCa) {
  std::string dir = mgi::testing::TempDir("pg-tls");
  ASSERT_TRUE(mgi::testing::MakeTestCertificates(dir));
  ASSERT_TRUE(mgi::testing::MakeTestCertificates(dir, "other-"));
  auto server = PostgresServer::Start({dir + "/server.crt", dir + "/server.key", ""});
  ASSERT_NE(server, nullptr);
  std::string db = server->CreateDatabase();
  std::string base = "postgresql://mgi@localhost:" + std::to_string(server->port()) + "/" + db;
  auto store = PostgresProfileStore::Open(
      Options(base + "?sslmode=verify-full&sslrootcert=" + dir + "/ca.crt"));
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Commit({Create("profiles/tls")}).ok());
  EXPECT_TRUE((*store)->Get("profiles/tls").ok());
  // The store's connections really are encrypted.
  EXPECT_EQ(server
                ->Query(db,
                        "SELECT COUNT(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)"
                        " WHERE application_name = 'mgi-assessment' AND NOT ssl")
                .value_or("?"),
            "0");
  EXPECT_NE(server
                ->Query(db,
                        "SELECT COUNT(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)"
                        " WHERE application_name = 'mgi-assessment' AND ssl")
                .value_or("0"),
            "0");
  // A server whose certificate another CA signed is refused, at start.
  auto other = PostgresProfileStore::Open(
      Options(base + "?sslmode=verify-full&sslrootcert=" + dir + "/other-ca.crt"));
  EXPECT_TRUE(absl::IsUnavailable(other.status())) << other.status();
  EXPECT_THAT(other.status().message(), HasSubstr("certificate"));
}

TEST(PostgresStoreTest, PasswordFromAFileOrPgpasswordNeverFromTheUrl) {
  auto server = PostgresServer::Start({"", "", "s3cret-pw"});
  ASSERT_NE(server, nullptr);
  std::string url = server->Url(server->CreateDatabase());
  DatabaseOptions options;
  options.pool_size = 1;
  auto none = OpenProfileStore(url, options);
  EXPECT_TRUE(absl::IsUnavailable(none.status())) << none.status();
  std::string file = mgi::testing::TempDir("pg-pw") + "/password";
  std::ofstream(file) << "s3cret-pw\n";
  options.password_file = file;
  auto with_file = OpenProfileStore(url, options);
  EXPECT_TRUE(with_file.ok()) << with_file.status();
  options.password_file.clear();
  ::setenv("PGPASSWORD", "s3cret-pw", 1);
  auto with_env = OpenProfileStore(url, options);
  ::unsetenv("PGPASSWORD");
  EXPECT_TRUE(with_env.ok()) << with_env.status();
  std::string with_password =
      "postgresql://mgi:s3cret-pw@127.0.0.1:" + std::to_string(server->port()) + "/postgres";
  auto refused = OpenProfileStore(with_password, options);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("--database-password-file"));
}

TEST(PostgresStoreTest, BadDatabaseUrlsStopTheStartNamingTheFlag) {
  for (const auto& [args, env] : std::vector<std::pair<std::vector<const char*>, std::string>>{
           {{"mgi-assessment", "--database-url=mysql://db/x"}, ""},
           {{"mgi-assessment", "--database-url=postgresql://u@h/db?nosuchoption=1"}, ""},
           {{"mgi-assessment", "--database-url=sqlite:"}, ""},
           {{"mgi-assessment"}, "MGI_ASSESSMENT_DATABASE_URL=postgresql://u:pw@h/db"}}) {
    Config config("assessment");
    DatabaseOptions options;
    RegisterDatabaseFlags(config, &options);
    std::vector<const char*> envp = {env.empty() ? nullptr : env.c_str(), nullptr};
    absl::Status s = config.Parse(static_cast<int>(args.size()), args.data(), envp.data());
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_THAT(s.message(),
                HasSubstr(env.empty() ? "--database-url" : "MGI_ASSESSMENT_DATABASE_URL"))
        << s;
  }
  Config config("assessment");
  DatabaseOptions options;
  RegisterDatabaseFlags(config, &options);
  const char* ok[] = {"mgi-assessment",
                      "--database-url=postgresql://mgi@db.example:5432/mgi?sslmode=verify-full",
                      "--database-pool-size=16"};
  const char* no_env[] = {nullptr};
  ASSERT_TRUE(config.Parse(3, ok, no_env).ok());
  EXPECT_EQ(options.pool_size, 16);
  EXPECT_EQ(DatabaseKind(options.url), "postgresql");
}

// The server stops and comes back: calls fail fast with UNAVAILABLE meanwhile, and the same
// store (the same pool, whose connections all broke) works again without being reopened.
TEST(PostgresStoreTest, RecoversAfterAServerRestartWithoutReopening) {
  auto server = PostgresServer::Start();
  ASSERT_NE(server, nullptr);
  auto store = PostgresProfileStore::Open(Options(server->Url(server->CreateDatabase())));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Commit({Create("profiles/a")}).ok());
  ASSERT_TRUE((*store)->Get("profiles/a").ok());
  ASSERT_TRUE(server->Stop());
  EXPECT_TRUE(absl::IsUnavailable((*store)->Get("profiles/a").status()));
  EXPECT_TRUE(absl::IsUnavailable((*store)->Commit({Create("profiles/b")})));
  EXPECT_TRUE(absl::IsUnavailable((*store)->Ping()));
  ASSERT_TRUE(server->Restart());
  EXPECT_TRUE((*store)->Ping().ok());
  auto a = (*store)->Get("profiles/a");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE((*store)->Commit({Create("profiles/b")}).ok());
  // Every pooled connection broke with the restart; each is reopened on its next use.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE((*store)->List({}, 0, 10).ok());
}

}  // namespace
}  // namespace mgi::assessment
