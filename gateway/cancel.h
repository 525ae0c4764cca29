// A one-shot cancellation signal between the transport (which sees a client go away) and a backend
// call (which it cancels with ClientContext::TryCancel). Thread-safe; standard library only.
#pragma once

#include <functional>
#include <mutex>
#include <utility>

namespace mgi::gateway {

class CancelSignal {
 public:
  // Fires the signal once: runs the hook, if one is set (outside the lock).
  void Cancel() {
    std::function<void()> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return;
      cancelled_ = true;
      hook = std::move(hook_);
    }
    if (hook) hook();
  }
  // What Cancel runs; runs it now when the signal already fired. Replaces an earlier hook.
  void OnCancel(std::function<void()> hook) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!cancelled_) {
        hook_ = std::move(hook);
        return;
      }
    }
    hook();
  }
  // Forgets the hook (the call it cancels is over).
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    hook_ = nullptr;
  }
  bool cancelled() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> hook_;
};

}  // namespace mgi::gateway
