// Whether a service is ready, from the conditions its parts report (e.g. the token file is
// broken). The server bootstrap turns it into gRPC health: NOT_SERVING while any condition fails.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace mgi {

class Readiness {
 public:
  // Records the state of one condition, named e.g. "auth-tokens-file" (OK: met). Thread-safe.
  void Set(const std::string& condition, const absl::Status& status);
  // OK when every condition is met, else the first failing one.
  absl::Status Check() const;
  // Called with Check() whenever readiness flips (and once now). One subscriber; it must not
  // call Set.
  void Subscribe(std::function<void(const absl::Status&)> subscriber);

 private:
  absl::Status CheckLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  mutable std::mutex mu_;
  std::map<std::string, absl::Status> conditions_ ABSL_GUARDED_BY(mu_);
  std::function<void(const absl::Status&)> subscriber_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mgi
