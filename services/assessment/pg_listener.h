// A dedicated libpq connection that LISTENs on one channel and calls back when a NOTIFY arrives:
// how one replica learns at once of a commit another replica made on the same server. The
// connection is its own (never one of the pool's: a pooled connection is idle between calls and
// would not be read). When the server goes away the listener reconnects by itself (every
// `retry`) and, once listening again, calls back once, since notifications sent meanwhile are
// lost: the callback is a hint to read the database, never the data itself.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "services/assessment/pg_pool.h"

namespace mgi::assessment {

class PgListener {
 public:
  // Starts the listener's thread, which connects, runs LISTEN `channel` and waits.
  // `on_notify` runs on that thread and must not block.
  PgListener(PgOptions options, std::string channel, std::function<void()> on_notify,
             std::chrono::milliseconds retry = std::chrono::seconds(1));
  ~PgListener();  // stops the thread (at once, or after a connection attempt under way)
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  // Whether LISTEN is in effect now.
  bool listening() const { return listening_.load(); }

 private:
  void Run();
  // Waits until `timeout` passes or the listener is stopped; false when stopped.
  bool Pause(std::chrono::milliseconds timeout);
  PgOptions options_;
  std::string channel_;
  std::function<void()> on_notify_;
  std::chrono::milliseconds retry_;
  std::atomic<bool> listening_{false};
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;  // an eventfd: written to stop the thread's poll()
  std::thread thread_;
};

}  // namespace mgi::assessment
