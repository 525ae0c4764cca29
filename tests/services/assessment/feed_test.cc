// The change log of every store (schema 4: SQLite and a real PostgreSQL the test starts,
// tests/support/pg_server.h) and the feed's logic on it: sequence order, deletes recorded, the
// retention floor (OUT_OF_RANGE), resume tokens, what each caller sees, concurrent writers on two
// store instances ("replicas") followed by a reader that misses nothing, and on PostgreSQL the
// wake-up of one replica's feed by another replica's commit (LISTEN/NOTIFY), across a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "google/protobuf/util/time_util.h"
#include "harness.h"
#include "services/assessment/profile_feed.h"
#include "services/assessment/store_factory.h"
#include "shared_postgres.h"

namespace mgi::assessment {
namespace {

using Event = av1::ProfileEvent;
using google::protobuf::util::TimeUtil;

ProfileWrite Write(ProfileWrite::Kind kind, const std::string& name, int64_t revision,
                   av1::ProfileState state, const std::string& country = "countries/GTM") {
  ProfileWrite w;
  w.kind = kind;
  w.profile.set_name(name);
  w.profile.set_country(country);
  w.profile.set_edition(1);
  w.profile.set_revision(revision);
  w.profile.set_state(state);
  w.profile.set_etag("\"" + name + "-" + std::to_string(revision) + "\"");
  w.expected_etag = "\"" + name + "-" + std::to_string(revision - 1) + "\"";
  w.revision.set_actor("alice");
  *w.revision.mutable_create_time() = TimeUtil::GetCurrentTime();
  return w;
}

std::unique_ptr<ProfileStore> OpenUrl(const std::string& url) {
  DatabaseOptions options;
  options.pool_size = 4;
  auto store = OpenProfileStore(url, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// One database per test, on the store the parameter names; Open() gives another instance on
// the same database (another replica).
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      url_ = "sqlite:" + mgi::testing::TempDir("assessment-feed") + "/a.db";
    } else {
      auto* server = testing::SharedPostgres();
      ASSERT_NE(server, nullptr) << "PostgreSQL did not start (Debian package postgresql)";
      std::string db = server->CreateDatabase();
      ASSERT_FALSE(db.empty());
      url_ = server->Url(db);
    }
    store = OpenUrl(url_);
    ASSERT_NE(store, nullptr);
  }
  std::unique_ptr<ProfileStore> Open() { return OpenUrl(url_); }
  std::string url_;
  std::unique_ptr<ProfileStore> store;
};

class ChangeLogTest : public StoreTest {};
class FeedTest : public StoreTest {};
INSTANTIATE_TEST_SUITE_P(Stores, ChangeLogTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Stores, FeedTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

Caller Anonymous() {
  Caller c;
  c.read_drafts = absl::UnauthenticatedError("drafts need a token");
  return c;
}
Caller Viewer() { return Caller{"vera", absl::OkStatus(), false, PeerCredentials::Anonymous()}; }

std::vector<std::string> Describe(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    out.push_back(Event::Type_Name(e.type()) + " " + e.name() + " " +
                  av1::ProfileState_Name(e.state()) + (e.actor().empty() ? "" : " by " + e.actor()));
  }
  return out;
}

// Every event up to the store's head as it is now. One Next() gives what the feed has at hand:
// near the head that is the feed's copy of the latest changes, which its thread may still be
// filling (on PostgreSQL a commit's NOTIFY wakes it at once), so a caller reads until its cursor
// reaches the head, as WatchProfiles does on the next tick.
absl::StatusOr<std::vector<Event>> Drain(ProfileFeed& feed, WatchPlan* plan, ProfileStore& store) {
  auto head = store.ReadChanges(-1, 0, false);
  if (!head.ok()) return head.status();
  std::vector<Event> all;
  while (plan->cursor < head->head) {
    int64_t before = plan->cursor;
    auto more = feed.Next(plan);
    if (!more.ok()) return more.status();
    if (plan->cursor == before) return absl::InternalError("Next() made no progress");
    all.insert(all.end(), more->begin(), more->end());
  }
  return all;
}

TEST_P(ChangeLogTest, EveryWriteIsLoggedInCommitOrderDeletesToo) {
  using K = ProfileWrite::Kind;
  ASSERT_TRUE(store->Commit({Write(K::kCreate, "profiles/a", 1, av1::PROFILE_STATE_DRAFT),
                             Write(K::kCreate, "profiles/b", 1, av1::PROFILE_STATE_DRAFT)})
                  .ok());
  ASSERT_TRUE(store->Commit({Write(K::kReplace, "profiles/a", 2, av1::PROFILE_STATE_PUBLISHED)}).ok());
  ASSERT_TRUE(store->Commit({Write(K::kDelete, "profiles/b", 2, av1::PROFILE_STATE_DRAFT)}).ok());
  // A refused write logs nothing.
  EXPECT_FALSE(store->Commit({Write(K::kReplace, "profiles/a", 9, av1::PROFILE_STATE_DRAFT)}).ok());

  auto page = store->ReadChanges(0, 100, true);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->changes.size(), 4u);
  EXPECT_EQ(page->head, page->changes.back().sequence);
  for (size_t i = 1; i < page->changes.size(); ++i) {
    EXPECT_LT(page->changes[i - 1].sequence, page->changes[i].sequence);
  }
  const auto& publish = page->changes[2];
  EXPECT_EQ(publish.name, "profiles/a");
  EXPECT_EQ(publish.previous_state, av1::PROFILE_STATE_DRAFT);
  EXPECT_EQ(publish.state, av1::PROFILE_STATE_PUBLISHED);
  ASSERT_TRUE(publish.profile.has_value());
  EXPECT_EQ(publish.profile->revision(), 2);
  const auto& del = page->changes[3];
  EXPECT_EQ(del.kind, K::kDelete);
  EXPECT_EQ(del.name, "profiles/b");
  EXPECT_EQ(del.etag, "\"profiles/b-1\"");  // as it was before the delete
  EXPECT_FALSE(del.profile.has_value());

  // Paging by sequence; the head alone; a position past the head is OUT_OF_RANGE.
  auto rest = store->ReadChanges(page->changes[1].sequence, 100, false);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->changes.size(), 2u);
  EXPECT_EQ(rest->changes[0].sequence, publish.sequence);
  EXPECT_EQ(store->ReadChanges(-1, 0, false)->head, page->head);
  EXPECT_TRUE(absl::IsOutOfRange(store->ReadChanges(page->head + 1, 10, false).status()));
}

TEST_P(ChangeLogTest, ChangesPastTheRetentionWindowArePrunedAndTheirTokensAreOutOfRange) {
  store->set_change_retention(std::chrono::milliseconds(1));
  using K = ProfileWrite::Kind;
  ASSERT_TRUE(store->Commit({Write(K::kCreate, "profiles/a", 1, av1::PROFILE_STATE_DRAFT)}).ok());
  int64_t first = store->ReadChanges(-1, 0, false)->head;
  // The retention is a wall-clock window: let it pass (no other process involved).
  auto until = std::chrono::system_clock::now() + std::chrono::milliseconds(5);
  while (std::chrono::system_clock::now() < until) std::this_thread::yield();
  ASSERT_TRUE(store->Commit({Write(K::kCreate, "profiles/b", 1, av1::PROFILE_STATE_DRAFT)}).ok());
  auto from_before = store->ReadChanges(first - 1, 10, false);
  EXPECT_TRUE(absl::IsOutOfRange(from_before.status())) << from_before.status();
  // From the head on, the log is complete.
  auto from_head = store->ReadChanges(store->ReadChanges(-1, 0, false)->head, 10, false);
  ASSERT_TRUE(from_head.ok()) << from_head.status();

  ProfileFeed feed(store.get(), {});
  av1::WatchProfilesRequest req;
  req.set_resume_token(EncodeResumeToken(first - 1));
  EXPECT_TRUE(absl::IsOutOfRange(feed.Plan(req, Viewer()).status()));
}

TEST(ResumeTokenTest, ResumeTokensRoundTripAndForgeriesAreInvalid) {
  EXPECT_EQ(*DecodeResumeToken(EncodeResumeToken(42)), 42);
  for (const char* bad : {"42", "bm90IGEgdG9rZW4", "", "%%%"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(DecodeResumeToken(bad).status())) << bad;
  }
}

// Drafts: invisible to anonymous callers, whose view starts at the publication (PUBLISHED); a
// viewer sees every change with its actor.
TEST_P(FeedTest, AnonymousCallersSeeAPublicationNotTheDraftBeforeIt) {
  ProfileFeed feed(store.get(), {});
  auto anonymous = feed.Plan({}, Anonymous());
  auto viewer = feed.Plan({}, Viewer());
  ASSERT_TRUE(anonymous.ok() && viewer.ok());
  using K = ProfileWrite::Kind;
  ASSERT_TRUE(store->Commit({Write(K::kCreate, "profiles/d", 1, av1::PROFILE_STATE_DRAFT)}).ok());
  ASSERT_TRUE(store->Commit({Write(K::kReplace, "profiles/d", 2, av1::PROFILE_STATE_DRAFT)}).ok());
  ASSERT_TRUE(store->Commit({Write(K::kReplace, "profiles/d", 3, av1::PROFILE_STATE_PUBLISHED)}).ok());
  ASSERT_TRUE(store->Commit({Write(K::kReplace, "profiles/d", 4, av1::PROFILE_STATE_ARCHIVED)}).ok());
  ASSERT_TRUE(store->Commit({Write(K::kCreate, "profiles/e", 1, av1::PROFILE_STATE_DRAFT)}).ok());
  ASSERT_TRUE(store->Commit({Write(K::kDelete, "profiles/e", 2, av1::PROFILE_STATE_DRAFT)}).ok());

  auto seen = Drain(feed, &*anonymous, *store);
  ASSERT_TRUE(seen.ok());
  EXPECT_THAT(Describe(*seen),
              ::testing::ElementsAre("TYPE_PUBLISHED profiles/d PROFILE_STATE_PUBLISHED",
                                     "TYPE_ARCHIVED profiles/d PROFILE_STATE_ARCHIVED"));
  // The anonymous cursor went past the invisible changes too.
  EXPECT_EQ(anonymous->cursor, store->ReadChanges(-1, 0, false)->head);
  seen = Drain(feed, &*viewer, *store);
  ASSERT_TRUE(seen.ok());
  EXPECT_THAT(Describe(*seen),
              ::testing::ElementsAre("TYPE_CREATED profiles/d PROFILE_STATE_DRAFT by alice",
                                     "TYPE_UPDATED profiles/d PROFILE_STATE_DRAFT by alice",
                                     "TYPE_PUBLISHED profiles/d PROFILE_STATE_PUBLISHED by alice",
                                     "TYPE_ARCHIVED profiles/d PROFILE_STATE_ARCHIVED by alice",
                                     "TYPE_CREATED profiles/e PROFILE_STATE_DRAFT by alice",
                                     "TYPE_DELETED profiles/e PROFILE_STATE_DRAFT by alice"));
  // Each event's token resumes right after it.
  av1::WatchProfilesRequest resume;
  resume.set_resume_token((*seen)[3].resume_token());
  auto plan = feed.Plan(resume, Viewer());
  ASSERT_TRUE(plan.ok());
  auto after = Drain(feed, &*plan, *store);
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(Describe(*after), ::testing::ElementsAre(
                                    "TYPE_CREATED profiles/e PROFILE_STATE_DRAFT by alice",
                                    "TYPE_DELETED profiles/e PROFILE_STATE_DRAFT by alice"));
}

TEST_P(FeedTest, TheFilterSelectsAndAskingForDraftsIsTheCallersRefusal) {
  ProfileFeed feed(store.get(), {});
  av1::WatchProfilesRequest req;
  req.set_filter("country = \"SEN\"");
  req.set_include_profile(true);
  auto plan = feed.Plan(req, Viewer());
  ASSERT_TRUE(plan.ok());
  using K = ProfileWrite::Kind;
  ASSERT_TRUE(store->Commit({Write(K::kCreate, "profiles/g", 1, av1::PROFILE_STATE_DRAFT)}).ok());
  ASSERT_TRUE(store->Commit({Write(K::kCreate, "profiles/s", 1, av1::PROFILE_STATE_DRAFT,
                                   "countries/SEN")})
                  .ok());
  auto seen = feed.Next(&*plan);
  ASSERT_TRUE(seen.ok());
  ASSERT_THAT(Describe(*seen),
              ::testing::ElementsAre("TYPE_CREATED profiles/s PROFILE_STATE_DRAFT by alice"));
  EXPECT_EQ((*seen)[0].profile().name(), "profiles/s");  // include_profile

  req.set_filter("state = DRAFT");
  EXPECT_TRUE(absl::IsUnauthenticated(feed.Plan(req, Anonymous()).status()));
  req.set_filter("colour = \"blue\"");
  EXPECT_TRUE(absl::IsInvalidArgument(feed.Plan(req, Viewer()).status()));
}

// A commit through NotifyingProfileStore wakes the subscribers at once (not at the next poll).
TEST_P(FeedTest, ACommitWakesTheSubscribers) {
  ProfileFeed feed(store.get(), {.poll_interval = std::chrono::hours(1)});
  NotifyingProfileStore notifying(store.get(), &feed);
  std::mutex mu;
  std::condition_variable cv;
  bool advanced = false;
  uint64_t id = feed.Subscribe(
      [&](bool a) {
        if (!a) return;
        std::lock_guard<std::mutex> lock(mu);
        advanced = true;
        cv.notify_all();
      },
      [] {});
  ASSERT_TRUE(notifying
                  .Commit({Write(ProfileWrite::Kind::kCreate, "profiles/w", 1,
                                 av1::PROFILE_STATE_DRAFT)})
                  .ok());
  std::unique_lock<std::mutex> lock(mu);
  // A liveness bound, far beyond the hour-long poll being the cause.
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return advanced; }));
  lock.unlock();
  feed.Unsubscribe(id);
}

// Everything but Commit goes to the store unchanged: the search too, not the base's UNIMPLEMENTED.
TEST_P(FeedTest, TheNotifyingStorePassesEveryOtherCallThrough) {
  ProfileFeed feed(store.get(), {.poll_interval = std::chrono::hours(1)});
  NotifyingProfileStore notifying(store.get(), &feed);
  ASSERT_TRUE(notifying
                  .Commit({Write(ProfileWrite::Kind::kCreate, "profiles/p", 1,
                                 av1::PROFILE_STATE_DRAFT)})
                  .ok());
  EXPECT_TRUE(notifying.Ping().ok());
  FindingQuery query;  // no terms: every finding
  auto counts = notifying.CountFindings(query);
  ASSERT_TRUE(counts.ok()) << counts.status();
  auto rows = notifying.SearchFindings(query, 0, 10);
  ASSERT_TRUE(rows.ok()) << rows.status();
  auto direct = store->SearchFindings(query, 0, 10);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_EQ(rows->size(), direct->size());
  EXPECT_EQ(notifying.GetVersion("profiles/p")->revision, store->GetVersion("profiles/p")->revision);
}

// Watchers near the head read the feed's in-memory copy of the latest changes; one further
// behind than it reads the store; both get the same events.
TEST_P(FeedTest, TheSharedCacheOfRecentChangesAgreesWithTheStore) {
  ProfileFeed feed(store.get(), {.recent = 3});
  NotifyingProfileStore notifying(store.get(), &feed);
  auto from_start = feed.Plan({}, Viewer());
  ASSERT_TRUE(from_start.ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(notifying
                    .Commit({Write(ProfileWrite::Kind::kCreate, "profiles/c" + std::to_string(i),
                                   1, av1::PROFILE_STATE_DRAFT)})
                    .ok());
  }
  int64_t head = store->ReadChanges(-1, 0, false)->head;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (feed.head() < head && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();  // the feed's thread catches up (a liveness bound)
  }
  ASSERT_EQ(feed.head(), head);
  WatchPlan behind = *from_start;  // 5 behind, the cache holds 3: the store
  WatchPlan near = *from_start;
  near.cursor = head - 2;  // within the cache
  auto all = feed.Next(&behind);
  auto last = feed.Next(&near);
  ASSERT_TRUE(all.ok() && last.ok());
  ASSERT_EQ(all->size(), 5u);
  ASSERT_EQ(last->size(), 2u);
  std::vector<std::string> described = Describe(*all);
  EXPECT_EQ(Describe(*last), std::vector<std::string>(described.begin() + 3, described.end()));
  EXPECT_EQ((*last)[1].resume_token(), (*all)[4].resume_token());
  EXPECT_EQ(near.cursor, head);
}

// A change's profile is the one it made: once a profile is deleted and created again (revision
// numbers start over), its old changes carry no profile rather than the new one's revisions.
TEST_P(ChangeLogTest, AProfileCreatedAgainLendsNoSnapshotToItsOldChanges) {
  using K = ProfileWrite::Kind;
  ASSERT_TRUE(store->Commit({Write(K::kCreate, "profiles/r", 1, av1::PROFILE_STATE_DRAFT)}).ok());
  ASSERT_TRUE(store->Commit({Write(K::kReplace, "profiles/r", 2, av1::PROFILE_STATE_DRAFT)}).ok());
  ASSERT_TRUE(store->Commit({Write(K::kDelete, "profiles/r", 3, av1::PROFILE_STATE_DRAFT)}).ok());
  ProfileWrite again = Write(K::kCreate, "profiles/r", 1, av1::PROFILE_STATE_DRAFT);
  again.profile.set_etag("\"profiles/r-1-again\"");
  again.profile.set_edition(7);
  ASSERT_TRUE(store->Commit({again}).ok());
  auto page = store->ReadChanges(0, 100, true);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->changes.size(), 4u);
  EXPECT_FALSE(page->changes[0].profile.has_value()) << "the new profile's revision 1";
  EXPECT_FALSE(page->changes[1].profile.has_value());
  EXPECT_FALSE(page->changes[2].profile.has_value());  // the delete
  ASSERT_TRUE(page->changes[3].profile.has_value());
  EXPECT_EQ(page->changes[3].profile->edition(), 7);
}

// Writers on two store instances on one database (two replicas), some on profiles of their own
// and some racing on shared ones, while a reader follows the log from a third instance the whole
// time: every acknowledged revision is read exactly once, and each profile's in revision order.
// (A log numbered by a plain sequence fails this: a transaction that took a number and commits
// after one that took the next is skipped by a reader that read between the two commits.)
TEST_P(ChangeLogTest, AReaderFollowingConcurrentWritersOnTwoReplicasMissesNothing) {
  auto other = Open();
  auto reader_store = Open();
  ASSERT_TRUE(other && reader_store);
  using K = ProfileWrite::Kind;
  constexpr int kShared = 2;
  for (int i = 0; i < kShared; ++i) {
    ASSERT_TRUE(store->Commit({Write(K::kCreate, "profiles/shared" + std::to_string(i), 1,
                                     av1::PROFILE_STATE_DRAFT)})
                    .ok());
  }
  int64_t start = reader_store->ReadChanges(-1, 0, false)->head;
  std::mutex mu;
  std::set<std::pair<std::string, int64_t>> acked;
  auto ack = [&](const std::string& name, int64_t revision) {
    std::lock_guard<std::mutex> lock(mu);
    acked.insert({name, revision});
  };
  std::atomic<int> writing{0};
  std::vector<std::thread> writers;
  constexpr int kThreads = 8, kWrites = 25;
  for (int t = 0; t < kThreads; ++t) {
    ProfileStore* s = t % 2 ? other.get() : store.get();
    ++writing;
    writers.emplace_back([&, s, t] {
      std::string own = "profiles/w" + std::to_string(t);
      for (int i = 1; i <= kWrites; ++i) {
        // Its own profile: create, then one revision per write.
        ProfileWrite w = Write(i == 1 ? K::kCreate : K::kReplace, own, i,
                               av1::PROFILE_STATE_DRAFT);
        absl::Status st = s->Commit({w});
        EXPECT_TRUE(st.ok()) << st;
        if (st.ok()) ack(own, i);
        // A shared profile: read, write the next revision, lose the race (ABORTED) sometimes.
        std::string shared = "profiles/shared" + std::to_string(i % kShared);
        auto v = s->GetVersion(shared);
        if (!v.ok()) {
          ADD_FAILURE() << v.status();
          continue;
        }
        ProfileWrite sw = Write(K::kReplace, shared, v->revision + 1, av1::PROFILE_STATE_DRAFT);
        sw.expected_etag = v->etag;
        st = s->Commit({sw});
        EXPECT_TRUE(st.ok() || absl::IsAborted(st)) << st;
        if (st.ok()) ack(shared, v->revision + 1);
      }
      --writing;
    });
  }
  // The reader: from `start`, small pages, as fast as it can, until the writers are done and
  // the log is read to its head.
  std::vector<ProfileChange> seen;
  int64_t cursor = start;
  int reads = 0;
  for (;;) {
    bool done = writing.load() == 0;
    auto page = reader_store->ReadChanges(cursor, 7, false);
    if (!page.ok()) {
      ADD_FAILURE() << page.status();
      break;
    }
    ++reads;
    for (auto& c : page->changes) {
      EXPECT_GT(c.sequence, cursor);
      cursor = c.sequence;
      seen.push_back(std::move(c));
    }
    if (done && page->changes.empty() && cursor == page->head) break;
  }
  for (auto& t : writers) t.join();
  std::map<std::string, int64_t> last;
  std::set<std::pair<std::string, int64_t>> read;
  for (const auto& c : seen) {
    EXPECT_TRUE(read.insert({c.name, c.revision}).second)
        << c.name << " revision " << c.revision << " read twice";
    EXPECT_GT(c.revision, last[c.name]) << c.name << " out of revision order";
    last[c.name] = c.revision;
  }
  EXPECT_EQ(read, acked) << "read " << read.size() << " changes, " << acked.size()
                         << " were acknowledged";
  EXPECT_GE(acked.size(), static_cast<size_t>(kThreads * kWrites));
  RecordProperty("changes", static_cast<int>(acked.size()));
  RecordProperty("reads", reads);
}

// PostgreSQL: a commit made through another store instance (another replica) wakes this one's
// feed through LISTEN/NOTIFY, long before its hour-long poll would.
TEST(PostgresFeedTest, AnotherReplicasCommitWakesTheFeed) {
  auto* server = testing::SharedPostgres();
  ASSERT_NE(server, nullptr);
  std::string url = server->Url(server->CreateDatabase());
  auto a = OpenUrl(url);
  auto b = OpenUrl(url);
  ASSERT_TRUE(a && b);
  ProfileFeed feed(a.get(), {.poll_interval = std::chrono::hours(1)});
  std::mutex mu;
  std::condition_variable cv;
  int advanced = 0;
  uint64_t id = feed.Subscribe(
      [&](bool adv) {
        if (!adv) return;
        std::lock_guard<std::mutex> lock(mu);
        ++advanced;
        cv.notify_all();
      },
      [] {});
  int64_t before = feed.head();
  for (int i = 1; i <= 3; ++i) {
    // B commits (not through a NotifyingProfileStore of A's feed).
    ASSERT_TRUE(b->Commit({Write(i == 1 ? ProfileWrite::Kind::kCreate : ProfileWrite::Kind::kReplace,
                                 "profiles/x", i, av1::PROFILE_STATE_DRAFT)})
                    .ok());
    int64_t head = b->ReadChanges(-1, 0, false)->head;
    std::unique_lock<std::mutex> lock(mu);
    // Liveness bounds, far below the hour-long poll.
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return feed.head() >= head; }))
        << "commit " << i << " did not wake the other replica's feed";
  }
  EXPECT_GT(feed.head(), before);
  feed.Unsubscribe(id);
}

// PostgreSQL: the listener survives a server restart: it reconnects by itself, and a commit made
// after the restart wakes the subscriber again.
TEST(PostgresFeedTest, TheListenerReconnectsAfterAServerRestart) {
  auto server = mgi::testing::PostgresServer::Start();
  ASSERT_NE(server, nullptr);
  std::string url = server->Url(server->CreateDatabase());
  auto a = OpenUrl(url);
  auto b = OpenUrl(url);
  ASSERT_TRUE(a && b);
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  auto subscription = a->SubscribeChanges([&] {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    cv.notify_all();
  });
  ASSERT_NE(subscription, nullptr);
  using K = ProfileWrite::Kind;
  // Each commit is followed by a call (a liveness bound of 20 s each).
  auto commit_wakes = [&](ProfileWrite w) {
    int before;
    {
      std::lock_guard<std::mutex> lock(mu);
      before = calls;
    }
    absl::Status s = b->Commit({w});
    if (!s.ok()) return ::testing::AssertionFailure() << s;
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return calls > before; })) {
      return ::testing::AssertionFailure() << "no wake-up after " << w.profile.name();
    }
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(commit_wakes(Write(K::kCreate, "profiles/y", 1, av1::PROFILE_STATE_DRAFT)));
  ASSERT_TRUE(server->Restart());
  EXPECT_TRUE(commit_wakes(Write(K::kReplace, "profiles/y", 2, av1::PROFILE_STATE_DRAFT)));
  // Listening again for sure now (whichever call the first one was): the next commit's NOTIFY.
  EXPECT_TRUE(commit_wakes(Write(K::kReplace, "profiles/y", 3, av1::PROFILE_STATE_DRAFT)));
  subscription.reset();
}

}  // namespace
}  // namespace mgi::assessment
