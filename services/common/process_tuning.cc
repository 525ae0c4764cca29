#include "services/common/process_tuning.h"

#include "absl/synchronization/mutex.h"

namespace mgi {

void TuneProcessForRelease() {
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::EnableMutexInvariantDebugging(false);
#endif
}

}  // namespace mgi
