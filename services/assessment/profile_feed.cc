#include "services/assessment/profile_feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/status.h"
#include "google/protobuf/util/time_util.h"
#include "services/assessment/profile_query.h"

namespace mgi::assessment {
namespace {

using google::protobuf::util::TimeUtil;
using Event = av1::ProfileEvent;

constexpr char kTokenPrefix[] = "mgi.watch.v1:";

bool Readable(int state, const WatchPlan& plan) {
  return plan.drafts || state == av1::PROFILE_STATE_PUBLISHED ||
         state == av1::PROFILE_STATE_ARCHIVED;
}

// The change's profile (with `state`) matches the filter.
bool Matches(const ProfileChange& c, int state, const ProfileQuery& q) {
  if (q.country && *q.country != c.country) return false;
  if (q.level && *q.level != c.level) return false;
  if (q.state && *q.state != state) return false;
  if (q.edition && *q.edition != c.edition) return false;
  if (q.assessment_year && *q.assessment_year != c.assessment_year) return false;
  return true;
}

}  // namespace

std::string EncodeResumeToken(int64_t sequence) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, sequence));
}

absl::StatusOr<int64_t> DecodeResumeToken(const std::string& token) {
  std::string raw;
  int64_t sequence = 0;
  if (!absl::WebSafeBase64Unescape(token, &raw) || !absl::StartsWith(raw, kTokenPrefix) ||
      !absl::SimpleAtoi(raw.substr(sizeof(kTokenPrefix) - 1), &sequence) || sequence < 0) {
    return InvalidArgument("resume_token",
                           "is not a resume token of this feed: pass the `resume_token` of the "
                           "last event received (or the SSE event id), unchanged");
  }
  return sequence;
}

std::optional<Event> EventFor(const ProfileChange& c, const WatchPlan& plan) {
  using Kind = ProfileWrite::Kind;
  bool readable_before = c.kind != Kind::kCreate && Readable(c.previous_state, plan);
  bool readable_after = Readable(c.state, plan);
  bool in_before = readable_before && Matches(c, c.previous_state, plan.query);
  bool in_after = readable_after && Matches(c, c.state, plan.query);
  if (c.kind == Kind::kDelete) {  // `state` is the state it had: in the view before, if at all
    in_before = readable_after && Matches(c, c.state, plan.query);
    in_after = false;
  }
  if (!in_before && !in_after) return std::nullopt;
  Event e;
  if (c.kind == Kind::kDelete || !readable_after) {
    e.set_type(Event::TYPE_DELETED);  // gone, or out of what the caller may read
  } else if (c.kind == Kind::kCreate) {
    e.set_type(Event::TYPE_CREATED);
  } else if (!readable_before || c.state != c.previous_state) {
    // It entered the caller's view, or changed state: what it became.
    switch (c.state) {
      case av1::PROFILE_STATE_PUBLISHED:
        e.set_type(Event::TYPE_PUBLISHED);
        break;
      case av1::PROFILE_STATE_ARCHIVED:
        e.set_type(Event::TYPE_ARCHIVED);
        break;
      default:
        e.set_type(Event::TYPE_UPDATED);
    }
  } else {
    e.set_type(Event::TYPE_UPDATED);
  }
  e.set_name(c.name);
  e.set_revision(c.revision);
  e.set_etag(c.etag);
  // A profile that left the caller's view keeps the last state the caller could see.
  e.set_state(static_cast<av1::ProfileState>(
      c.kind != Kind::kDelete && !readable_after ? c.previous_state : c.state));
  *e.mutable_event_time() = TimeUtil::MicrosecondsToTimestamp(c.time_us);
  if (plan.drafts) e.set_actor(c.actor);
  e.set_resume_token(EncodeResumeToken(c.sequence));
  if (plan.include_profile && e.type() != Event::TYPE_DELETED && c.profile) {
    *e.mutable_profile() = *c.profile;
  }
  return e;
}

ProfileFeed::ProfileFeed(ProfileStore* store, Options options)
    : store_(store), options_(options) {
  if (auto page = store_->ReadChanges(-1, 0, false); page.ok()) head_ = page->head;
  recent_floor_ = recent_head_ = head_.load();
  thread_ = std::thread([this] { Run(); });
  // Another replica's commit wakes the feed as a local one does.
  subscription_ = store_->SubscribeChanges([this] { Notify(); });
}

ProfileFeed::~ProfileFeed() {
  Stop();
  subscription_.reset();  // its thread calls Notify() until then
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<WatchPlan> ProfileFeed::Plan(const av1::WatchProfilesRequest& request,
                                            const Caller& caller) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::UnavailableError("the service is shutting down; watch again");
  }
  auto query = ParseQuery(request.filter());
  if (!query.ok()) return query.status();
  if (query->state && *query->state == av1::PROFILE_STATE_DRAFT && !caller.may_read_drafts()) {
    return caller.read_drafts;
  }
  WatchPlan plan;
  plan.query = *std::move(query);
  plan.drafts = caller.may_read_drafts();
  plan.include_profile = request.include_profile();
  int64_t after = -1;
  if (!request.resume_token().empty()) {
    auto seq = DecodeResumeToken(request.resume_token());
    if (!seq.ok()) return seq.status();
    after = *seq;
  }
  // Checks the token against the log's window (OUT_OF_RANGE), or reads the present.
  auto page = store_->ReadChanges(after, 0, false);
  if (!page.ok()) return page.status();
  plan.cursor = after < 0 ? page->head : after;
  return plan;
}

bool ProfileFeed::FromCache(int64_t after, int64_t limit, std::vector<ProfileChange>* out) const {
  std::lock_guard<std::mutex> lock(recent_mu_);
  if (options_.recent <= 0 || after < recent_floor_ || after >= recent_head_) return false;
  auto it = std::upper_bound(recent_.begin(), recent_.end(), after,
                             [](int64_t a, const ProfileChange& c) { return a < c.sequence; });
  for (; it != recent_.end() && static_cast<int64_t>(out->size()) < limit; ++it) {
    out->push_back(*it);
  }
  return true;
}

void ProfileFeed::CacheUpTo(int64_t head) {
  if (options_.recent <= 0) return;
  int64_t from;
  {
    std::lock_guard<std::mutex> lock(recent_mu_);
    from = recent_head_;
  }
  while (from < head) {
    auto page = store_->ReadChanges(from, 1000, false);
    std::lock_guard<std::mutex> lock(recent_mu_);
    if (!page.ok() || page->changes.empty()) {
      // Pruned past the cache (OUT_OF_RANGE), or unreadable: start again from the head.
      recent_.clear();
      recent_floor_ = recent_head_ = page.ok() ? page->head : head;
      return;
    }
    for (auto& c : page->changes) recent_.push_back(std::move(c));
    recent_head_ = from = recent_.back().sequence;
    if (recent_.size() > static_cast<size_t>(options_.recent)) {
      size_t drop = recent_.size() - static_cast<size_t>(options_.recent);
      recent_floor_ = recent_[drop - 1].sequence;
      recent_.erase(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(drop));
    }
  }
}

absl::StatusOr<std::vector<Event>> ProfileFeed::Next(WatchPlan* plan) {
  std::vector<ProfileChange> changes;
  // Watchers near the head share the feed's copy of the latest changes; the others (and those
  // that want whole profiles) read the store.
  if (plan->include_profile || !FromCache(plan->cursor, options_.batch, &changes)) {
    auto page = store_->ReadChanges(plan->cursor, options_.batch, plan->include_profile);
    if (!page.ok()) return page.status();
    changes = std::move(page->changes);
  }
  std::vector<Event> events;
  for (const ProfileChange& c : changes) {
    plan->cursor = c.sequence;
    if (auto e = EventFor(c, *plan)) events.push_back(*std::move(e));
  }
  return events;
}

Event ProfileFeed::Heartbeat(int64_t cursor) {
  Event e;
  e.set_type(Event::TYPE_HEARTBEAT);
  *e.mutable_event_time() = TimeUtil::GetCurrentTime();
  e.set_resume_token(EncodeResumeToken(cursor));
  return e;
}

uint64_t ProfileFeed::Subscribe(std::function<void(bool)> on_tick, std::function<void()> on_stop) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) {
    on_stop();
    return 0;
  }
  uint64_t id = next_id_++;
  subscribers_[id] = Subscriber{std::move(on_tick), std::move(on_stop)};
  if (watchers_gauge_ != nullptr) watchers_gauge_->Set(static_cast<double>(subscribers_.size()));
  return id;
}

void ProfileFeed::Unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.erase(id);
  if (watchers_gauge_ != nullptr) watchers_gauge_->Set(static_cast<double>(subscribers_.size()));
}

int ProfileFeed::watchers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(subscribers_.size());
}

void ProfileFeed::Notify() {
  std::lock_guard<std::mutex> lock(mu_);
  notified_ = true;
  cv_.notify_all();
}

void ProfileFeed::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;
  stopping_ = true;
  for (auto& [id, s] : subscribers_) s.on_stop();
  subscribers_.clear();
  if (watchers_gauge_ != nullptr) watchers_gauge_->Set(0);
  cv_.notify_all();
}

void ProfileFeed::Run() {
  using Clock = std::chrono::steady_clock;
  auto tick = std::min<std::chrono::milliseconds>(options_.poll_interval, std::chrono::seconds(1));
  auto next_poll = Clock::now() + options_.poll_interval;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, tick, [this] { return notified_ || stopping_; });
    if (stopping_) break;
    bool local = notified_;
    notified_ = false;
    int64_t before = head_.load();
    if (local || Clock::now() >= next_poll) {
      next_poll = Clock::now() + options_.poll_interval;
      lock.unlock();
      auto page = store_->ReadChanges(-1, 0, false);
      // The cache first: the watchers woken below find the new changes in it.
      if (page.ok() && page->head > before) CacheUpTo(page->head);
      lock.lock();
      if (page.ok()) {
        head_ = std::max(before, page->head);
      } else {
        spdlog::warn("watch: cannot read the change log's head: {}", page.status().ToString());
      }
    }
    bool advanced = head_.load() > before;
    for (auto& [id, s] : subscribers_) s.on_tick(advanced);
  }
}

}  // namespace mgi::assessment
