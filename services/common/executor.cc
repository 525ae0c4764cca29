#include "services/common/executor.h"

#include "services/common/status.h"

namespace mgi {

Executor::Executor(size_t threads) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

Executor::~Executor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void Executor::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void Executor::Work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

grpc::ServerUnaryReactor* Offload(grpc::CallbackServerContext* context, Executor& executor,
                                  HandlerBody body) {
  auto caller = CallAccess(context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  executor.Post([context, reactor, caller = *std::move(caller), body = std::move(body)] {
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled before it ran"));
      return;
    }
    reactor->Finish(ToGrpcStatus(body(caller)));
  });
  return reactor;
}

grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, const HandlerBody& body) {
  auto caller = CallAccess(context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  return FinishNow(context, body(*caller));
}

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace mgi
