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

}  // namespace mgi
