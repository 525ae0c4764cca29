// The change log of SqliteProfileStore (schema 4) and the feed's logic on it: sequence order,
// deletes recorded, the retention floor (OUT_OF_RANGE), resume tokens, what each caller sees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "google/protobuf/util/time_util.h"
#include "harness.h"
#include "services/assessment/profile_feed.h"
#include "services/assessment/sqlite_profile_store.h"

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

std::unique_ptr<SqliteProfileStore> Open() {
  auto store = SqliteProfileStore::Open(mgi::testing::TempDir("assessment-feed") + "/a.db");
  EXPECT_TRUE(store.ok()) << store.status();
  return *std::move(store);
}

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

TEST(ChangeLogTest, EveryWriteIsLoggedInCommitOrderDeletesToo) {
  auto store = Open();
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

TEST(ChangeLogTest, ChangesPastTheRetentionWindowArePrunedAndTheirTokensAreOutOfRange) {
  auto store = Open();
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

TEST(ChangeLogTest, ResumeTokensRoundTripAndForgeriesAreInvalid) {
  EXPECT_EQ(*DecodeResumeToken(EncodeResumeToken(42)), 42);
  for (const char* bad : {"42", "bm90IGEgdG9rZW4", "", "%%%"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(DecodeResumeToken(bad).status())) << bad;
  }
}

// Drafts: invisible to anonymous callers, whose view starts at the publication (PUBLISHED); a
// viewer sees every change with its actor.
TEST(FeedTest, AnonymousCallersSeeAPublicationNotTheDraftBeforeIt) {
  auto store = Open();
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

  auto seen = feed.Next(&*anonymous);
  ASSERT_TRUE(seen.ok());
  EXPECT_THAT(Describe(*seen),
              ::testing::ElementsAre("TYPE_PUBLISHED profiles/d PROFILE_STATE_PUBLISHED",
                                     "TYPE_ARCHIVED profiles/d PROFILE_STATE_ARCHIVED"));
  // The anonymous cursor went past the invisible changes too.
  EXPECT_EQ(anonymous->cursor, store->ReadChanges(-1, 0, false)->head);
  seen = feed.Next(&*viewer);
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
  auto after = feed.Next(&*plan);
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(Describe(*after), ::testing::ElementsAre(
                                    "TYPE_CREATED profiles/e PROFILE_STATE_DRAFT by alice",
                                    "TYPE_DELETED profiles/e PROFILE_STATE_DRAFT by alice"));
}

TEST(FeedTest, TheFilterSelectsAndAskingForDraftsIsTheCallersRefusal) {
  auto store = Open();
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
TEST(FeedTest, ACommitWakesTheSubscribers) {
  auto store = Open();
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

// Watchers near the head read the feed's in-memory copy of the latest changes; one further
// behind than it reads the store; both get the same events.
TEST(FeedTest, TheSharedCacheOfRecentChangesAgreesWithTheStore) {
  auto store = Open();
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

}  // namespace
}  // namespace mgi::assessment
