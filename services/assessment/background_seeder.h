// Seeding from a directory of profile documents, on a thread of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "services/common/peer_auth.h"
#include "services/assessment/profile_manager.h"

namespace mgi::assessment {

// Seeds from a directory on a thread of its own, so that the service serves (and honours SIGTERM)
// at once even while the catalog is down: it retries while the catalog is UNAVAILABLE, with a
// backoff that Stop() interrupts, and seeds as soon as the catalog answers. A problem that
// retrying cannot fix (bad seed files, a refused token), or a catalog still unavailable after
// `give_up_after` (0: never give up), is fatal: it is logged and the process is asked to stop
// (SIGTERM to itself, a graceful drain) and ExitCode() turns the exit code into 1.
class BackgroundSeeder {
 public:
  // Does nothing when `dir` is empty. Otherwise starts seeding and waits for the outcome of the
  // first attempt for at most `first_attempt_grace`: with the catalog up, the service is seeded
  // before it serves its first request; with the catalog down, the attempt fails within the
  // channel's fast retries (well under a second) and the service serves at once.
  // The catalog is called with `credentials` (the service token, if any).
  BackgroundSeeder(ProfileManager* manager, std::string dir, PeerCredentials credentials,
                   std::chrono::milliseconds give_up_after,
                   std::chrono::milliseconds first_attempt_grace = std::chrono::seconds(2));
  ~BackgroundSeeder();  // Stop()
  BackgroundSeeder(const BackgroundSeeder&) = delete;
  BackgroundSeeder& operator=(const BackgroundSeeder&) = delete;

  // Ends the retries and waits for the thread (at most one seeding attempt, bounded by the
  // catalog calls' deadline).
  void Stop();
  // Blocks until seeding has finished (true) or failed or was stopped (false).
  bool Wait();
  // `server_code`, or 1 when seeding failed.
  int ExitCode(int server_code) const;

 private:
  void Run();

  ProfileManager* manager_;
  std::string dir_;
  PeerCredentials credentials_;
  std::chrono::milliseconds give_up_after_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int attempts_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace mgi::assessment
