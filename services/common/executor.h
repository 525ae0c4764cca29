// A fixed pool of worker threads for blocking work (SQLite, Redis, rendering, peer calls), so
// that gRPC's callback threads never block; and Offload(), which runs a handler body there and
// finishes the unary reactor with its status.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "absl/status/status.h"

namespace mgi {

class Executor {
 public:
  explicit Executor(size_t threads);
  ~Executor();  // runs what is queued, then joins
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void Post(std::function<void()> task);

 private:
  void Work();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Runs `body` on `executor` and finishes the call with its status (converted by ToGrpcStatus).
// A call whose deadline passed or that was cancelled while queued is finished without running.
// The body runs inside a CallerScope (common/peer_auth.h): its peer calls forward the caller's
// authorization.
grpc::ServerUnaryReactor* Offload(grpc::CallbackServerContext* context, Executor& executor,
                                  std::function<absl::Status()> body);

// Finishes the call at once with `status` (for handlers that never block).
grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status);

}  // namespace mgi
