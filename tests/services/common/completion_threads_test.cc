// The completion-queue threads client calls are read on (common/completion_threads.h), driven by
// grpc::Alarm: an operation that completes on a queue like a call's Finish, without a server.
#include "services/common/completion_threads.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <grpcpp/alarm.h>
#include <gtest/gtest.h>

namespace mgi {
namespace {

struct Seen {
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::atomic<int> finished{0};
  std::atomic<int> deleted{0};
};

class CountingTag final : public CompletionThreads::Tag {
 public:
  explicit CountingTag(Seen* seen) : seen_(seen) {}
  ~CountingTag() override { seen_->deleted++; }
  void Finished() override {
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->threads.insert(std::this_thread::get_id());
    }
    seen_->finished++;
  }

 private:
  Seen* seen_;
};

TEST(CompletionThreadsTest, EveryTagFinishesOnceOnAQueueThreadAndIsDeleted) {
  Seen seen;
  constexpr int kTags = 64;
  std::vector<std::unique_ptr<grpc::Alarm>> alarms;  // outlive the threads: never cancelled
  {
    CompletionThreads threads(2);
    for (int i = 0; i < kTags; ++i) {
      alarms.push_back(std::make_unique<grpc::Alarm>());
      alarms.back()->Set(threads.Next(), std::chrono::system_clock::now(), new CountingTag(&seen));
    }
  }  // the destructor returns once every tag given to a queue has finished
  EXPECT_EQ(seen.finished.load(), kTags);
  EXPECT_EQ(seen.deleted.load(), kTags);
  EXPECT_EQ(seen.threads.count(std::this_thread::get_id()), 0u);
  EXPECT_EQ(seen.threads.size(), 2u) << "round robin: both queues' threads finish tags";
}

TEST(CompletionThreadsTest, DestructionWaitsForOperationsStillInFlight) {
  Seen seen;
  auto alarm = std::make_unique<grpc::Alarm>();
  {
    CompletionThreads threads(1);
    // Due after the destructor has started: it must wait for it, not drop it.
    alarm->Set(threads.Next(), std::chrono::system_clock::now() + std::chrono::milliseconds(200),
               new CountingTag(&seen));
  }
  EXPECT_EQ(seen.finished.load(), 1);
  EXPECT_EQ(seen.deleted.load(), 1);
}

TEST(CompletionThreadsTest, AtLeastOneThread) {
  Seen seen;
  grpc::Alarm alarm;
  {
    CompletionThreads threads(0);
    alarm.Set(threads.Next(), std::chrono::system_clock::now(), new CountingTag(&seen));
  }
  EXPECT_EQ(seen.finished.load(), 1);
}

}  // namespace
}  // namespace mgi
