#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"

extern char** environ;

namespace mgi::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Short waits between polls; the loop is always bounded by a deadline.
void Backoff(int attempt) {
  std::this_thread::sleep_for(milliseconds(std::min(5 * (1 << std::min(attempt, 5)), 100)));
}

int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string Exchange(int port, const std::string& request) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return "";
  std::string out;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) out.assign(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string BinaryPath(const std::string& name) { return std::string(MGI_BIN_DIR) + "/" + name; }
std::string SourceDir() { return MGI_SOURCE_DIR; }
std::string DataDir() { return std::string(MGI_SOURCE_DIR) + "/data"; }

std::string TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return "";
  return buf.data();
}

std::unique_ptr<Process> Process::Start(const std::string& binary,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& env) {
  static std::atomic<int> counter{0};
  std::unique_ptr<Process> p(new Process());
  std::string base = binary.substr(binary.find_last_of('/') + 1);
  static const std::string dir = TempDir("mgi-logs");
  p->log_path_ = dir + "/" + base + "-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter++) + ".log";
  std::vector<std::string> argv_s = {binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> argv, envp;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  int log_fd = ::open(p->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    // The test may block signals for its own threads; the child starts with none blocked.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(binary.c_str(), argv.data(), envp.data());
    std::fprintf(stderr, "execve %s: %s\n", binary.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) return nullptr;
  p->pid_ = pid;
  return p;
}

Process::~Process() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
}

bool Process::Running() {
  if (exit_code_) return false;
  return !Wait(milliseconds(0)).has_value();
}

bool Process::Signal(int sig) { return !exit_code_ && ::kill(pid_, sig) == 0; }

std::optional<int> Process::Wait(milliseconds timeout) {
  if (exit_code_) return exit_code_;
  auto deadline = Clock::now() + timeout;
  for (int attempt = 0;; ++attempt) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    Backoff(attempt);
  }
}

std::string Process::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WaitForServing(const std::string& address, milliseconds timeout, const std::string& service) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  auto deadline = Clock::now() + timeout;
  for (int attempt = 0; Clock::now() < deadline; ++attempt) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(500));
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    if (stub->Check(&ctx, req, &resp).ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    Backoff(attempt);
  }
  return false;
}

bool WaitForHttp(int port, const std::string& path, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  for (int attempt = 0; Clock::now() < deadline; ++attempt) {
    std::string resp = Exchange(port, req);
    if (resp.rfind("HTTP/1.1 200", 0) == 0) return true;
    Backoff(attempt);
  }
  return false;
}

std::string HttpGetBody(int port, const std::string& path) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return "";
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  std::string out;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
    char buf[8192];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t end = out.find("\r\n\r\n");
  if (end == std::string::npos) return "";
  std::string head = out.substr(0, end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = out.substr(end + 4);
  if (head.find("transfer-encoding: chunked") == std::string::npos) return body;
  std::string decoded;
  for (size_t p = 0; p < body.size();) {
    size_t eol = body.find("\r\n", p);
    if (eol == std::string::npos) break;
    size_t n = std::stoul(body.substr(p, eol - p), nullptr, 16);
    if (n == 0) break;
    decoded += body.substr(eol + 2, n);
    p = eol + 2 + n + 2;
  }
  return decoded;
}

std::optional<Service> StartService(const std::string& binary, const std::vector<std::string>& args,
                                    const std::vector<std::string>& env, milliseconds timeout) {
  auto has = [&](const std::string& prefix) {
    for (const auto& a : args) {
      if (a.rfind(prefix, 0) == 0) return true;
    }
    return false;
  };
  // A port can be taken between FreePort() and the bind: try a few.
  for (int attempt = 0; attempt < 3; ++attempt) {
    Service s;
    std::vector<std::string> full = args;
    if (!has("--port")) {
      s.port = FreePort();
      full.push_back("--port=" + std::to_string(s.port));
    } else {
      for (const auto& a : args) {
        if (a.rfind("--port=", 0) == 0) s.port = std::stoi(a.substr(7));
      }
    }
    if (!has("--host")) full.push_back("--host=127.0.0.1");
    if (!has("--metrics-port")) full.push_back("--metrics-port=-1");
    s.address = "127.0.0.1:" + std::to_string(s.port);
    s.process = Process::Start(BinaryPath(binary), full, env);
    if (!s.process) continue;
    auto deadline = Clock::now() + timeout;
    bool serving = false;
    while (Clock::now() < deadline) {
      if (WaitForServing(s.address, milliseconds(250))) {
        serving = true;
        break;
      }
      if (!s.process->Running()) break;
    }
    if (serving) return s;
    std::string log = s.process->Log();
    bool port_taken = log.find("cannot listen") != std::string::npos ||
                      log.find("Address already in use") != std::string::npos;
    if (!port_taken || has("--port")) {
      std::cerr << "[harness] " << binary << " did not become SERVING; its log:\n" << log << "\n";
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::unique_ptr<RedisServer> RedisServer::Start(const std::vector<std::string>& extra_args) {
  std::unique_ptr<RedisServer> r(new RedisServer());
  r->args_ = extra_args;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r->port_ = FreePort();
    if (r->StartProcess()) return r;
  }
  return nullptr;
}

bool RedisServer::StartProcess() {
  std::vector<std::string> args = {
      "--port", std::to_string(port_), "--bind", "127.0.0.1",   "--save",
      "",       "--appendonly",        "no",     "--daemonize", "no"};
  args.insert(args.end(), args_.begin(), args_.end());
  process_ = Process::Start("/usr/bin/redis-server", args);
  if (!process_) return false;
  auto deadline = Clock::now() + milliseconds(10000);
  for (int attempt = 0; Clock::now() < deadline; ++attempt) {
    std::string reply = Command("PING");
    if (reply.rfind("+PONG", 0) == 0 || reply.rfind("-NOAUTH", 0) == 0) return true;
    if (!process_->Running()) return false;
    Backoff(attempt);
  }
  return false;
}

RedisServer::~RedisServer() {
  if (process_) Resume();
}

void RedisServer::Kill() {
  if (!process_) return;
  Resume();
  process_->Signal(SIGKILL);
  process_->Wait(milliseconds(5000));
}

bool RedisServer::Restart() {
  Kill();
  return StartProcess();
}

void RedisServer::Pause() {
  if (process_) process_->Signal(SIGSTOP);
}

void RedisServer::Resume() {
  if (process_) process_->Signal(SIGCONT);
}

std::string RedisServer::Command(const std::string& inline_command) {
  std::string reply = Exchange(port_, inline_command + "\r\n");
  auto eol = reply.find("\r\n");
  return eol == std::string::npos ? reply : reply.substr(0, eol);
}

}  // namespace mgi::testing
