// The integration-test harness: start the real binaries (and redis-server) on free loopback
// ports, wait for them with deadlines (never sleeps), signal them, read their logs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mgi::testing {

using std::chrono::milliseconds;

// A TCP port on 127.0.0.1 that was free a moment ago (bound with port 0, then released).
int FreePort();

// The path of a binary built by this project, e.g. BinaryPath("mgi-catalog").
std::string BinaryPath(const std::string& name);

// The project's source directory and default data directory.
std::string SourceDir();
std::string DataDir();

// A fresh, empty directory for one test (removed by the OS's tmp cleaning, kept for debugging).
std::string TempDir(const std::string& prefix = "mgi-test");

// A child process whose stdout and stderr go to a log file.
class Process {
 public:
  // `env` entries ("NAME=value") are added to the current environment.
  static std::unique_ptr<Process> Start(const std::string& binary,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& env = {});
  ~Process();  // SIGKILL and reap if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  bool Signal(int sig);
  // The exit code (128 + signal when killed by one), or nullopt if still running at the deadline.
  std::optional<int> Wait(milliseconds timeout);
  // Everything the process printed so far.
  std::string Log() const;
  const std::string& log_path() const { return log_path_; }

 private:
  Process() = default;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

// Polls grpc.health.v1.Health/Check(service) at `address` until SERVING or the deadline.
bool WaitForServing(const std::string& address, milliseconds timeout,
                    const std::string& service = "");

// Polls GET http://127.0.0.1:port/path until it answers 200 or the deadline.
bool WaitForHttp(int port, const std::string& path, milliseconds timeout);

// The body of GET http://127.0.0.1:port/path (a chunked body decoded), "" on any failure; reads
// for at most 10 s.
std::string HttpGetBody(int port, const std::string& path);

// A suite binary started with --host=127.0.0.1 --port=<free> --metrics-port=-1 (unless `args`
// sets them) and waited for until SERVING.
struct Service {
  std::unique_ptr<Process> process;
  int port = 0;
  std::string address;  // "127.0.0.1:<port>"
};
// Returns nullopt (with the process log on stderr) if it did not become SERVING in time.
std::optional<Service> StartService(const std::string& binary,
                                    const std::vector<std::string>& args = {},
                                    const std::vector<std::string>& env = {},
                                    milliseconds timeout = milliseconds(20000));

// A real redis-server on a free loopback port, no persistence.
class RedisServer {
 public:
  static std::unique_ptr<RedisServer> Start(const std::vector<std::string>& extra_args = {});
  ~RedisServer();
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Kill();       // SIGKILL
  bool Restart();    // starts again on the same port and waits for PING
  void Pause();      // SIGSTOP: connections stay open, nothing answers
  void Resume();     // SIGCONT
  // Sends one command with redis-cli semantics (inline), returns the raw first reply line.
  std::string Command(const std::string& inline_command);

 private:
  bool StartProcess();
  int port_ = 0;
  std::vector<std::string> args_;
  std::unique_ptr<Process> process_;
};

}  // namespace mgi::testing
