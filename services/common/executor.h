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

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "services/common/access.h"

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
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

// The body of a handler: it runs only once the caller passed the method's declared access
// (common/access.h), and gets the caller's CallContext (identity, rights, peer credentials).
using HandlerBody = std::function<absl::Status(const CallContext& caller)>;

// Runs `body` on `executor` and finishes the call with its status (converted by ToGrpcStatus).
// A call refused by access control, or whose deadline passed or that was cancelled while queued,
// is finished without running it.
grpc::ServerUnaryReactor* Offload(grpc::CallbackServerContext* context, Executor& executor,
                                  HandlerBody body);

// The same on the calling thread, for handlers that never block.
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, const HandlerBody& body);

// Finishes the call at once with `status` (for handlers that never block).
grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status);

}  // namespace mgi
