#include "services/common/completion_threads.h"

#include <algorithm>

namespace mgi {

CompletionThreads::CompletionThreads(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    queues_.push_back(std::make_unique<grpc::CompletionQueue>());
  }
  for (auto& queue : queues_) {
    threads_.emplace_back([cq = queue.get()] {
      void* tag = nullptr;
      bool ok = false;  // a unary Finish always reports ok; its status says how the call ended
      while (cq->Next(&tag, &ok)) {
        std::unique_ptr<Tag> finished(static_cast<Tag*>(tag));
        finished->Finished();
      }
    });
  }
}

CompletionThreads::~CompletionThreads() {
  for (auto& queue : queues_) queue->Shutdown();
  for (auto& thread : threads_) thread.join();
}

grpc::CompletionQueue* CompletionThreads::Next() {
  return queues_[next_.fetch_add(1, std::memory_order_relaxed) % queues_.size()].get();
}

}  // namespace mgi
