#include "services/assessment/watch_reactor.h"

#include <chrono>
#include <deque>
#include <mutex>

#include "services/common/access.h"
#include "services/common/status.h"
#include "services/assessment/assessment_grpc_service.h"

namespace mgi::assessment {
namespace {

using Event = av1::ProfileEvent;
using Clock = std::chrono::steady_clock;

// Every field below is guarded by mu_. The reactor is deleted in OnDone, which gRPC calls only
// after Finish; Finish is called only when no executor task and no write is outstanding, and the
// feed's callbacks stop at Unsubscribe (in OnDone), so nothing touches a deleted reactor.
class WatchReactor final : public grpc::ServerWriteReactor<Event> {
 public:
  WatchReactor(ProfileFeed* feed, Executor* executor) : feed_(feed), executor_(executor) {}

  void Begin(WatchPlan plan) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      plan_ = std::move(plan);
      last_sent_ = Clock::now();
      busy_ = true;  // the first read, from the resume token
    }
    StartSendInitialMetadata();
    id_ = feed_->Subscribe([this](bool advanced) { OnTick(advanced); }, [this] { OnStop(); });
    executor_->Post([this] { Work(); });
  }

  void OnSendInitialMetadataDone(bool) override {}

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) Finishing(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    Continue(lock);
  }

  void OnCancel() override {
    std::unique_lock<std::mutex> lock(mu_);
    Finishing(grpc::Status::CANCELLED);
    Continue(lock);
  }

  void OnDone() override {
    feed_->Unsubscribe(id_);
    delete this;
  }

 private:
  // The feed's thread, with the feed's lock held: never blocks, never finishes here.
  void OnTick(bool advanced) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finishing_) return;
    if (advanced) want_read_ = true;
    bool heartbeat_due = Clock::now() - last_sent_ >= feed_->options().heartbeat;
    if (busy_ || writing_ || !queue_.empty() || !(want_read_ || heartbeat_due)) return;
    busy_ = true;
    executor_->Post([this] { Work(); });
  }

  // The feed stops (shutdown): end with UNAVAILABLE, from the executor. Not once the watch is
  // already finishing: its last Work or write finishes it, or Finish has been called and OnDone may
  // be deleting this (a Work posted then ran on a destroyed reactor: UBSan, invalid vptr, seen in
  // assessment_watch_integration_test).
  void OnStop() {
    std::lock_guard<std::mutex> lock(mu_);
    if (finishing_) return;
    Finishing(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                           "the service is shutting down: watch again with the last resume_token"));
    if (busy_ || writing_) return;
    busy_ = true;
    executor_->Post([this] { Work(); });
  }

  // On the executor: reads the next batch when there may be one, queues a heartbeat when due,
  // then writes or finishes.
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!finishing_ && (want_read_ || plan_.cursor < feed_->head())) {
      want_read_ = false;
      WatchPlan plan = plan_;
      lock.unlock();
      auto events = feed_->Next(&plan);
      lock.lock();
      if (!events.ok()) {
        Finishing(ToGrpcStatus(events.status()));
      } else {
        plan_.cursor = plan.cursor;
        for (auto& e : *events) queue_.push_back(std::move(e));
        // More behind this batch: read again once it is written.
        if (plan_.cursor < feed_->head()) want_read_ = true;
      }
    }
    if (!finishing_ && queue_.empty() && !want_read_ &&
        Clock::now() - last_sent_ >= feed_->options().heartbeat) {
      queue_.push_back(ProfileFeed::Heartbeat(plan_.cursor));
    }
    busy_ = false;
    Continue(lock);
  }

  // With mu_ held (released on return): the next write, or the next read, or Finish.
  void Continue(std::unique_lock<std::mutex>& lock) {
    if (busy_ || writing_) return;
    if (!finishing_ && !queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      last_sent_ = Clock::now();
      lock.unlock();
      StartWrite(&current_);
      return;
    }
    if (!finishing_ && want_read_) {
      busy_ = true;
      lock.unlock();
      executor_->Post([this] { Work(); });
      return;
    }
    if (!finishing_ || finished_) return;
    finished_ = true;
    grpc::Status status = status_;
    lock.unlock();
    Finish(status);  // the last thing: OnDone may delete this at once
  }

  void Finishing(grpc::Status status) {
    if (finishing_) return;
    finishing_ = true;
    status_ = std::move(status);
    queue_.clear();
  }

  ProfileFeed* feed_;
  Executor* executor_;
  uint64_t id_ = 0;
  std::mutex mu_;
  WatchPlan plan_;
  std::deque<Event> queue_;
  Event current_;
  Clock::time_point last_sent_;
  bool busy_ = false;       // a Work task is posted or running
  bool writing_ = false;    // a StartWrite is outstanding
  bool want_read_ = false;  // the head may have moved past the cursor
  bool finishing_ = false;
  bool finished_ = false;
  grpc::Status status_;
};

// A reactor that only finishes with a refusal.
class RefusedWatch final : public grpc::ServerWriteReactor<Event> {
 public:
  explicit RefusedWatch(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<Event>* StartWatch(grpc::CallbackServerContext* context,
                                            const av1::WatchProfilesRequest* request,
                                            ProfileFeed* feed, Executor* executor) {
  if (feed == nullptr) return new RefusedWatch(absl::UnimplementedError("no change feed"));
  auto call = CallAccess(context);
  if (!call.ok()) return new RefusedWatch(call.status());
  // Plan() reads the store once (the token's window): cheap, and a refusal must be the status.
  auto plan = feed->Plan(*request, CallerOf(*call));
  if (!plan.ok()) return new RefusedWatch(plan.status());
  auto* reactor = new WatchReactor(feed, executor);
  reactor->Begin(*std::move(plan));
  return reactor;
}

}  // namespace mgi::assessment
