#include "services/common/process_tuning.h"

#include <malloc.h>

#include "absl/synchronization/mutex.h"

namespace mgi {

bool ApplyHeapSettings(const HeapSettings& settings) {
  bool ok = mallopt(M_ARENA_MAX, settings.arenas) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>(settings.trim_bytes)) == 1 && ok;
  ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(settings.mmap_bytes)) == 1 && ok;
  return ok;
}

void TuneProcessForRelease() {
  ApplyHeapSettings(HeapSettings{});
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::EnableMutexInvariantDebugging(false);
#endif
}

HeapTrimmer::HeapTrimmer(std::chrono::milliseconds interval) : interval_(interval) {
  if (interval_.count() <= 0) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      malloc_trim(0);
      trims_.fetch_add(1);
      lock.lock();
    }
  });
}

HeapTrimmer::~HeapTrimmer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace mgi
