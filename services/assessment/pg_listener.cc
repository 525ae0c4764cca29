#include "services/assessment/pg_listener.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

namespace mgi::assessment {

PgListener::PgListener(PgOptions options, std::string channel, std::function<void()> on_notify,
                       std::chrono::milliseconds retry)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      on_notify_(std::move(on_notify)),
      retry_(retry) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { Run(); });
}

PgListener::~PgListener() {
  stopping_ = true;
  uint64_t one = 1;
  if (wake_fd_ >= 0 && write(wake_fd_, &one, sizeof(one)) < 0) {
    // The thread still sees stopping_ within its next wait.
  }
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

bool PgListener::Pause(std::chrono::milliseconds timeout) {
  pollfd wake{wake_fd_, POLLIN, 0};
  poll(&wake, 1, static_cast<int>(timeout.count()));
  return !stopping_;
}

void PgListener::Run() {
  static const std::vector<PgStatement> kNone;
  std::unique_ptr<PgConnection> conn;
  bool lost = false;  // the listener was cut off: say so once, and say when it is back
  while (!stopping_) {
    if (!listening_) {
      conn = std::make_unique<PgConnection>(&options_, &kNone);
      absl::Status s = conn->Ensure();
      if (s.ok()) s = conn->Sql("LISTEN " + channel_).status();
      if (!s.ok()) {
        if (!lost) {
          spdlog::warn("LISTEN {}: {}; retrying every {} ms, polling meanwhile", channel_,
                       s.ToString(), retry_.count());
        }
        lost = true;
        if (!Pause(retry_)) break;
        continue;
      }
      listening_ = true;
      if (lost) spdlog::info("LISTEN {}: listening again", channel_);
      lost = false;
      on_notify_();  // what was committed while nobody listened
    }
    pollfd fds[2] = {{conn->Socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fds[0].revents = POLLERR;  // treat as a lost connection: reconnect
    }
    if (stopping_) break;
    if (fds[0].revents == 0) continue;
    auto n = conn->TakeNotifications();
    if (!n.ok()) {
      spdlog::warn("LISTEN {}: {}; reconnecting, polling meanwhile", channel_,
                   n.status().ToString());
      listening_ = false;
      lost = true;
      if (!Pause(retry_)) break;
      continue;
    }
    if (*n > 0) on_notify_();
  }
  listening_ = false;
}

}  // namespace mgi::assessment
