#include "services/common/readiness.h"

#include "absl/strings/str_cat.h"

namespace mgi {

void Readiness::Set(const std::string& condition, const absl::Status& status) {
  // The subscriber runs under the lock, so that two changes reach it in their order.
  std::lock_guard<std::mutex> lock(mu_);
  absl::Status before = CheckLocked();
  conditions_[condition] = status;
  absl::Status after = CheckLocked();
  if (subscriber_ && before.ok() != after.ok()) subscriber_(after);
}

absl::Status Readiness::Check() const {
  std::lock_guard<std::mutex> lock(mu_);
  return CheckLocked();
}

absl::Status Readiness::CheckLocked() const {
  for (const auto& [name, status] : conditions_) {
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat(name, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

void Readiness::Subscribe(std::function<void(const absl::Status&)> subscriber) {
  std::lock_guard<std::mutex> lock(mu_);
  subscriber_ = std::move(subscriber);
  if (subscriber_) subscriber_(CheckLocked());
}

}  // namespace mgi
