#include "services/assessment/background_seeder.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "spdlog/spdlog.h"

namespace mgi::assessment {

BackgroundSeeder::BackgroundSeeder(ProfileManager* manager, std::string dir,
                                   PeerCredentials credentials,
                                   std::chrono::milliseconds give_up_after,
                                   std::chrono::milliseconds first_attempt_grace)
    : manager_(manager),
      dir_(std::move(dir)),
      credentials_(std::move(credentials)),
      give_up_after_(give_up_after) {
  if (dir_.empty()) {
    finished_ = true;
    return;
  }
  thread_ = std::thread([this] { Run(); });
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, first_attempt_grace, [this] { return attempts_ > 0 || finished_; });
}

BackgroundSeeder::~BackgroundSeeder() { Stop(); }

void BackgroundSeeder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool BackgroundSeeder::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return finished_; });
  return !failed_ && !stop_;
}

int BackgroundSeeder::ExitCode(int server_code) const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_ ? 1 : server_code;
}

void BackgroundSeeder::Run() {
  auto start = std::chrono::steady_clock::now();
  auto backoff = std::chrono::milliseconds(200);
  bool warned = false;
  absl::Status failure;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
    }
    auto n = manager_->SeedFromDirectory(dir_, credentials_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++attempts_;
    }
    cv_.notify_all();
    if (n.ok()) {
      spdlog::info("seeding done dir={} imported={}", dir_, *n);
      break;
    }
    // A profile created by a client meanwhile makes the next attempt skip it: retry at once.
    bool retry = absl::IsUnavailable(n.status()) || absl::IsAlreadyExists(n.status()) ||
                 absl::IsAborted(n.status());
    auto waited = std::chrono::steady_clock::now() - start;
    if (!retry || (give_up_after_.count() > 0 && waited >= give_up_after_)) {
      failure = n.status();
      break;
    }
    if (!warned) {
      spdlog::warn("seeding waits for the catalog in the background (serving meanwhile): {}",
                   n.status().ToString());
      warned = true;
    }
    std::unique_lock<std::mutex> lock(mu_);
    // A backoff between attempts that Stop() cuts short; not a synchronisation.
    cv_.wait_for(lock, backoff, [this] { return stop_; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure.ok()) {
    spdlog::critical("seeding from {} failed, stopping: {}", dir_, failure.ToString());
    failed_ = true;
    ::kill(::getpid(), SIGTERM);  // a graceful drain through the server's signal handling
  } else if (stop_) {
    spdlog::info("seeding stopped before it was done dir={}", dir_);
  }
  finished_ = true;
  cv_.notify_all();
}

}  // namespace mgi::assessment
