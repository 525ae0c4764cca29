// One ProfileStore conformance suite over both stores: the embedded SQLite file and a real
// PostgreSQL server (started by the test, tests/support/pg_server.h). Every test runs on both and
// expects the same answers: the etag compare-and-swap inside one transaction, no lost update with
// two replicas (two store instances on one database) of eight writers each, all-or-nothing
// commits and imports, revision history, listing order and filters, compare, export and the
// editorial workflow through ProfileManager.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "fakes.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "harness.h"
#include "services/assessment/postgres_profile_store.h"
#include "services/assessment/profile_manager.h"
#include "services/assessment/sqlite_profile_store.h"
#include "services/assessment/store_factory.h"
#include "shared_postgres.h"
#include "test_profiles.h"

namespace mgi::assessment {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Caller Sys(const std::string& actor) { return Caller::System(actor, PeerCredentials::Anonymous()); }

ProfileWrite CreateWrite(const std::string& name, const std::string& request_id = "") {
  ProfileWrite w;
  w.profile = testing::CompleteDraft();
  w.profile.set_name(name);
  w.profile.set_state(av1::PROFILE_STATE_DRAFT);
  w.profile.set_revision(1);
  w.profile.set_etag("\"" + name + "-1\"");
  w.revision.set_action(mgi::assessment::v1::Revision::ACTION_CREATE);
  w.revision.set_actor("tester");
  w.revision.add_changed_fields("domains");
  w.revision.add_changed_fields("edition");
  w.request_id = request_id;
  return w;
}

ProfileWrite NextWrite(const Profile& current) {
  ProfileWrite w;
  w.kind = ProfileWrite::Kind::kReplace;
  w.expected_etag = current.etag();
  w.profile = current;
  w.profile.set_revision(current.revision() + 1);
  w.profile.set_etag("\"" + current.name() + "-" + std::to_string(current.revision() + 1) + "\"");
  w.revision.set_action(mgi::assessment::v1::Revision::ACTION_UPDATE);
  w.revision.set_actor("tester");
  return w;
}

// One database per test, and as many store instances ("replicas") on it as a test asks for.
class StoreConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      url_ = "sqlite:" + mgi::testing::TempDir("conformance") + "/a.db";
    } else {
      server = testing::SharedPostgres();
      ASSERT_NE(server, nullptr) << "PostgreSQL did not start (Debian package postgresql)";
      std::string db = server->CreateDatabase();
      ASSERT_FALSE(db.empty());
      url_ = server->Url(db);
    }
    store_ = Open();
  }
  std::unique_ptr<ProfileStore> Open() {
    DatabaseOptions options;
    options.pool_size = 4;
    auto store = OpenProfileStore(url_, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<ProfileManager> Manager(ProfileStore* store) {
    auto messages = TitleMessages::Load(std::string(MGI_SOURCE_DIR) + "/data/profiles/messages");
    EXPECT_TRUE(messages.ok()) << messages.status();
    return std::make_unique<ProfileManager>(store, &catalog_, &clock_, *messages);
  }
  std::string url_;
  mgi::testing::PostgresServer* server = nullptr;
  std::unique_ptr<ProfileStore> store_;
  testing::FakeCatalog catalog_;
  testing::FakeClock clock_;
};

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformanceTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(StoreConformanceTest, CreateGetAndVersion) {
  ASSERT_TRUE(store_);
  ProfileWrite w = CreateWrite("profiles/a");
  ASSERT_TRUE(store_->Commit({w}).ok());
  auto p = store_->Get("profiles/a");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*p, w.profile));
  auto v = store_->GetVersion("profiles/a");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->etag, w.profile.etag());
  EXPECT_EQ(v->revision, 1);
  EXPECT_EQ(v->state, static_cast<int>(av1::PROFILE_STATE_DRAFT));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("profiles/none").status()));
  EXPECT_THAT(store_->GetVersion("profiles/none").status().message(), HasSubstr("profiles/none"));
  EXPECT_TRUE(store_->Ping().ok());
  // TryGetVersion, where a store answers it (SQLite, when no other call holds the connection),
  // says what GetVersion says, after every write too.
  if (auto now = store_->TryGetVersion("profiles/a")) {
    ASSERT_TRUE(now->ok()) << now->status();
    EXPECT_EQ((*now)->etag, v->etag);
    EXPECT_EQ((*now)->revision, 1);
    auto none = store_->TryGetVersion("profiles/none");
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(absl::IsNotFound(none->status()));
    ProfileWrite u = NextWrite(*p);
    ASSERT_TRUE(store_->Commit({u}).ok());
    auto after = store_->TryGetVersion("profiles/a");
    ASSERT_TRUE(after.has_value() && after->ok());
    EXPECT_EQ((*after)->etag, u.profile.etag());
    EXPECT_EQ((*after)->revision, 2);
  } else {
    EXPECT_EQ(GetParam(), "postgresql") << "SQLite answers without waiting when nothing else runs";
  }
}

TEST_P(StoreConformanceTest, EtagCompareAndSwapAndAllOrNothing) {
  ASSERT_TRUE(store_);
  ASSERT_TRUE(store_->Commit({CreateWrite("profiles/a")}).ok());
  // The second write fails (duplicate name): the first must not stay.
  absl::Status s = store_->Commit({CreateWrite("profiles/b"), CreateWrite("profiles/a")});
  EXPECT_TRUE(absl::IsAlreadyExists(s)) << s;
  EXPECT_TRUE(absl::IsNotFound(store_->Get("profiles/b").status()));
  // A stale etag: ABORTED, and the change of another profile in the same commit is undone.
  auto a = store_->Get("profiles/a");
  ASSERT_TRUE(a.ok());
  ProfileWrite good = NextWrite(*a);
  ProfileWrite stale = NextWrite(*a);
  stale.expected_etag = "\"other\"";
  ASSERT_TRUE(store_->Commit({CreateWrite("profiles/c")}).ok());
  auto c = store_->Get("profiles/c");
  ProfileWrite c2 = NextWrite(*c);
  s = store_->Commit({c2, stale});
  EXPECT_TRUE(absl::IsAborted(s)) << s;
  EXPECT_EQ(store_->Get("profiles/c")->revision(), 1);
  ASSERT_TRUE(store_->Commit({good}).ok());
  EXPECT_TRUE(absl::IsAborted(store_->Commit({good})));  // the same etag twice: second loses
  ProfileWrite missing = good;
  missing.profile.set_name("profiles/missing");
  EXPECT_TRUE(absl::IsNotFound(store_->Commit({missing})));
  // Delete needs the current etag too, and takes the revisions with it.
  ProfileWrite del;
  del.kind = ProfileWrite::Kind::kDelete;
  del.profile.set_name("profiles/a");
  del.expected_etag = a->etag();
  EXPECT_TRUE(absl::IsAborted(store_->Commit({del})));
  del.expected_etag = good.profile.etag();
  ASSERT_TRUE(store_->Commit({del}).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->Get("profiles/a").status()));
  EXPECT_EQ(store_->ListRevisions("profiles/a", 0, 10)->total, 0);
  // The name can be used again, from revision 1.
  ASSERT_TRUE(store_->Commit({CreateWrite("profiles/a")}).ok());
  EXPECT_EQ(store_->ListRevisions("profiles/a", 0, 10)->total, 1);
}

TEST_P(StoreConformanceTest, OnePublishedProfilePerEditionWhoeverWrites) {
  ASSERT_TRUE(store_);
  auto published = [](ProfileWrite w) {
    w.profile.set_state(av1::PROFILE_STATE_PUBLISHED);
    return w;
  };
  ASSERT_TRUE(store_->Commit({published(CreateWrite("profiles/a"))}).ok());
  // Drafts of the same edition coexist.
  ASSERT_TRUE(store_->Commit({CreateWrite("profiles/b")}).ok());
  // A second published one, created or reached by a replace, is refused by the schema, and its
  // whole transaction with it.
  absl::Status s = store_->Commit({CreateWrite("profiles/c"), published(CreateWrite("profiles/d"))});
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("already the published edition"));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("profiles/c").status()));
  auto b = store_->Get("profiles/b");
  ASSERT_TRUE(b.ok());
  ProfileWrite publish_b = NextWrite(*b);
  publish_b.profile.set_state(av1::PROFILE_STATE_PUBLISHED);
  s = store_->Commit({publish_b});
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_EQ(store_->Get("profiles/b")->state(), av1::PROFILE_STATE_DRAFT);
  // Another edition, or another local unit of the country, is another slot.
  ProfileWrite other_edition = published(CreateWrite("profiles/e"));
  other_edition.profile.set_edition(other_edition.profile.edition() + 1);
  EXPECT_TRUE(store_->Commit({other_edition}).ok());
  ProfileWrite city = published(CreateWrite("profiles/f"));
  city.profile.set_level(mgi::catalog::v1::LEVEL_LOCAL);
  (*city.profile.mutable_local_unit()->mutable_display_name())["en"] = "Quetzaltenango";
  EXPECT_TRUE(store_->Commit({city}).ok());
  // Archiving the holder frees the edition.
  auto a = store_->Get("profiles/a");
  ProfileWrite archive_a = NextWrite(*a);
  archive_a.profile.set_state(av1::PROFILE_STATE_ARCHIVED);
  ASSERT_TRUE(store_->Commit({archive_a}).ok());
  publish_b = NextWrite(*store_->Get("profiles/b"));
  publish_b.profile.set_state(av1::PROFILE_STATE_PUBLISHED);
  EXPECT_TRUE(store_->Commit({publish_b}).ok());
}

TEST_P(StoreConformanceTest, RequestIdsAreUniqueAndGoWithTheirProfile) {
  ASSERT_TRUE(store_);
  ASSERT_TRUE(store_->Commit({CreateWrite("profiles/a", "req-1")}).ok());
  EXPECT_EQ(store_->FindRequest("req-1")->value_or(""), "profiles/a");
  EXPECT_FALSE(store_->FindRequest("req-2")->has_value());
  absl::Status s = store_->Commit({CreateWrite("profiles/b", "req-1")});
  EXPECT_TRUE(absl::IsAlreadyExists(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("req-1"));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("profiles/b").status()));
  ProfileWrite del;
  del.kind = ProfileWrite::Kind::kDelete;
  del.profile.set_name("profiles/a");
  del.expected_etag = store_->Get("profiles/a")->etag();
  ASSERT_TRUE(store_->Commit({del}).ok());
  EXPECT_FALSE(store_->FindRequest("req-1")->has_value());
}

TEST_P(StoreConformanceTest, RevisionHistoryIsNewestFirstWithSnapshots) {
  ASSERT_TRUE(store_);
  ProfileWrite w = CreateWrite("profiles/h");
  *w.revision.mutable_create_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(1000);
  ASSERT_TRUE(store_->Commit({w}).ok());
  for (int i = 0; i < 4; ++i) {
    ProfileWrite next = NextWrite(*store_->Get("profiles/h"));
    next.profile.set_edition(10 + i);
    next.revision.set_summary("edition " + std::to_string(10 + i));
    ASSERT_TRUE(store_->Commit({next}).ok());
  }
  auto page = store_->ListRevisions("profiles/h", 1, 2);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->revisions.size(), 2u);
  EXPECT_EQ(page->revisions[0].revision(), 4);
  EXPECT_EQ(page->revisions[0].name(), "profiles/h/revisions/4");
  EXPECT_EQ(page->revisions[0].summary(), "edition 12");
  EXPECT_FALSE(page->revisions[0].has_snapshot());
  auto first = store_->GetRevision("profiles/h", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->actor(), "tester");
  EXPECT_EQ(first->create_time().nanos(), 1000000);
  EXPECT_THAT(first->changed_fields(), ElementsAre("domains", "edition"));
  EXPECT_TRUE(MessageDifferencer::Equals(first->snapshot(), w.profile));
  EXPECT_EQ(store_->GetRevision("profiles/h", 5)->snapshot().edition(), 13);
  auto none = store_->GetRevision("profiles/h", 6);
  EXPECT_TRUE(absl::IsNotFound(none.status()));
  EXPECT_THAT(none.status().message(), HasSubstr("profiles/h/revisions/6"));
}

TEST_P(StoreConformanceTest, ListFiltersOrdersAndPagesTheSame) {
  ASSERT_TRUE(store_);
  struct Row {
    const char* name;
    const char* country;
    int level;
    int edition;
    int year;
    const char* unit;  // English name of the local unit, "" for national
  };
  const Row rows[] = {
      {"profiles/z1", "countries/GTM", 1, 2, 2022, ""},
      {"profiles/a1", "countries/GTM", 1, 1, 2018, ""},
      {"profiles/m1", "countries/MEX", 2, 1, 0, "Zacatecas"},
      {"profiles/m2", "countries/MEX", 2, 1, 2021, "aguascalientes"},
      {"profiles/m3", "countries/MEX", 2, 1, 2019, "Mérida"},
      {"profiles/b1", "countries/BRA", 1, 1, 0, ""},
  };
  for (const Row& r : rows) {
    ProfileWrite w = CreateWrite(r.name);
    w.profile.set_country(r.country);
    w.profile.set_level(static_cast<mgi::catalog::v1::Level>(r.level));
    w.profile.set_edition(r.edition);
    w.profile.set_assessment_year(r.year);
    if (*r.unit) (*w.profile.mutable_local_unit()->mutable_display_name())["en"] = r.unit;
    ASSERT_TRUE(store_->Commit({w}).ok());
  }
  auto names = [&](const ProfileQuery& q, int64_t offset = 0, int64_t limit = 100) {
    std::vector<std::string> out;
    auto page = store_->List(q, offset, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& p : page->profiles) out.push_back(p.name());
      out.push_back("total=" + std::to_string(page->total));
    }
    return out;
  };
  EXPECT_THAT(names({}), ElementsAre("profiles/b1", "profiles/a1", "profiles/z1", "profiles/m2",
                                     "profiles/m3", "profiles/m1", "total=6"));
  EXPECT_THAT(names({}, 2, 2), ElementsAre("profiles/z1", "profiles/m2", "total=6"));
  EXPECT_THAT(names({}, 10, 2), ElementsAre("total=6"));
  ProfileQuery q;
  q.country = "countries/MEX";
  q.assessment_year = 0;
  EXPECT_THAT(names(q), ElementsAre("profiles/m1", "total=1"));
  q = {};
  q.level = 1;
  q.edition = 1;
  EXPECT_THAT(names(q), ElementsAre("profiles/b1", "profiles/a1", "total=2"));
  q = {};
  q.state = static_cast<int>(av1::PROFILE_STATE_PUBLISHED);
  EXPECT_THAT(names(q), ElementsAre("total=0"));
  q = {};
  q.order = ProfileQuery::Order::kAssessmentYear;
  EXPECT_THAT(names(q), ElementsAre("profiles/a1", "profiles/m3", "profiles/m2", "profiles/z1",
                                    "profiles/b1", "profiles/m1", "total=6"));
  q.order = ProfileQuery::Order::kAssessmentYearDesc;
  EXPECT_THAT(names(q), ElementsAre("profiles/z1", "profiles/m2", "profiles/m3", "profiles/a1",
                                    "profiles/b1", "profiles/m1", "total=6"));
}

// Two replicas (two store instances, each with its own connections) of eight writers each, all
// doing read-modify-write on one profile with the etag: every increment lands exactly once and
// the history has one revision per write, numbered without gaps.
TEST_P(StoreConformanceTest, TwoReplicasOfEightWritersLoseNoUpdate) {
  ASSERT_TRUE(store_);
  auto other = Open();
  ASSERT_TRUE(other);
  ASSERT_TRUE(store_->Commit({CreateWrite("profiles/counter")}).ok());
  constexpr int kWriters = 8, kIncrements = 12;
  std::atomic<int> aborted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kWriters; ++t) {
    ProfileStore* store = t % 2 ? other.get() : store_.get();
    threads.emplace_back([store, &aborted] {
      for (int i = 0; i < kIncrements;) {
        auto p = store->Get("profiles/counter");
        ASSERT_TRUE(p.ok()) << p.status();
        ProfileWrite w = NextWrite(*p);
        w.profile.set_edition(p->edition() + 1);
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
  auto p = other->Get("profiles/counter");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->edition(), 1 + 2 * kWriters * kIncrements);
  auto revs = store_->ListRevisions("profiles/counter", 0, 1000);
  ASSERT_TRUE(revs.ok());
  ASSERT_EQ(revs->total, 1 + 2 * kWriters * kIncrements);
  for (size_t i = 0; i < revs->revisions.size(); ++i) {
    EXPECT_EQ(revs->revisions[i].revision(), revs->total - static_cast<int64_t>(i));
  }
  RecordProperty("aborted_retries", aborted.load());
}

// Concurrent creates of one name from both replicas: exactly one wins, the others get
// ALREADY_EXISTS (what makes seeding by N replicas at once idempotent).
TEST_P(StoreConformanceTest, ConcurrentCreatesOfOneNameHaveOneWinner) {
  ASSERT_TRUE(store_);
  auto other = Open();
  ASSERT_TRUE(other);
  std::atomic<int> won{0}, exists{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    ProfileStore* store = t % 2 ? other.get() : store_.get();
    threads.emplace_back([store, &won, &exists] {
      absl::Status s = store->Commit({CreateWrite("profiles/once")});
      if (s.ok()) ++won;
      if (absl::IsAlreadyExists(s)) ++exists;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(exists.load(), 7);
}

// The editorial workflow through ProfileManager on this store: create, update with the etag,
// publish, start a new edition, compare, archive, export, and a failed import that writes nothing.
TEST_P(StoreConformanceTest, WorkflowCompareExportAndImportThroughTheManager) {
  ASSERT_TRUE(store_);
  auto manager = Manager(store_.get());
  av1::CreateProfileRequest create;
  *create.mutable_profile() = testing::CompleteDraft();
  create.set_profile_id("gtm-2018");
  create.set_request_id("r-1");
  auto p = manager->CreateProfile(create, Sys("alice"));
  ASSERT_TRUE(p.ok()) << p.status();
  // A retried create with the same request id answers the first profile.
  auto again = manager->CreateProfile(create, Sys("alice"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->etag(), p->etag());
  av1::UpdateProfileRequest up;
  up.mutable_profile()->set_name(p->name());
  up.mutable_profile()->set_etag(p->etag());
  (*up.mutable_profile()->mutable_title_override())["en"] = "Custom title";
  up.mutable_update_mask()->add_paths("title_override");
  auto updated = manager->UpdateProfile(up, Sys("alice"));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->revision(), 2);
  EXPECT_TRUE(absl::IsAborted(manager->UpdateProfile(up, Sys("alice")).status()));  // stale etag
  av1::PublishProfileRequest publish;
  publish.set_name(p->name());
  publish.set_etag(updated->etag());
  auto published = manager->PublishProfile(publish, Sys("bob"));
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->state(), av1::PROFILE_STATE_PUBLISHED);
  av1::StartNewEditionRequest next;
  next.set_name(p->name());
  auto second = manager->StartNewEdition(next, Sys("alice"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->edition(), 2);
  av1::CompareProfilesRequest compare;
  compare.set_name(second->name());
  compare.set_other(p->name());
  auto diff = manager->CompareProfiles(compare, Sys("reader"));
  ASSERT_TRUE(diff.ok()) << diff.status();
  ASSERT_EQ(diff->domains_size(), 6);
  EXPECT_EQ(diff->domains(0).well_developed().kept_size(), 1);
  av1::ArchiveProfileRequest archive;
  archive.set_name(p->name());
  archive.set_etag(published->etag());
  auto archived = manager->ArchiveProfile(archive, Sys("bob"));
  ASSERT_TRUE(archived.ok()) << archived.status();
  av1::ListRevisionsRequest revs;
  revs.set_name(p->name());
  auto history = manager->ListRevisions(revs);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->revisions_size(), 4);
  EXPECT_EQ(history->revisions(0).action(), av1::Revision::ACTION_ARCHIVE);
  EXPECT_EQ(history->revisions(3).action(), av1::Revision::ACTION_CREATE);

  auto doc = manager->ExportProfiles(av1::ExportProfilesRequest(), Sys("reader"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->profiles_size(), 2);
  // Import all or nothing: one good new profile and one conflicting one writes neither.
  av1::ImportProfilesRequest import;
  *import.mutable_document() = *doc;
  import.mutable_document()->mutable_profiles(0)->set_edition(7);  // conflicts (no overwrite)
  av1::Profile fresh = doc->profiles(1);
  fresh.set_name("profiles/fresh");
  *import.mutable_document()->add_profiles() = fresh;
  auto refused = manager->ImportProfiles(import, Sys("bob"));
  EXPECT_TRUE(absl::IsAlreadyExists(refused.status())) << refused.status();
  av1::GetProfileRequest get;
  get.set_name("profiles/fresh");
  EXPECT_TRUE(absl::IsNotFound(manager->GetProfile(get, Sys("reader")).status()));
  import.set_allow_overwrite(true);
  auto imported = manager->ImportProfiles(import, Sys("bob"));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->imported_size(), 2);
  EXPECT_TRUE(manager->GetProfile(get, Sys("reader")).ok());
}

// The path from SQLite to PostgreSQL (and back): every profile with its whole history, identical;
// running it again skips what is there.
TEST(StoreCopyTest, CopiesEveryRevisionFromSqliteToPostgresql) {
  auto* server = testing::SharedPostgres();
  ASSERT_NE(server, nullptr);
  std::string sqlite = "sqlite:" + mgi::testing::TempDir("copy") + "/from.db";
  DatabaseOptions options;
  auto from = OpenProfileStore(sqlite, options);
  ASSERT_TRUE(from.ok());
  for (const char* name : {"profiles/a", "profiles/b", "profiles/c"}) {
    ASSERT_TRUE((*from)->Commit({CreateWrite(name, std::string("req-") + name)}).ok());
  }
  for (int i = 0; i < 3; ++i) {
    ProfileWrite w = NextWrite(*(*from)->Get("profiles/b"));
    w.profile.set_edition(2 + i);
    ASSERT_TRUE((*from)->Commit({w}).ok());
  }
  std::string url = server->Url(server->CreateDatabase());
  auto to = OpenProfileStore(url, options);
  ASSERT_TRUE(to.ok());
  auto report = CopyProfiles(**from, **to);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->profiles, 3);
  EXPECT_EQ(report->revisions, 6);
  for (const char* name : {"profiles/a", "profiles/b", "profiles/c"}) {
    EXPECT_TRUE(MessageDifferencer::Equals(*(*from)->Get(name), *(*to)->Get(name))) << name;
    auto src = (*from)->ListRevisions(name, 0, 100);
    auto dst = (*to)->ListRevisions(name, 0, 100);
    ASSERT_EQ(src->total, dst->total);
    for (int64_t r = 1; r <= src->total; ++r) {
      auto a = (*from)->GetRevision(name, r);
      auto b = (*to)->GetRevision(name, r);
      ASSERT_TRUE(a.ok() && b.ok()) << name << " " << r;
      EXPECT_TRUE(MessageDifferencer::Equals(*a, *b)) << name << " " << r;
    }
  }
  report = CopyProfiles(**from, **to);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->skipped, 3);
  EXPECT_EQ(report->profiles, 0);
  // A profile that differs in the target stops the copy rather than overwrite it.
  ASSERT_TRUE((*to)->Commit({NextWrite(*(*to)->Get("profiles/a"))}).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(CopyProfiles(**from, **to).status()));
  // A missing SQLite source is an error, not an empty copy.
  EXPECT_TRUE(absl::IsNotFound(CopyProfiles("sqlite:/nonexistent/x.db", **to, options).status()));
}

}  // namespace
}  // namespace mgi::assessment
