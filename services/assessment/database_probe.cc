#include "services/assessment/database_probe.h"

namespace mgi::assessment {

DatabaseProbe::DatabaseProbe(ProfileStore* store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval), thread_([this] { Run(); }) {}

DatabaseProbe::~DatabaseProbe() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void DatabaseProbe::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    store_->Ping().IgnoreError();  // the monitored store records the outcome
    lock.lock();
    // The probe's period, cut short by the destructor; not a synchronisation.
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

}  // namespace mgi::assessment
