// Threads that each own a gRPC completion queue, for client calls made with the completion-queue
// API: a call's answer is handled on the thread that took it from its queue. In the gateway this
// cost 10-20 % less CPU per call than gRPC 1.51's callback API, with as many context switches
// (docs/performance.md, fourth pass). Not for a process that is also a gRPC server: there its
// server's threads and these hand each answer to one another (the report's doubled).
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <grpcpp/completion_queue.h>

namespace mgi {

class CompletionThreads {
 public:
  // What a queue gives back: one operation per tag (a unary call's Finish). The queue's thread
  // calls Finished once, then deletes the tag; Finished must not block.
  class Tag {
   public:
    virtual ~Tag() = default;
    virtual void Finished() = 0;
  };

  explicit CompletionThreads(int threads);
  // Shuts the queues down and joins their threads once every operation already started has
  // finished (each call ends by its deadline at the latest).
  ~CompletionThreads();
  CompletionThreads(const CompletionThreads&) = delete;
  CompletionThreads& operator=(const CompletionThreads&) = delete;

  // The queue for the next call (round robin). Only Tag objects may be given to it.
  grpc::CompletionQueue* Next();

 private:
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace mgi
