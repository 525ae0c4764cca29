// Calls the store's Ping() on a thread of its own every `interval`, so that readiness follows the
// database (through MonitoredProfileStore) even when no call comes in: a replica taken out of
// service because its server was down comes back when the server does, without a restart.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "services/assessment/profile_store.h"

namespace mgi::assessment {

class DatabaseProbe {
 public:
  // `store` outlives this.
  DatabaseProbe(ProfileStore* store, std::chrono::milliseconds interval);
  ~DatabaseProbe();  // stops and joins the thread
  DatabaseProbe(const DatabaseProbe&) = delete;
  DatabaseProbe& operator=(const DatabaseProbe&) = delete;

 private:
  void Run();
  ProfileStore* store_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mgi::assessment
