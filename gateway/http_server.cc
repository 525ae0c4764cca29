#include "gateway/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <array>
#include <condition_variable>
#include <cerrno>
#include <sys/socket.h>
#include <deque>
#include <csignal>
#include <fstream>
#include <mutex>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/server.h"  // WaitForShutdownSignal
#include "gateway/http_listener.h"
#include "gateway/http_session.h"
#include "gateway/http_message.h"
#include "gateway/rate_limiter.h"

namespace mgi::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;
using http_session::Registry;
using http_session::Session;
using http_session::SessionBase;
using http_session::Shared;

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  Gateway* gateway = nullptr;
  // One event loop per io thread: a connection lives on one of them (round robin), so its
  // handlers need no strand and no other thread's lock, and backend answers are posted straight
  // to its loop. Each loop is kept running (`work`) until the server shuts down.
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  size_t next_loop = 0;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<ssl::context> tls;  // set: HTTPS
  std::unique_ptr<RateLimiter> limiter;
  Counter* rejected = nullptr;  // connections refused by the caps
  Registry registry;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  int port = 0;
  bool shut_down = false;

  void Accept() {
    asio::io_context& loop = *loops[next_loop++ % loops.size()];
    acceptor->async_accept(loop, [this, &loop](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
        spdlog::warn("accept failed: {}", ec.message());
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::string remote;
        auto peer = socket.remote_endpoint(ec);
        if (!ec) remote = peer.address().to_string();
        Shared shared{&options, gateway, &registry, &loop, limiter.get()};
        std::shared_ptr<SessionBase> session;
        std::function<void()> start;
        if (tls) {
          auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
              beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls), remote, shared);
          session = s;
          start = [s] { s->Start(); };
        } else {
          auto s = std::make_shared<Session<beast::tcp_stream>>(
              beast::tcp_stream(std::move(socket)), remote, shared);
          session = s;
          start = [s] { s->Start(); };
        }
        // Beyond a cap, or stopping: the session is dropped here, which closes its socket.
        if (Admit(session, remote)) start();
      }
      if (acceptor->is_open()) Accept();
    });
  }

  // Registers a new connection unless the server is stopping or a connection cap is reached.
  bool Admit(const std::shared_ptr<SessionBase>& session, const std::string& client) {
    std::lock_guard<std::mutex> lock(registry.mu);
    if (registry.stopping) return false;
    int& mine = registry.per_client[client];
    bool over = (options.max_connections > 0 &&
                 registry.sessions.size() >= static_cast<size_t>(options.max_connections)) ||
                (options.max_connections_per_client > 0 &&
                 mine >= options.max_connections_per_client);
    if (over) {
      if (mine == 0) registry.per_client.erase(client);
      if (rejected != nullptr) rejected->Inc();
      return false;
    }
    ++mine;
    registry.sessions.insert(session);
    return true;
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(std::chrono::milliseconds(1000)); }

int HttpServer::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              Gateway* gateway,
                                                              MetricsRegistry* metrics) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->gateway = gateway;
  if (metrics != nullptr) {
    impl->rejected = metrics->GetCounter(
        "mgi_gateway_connections_rejected_total",
        "Connections closed at once because a connection cap (global or per client) was reached");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("tls-cert-file and tls-key-file go together");
  }
  if (!options.tls_cert_file.empty()) {
    auto tls = MakeTlsContext(options);
    if (!tls.ok()) return tls.status();
    impl->tls = *std::move(tls);
  }
  if (options.rate_limit_rps > 0) {
    RateLimiter::Options limits;
    limits.rate_per_second = options.rate_limit_rps;
    limits.burst = std::max(1.0, options.rate_limit_burst);
    impl->limiter = std::make_unique<RateLimiter>(limits);
  }
  int threads = std::max(1, options.io_threads);
  for (int i = 0; i < threads; ++i) {
    impl->loops.push_back(std::make_unique<asio::io_context>(1));
    impl->work.push_back(asio::make_work_guard(*impl->loops.back()));
  }
  impl->acceptor = std::make_unique<tcp::acceptor>(*impl->loops.front());
  if (auto s = Listen(options, impl->acceptor.get()); !s.ok()) return s;
  impl->port = impl->acceptor->local_endpoint().port();
  impl->Accept();
  Impl* raw = impl.get();
  raw->running = threads;
  for (int i = 0; i < threads; ++i) {
    asio::io_context* loop = raw->loops[i].get();
    raw->threads.emplace_back([raw, loop] {
      loop->run();
      std::lock_guard<std::mutex> lock(raw->mu);
      --raw->running;
      raw->cv.notify_all();
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

bool HttpServer::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->shut_down) return true;
  impl_->shut_down = true;
  impl_->gateway->SetDraining();
  asio::post(impl_->acceptor->get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
  });
  std::set<std::shared_ptr<SessionBase>> sessions;
  {
    std::lock_guard<std::mutex> lock(impl_->registry.mu);
    impl_->registry.stopping = true;
    sessions = impl_->registry.sessions;
  }
  for (const auto& s : sessions) s->Drain();
  sessions.clear();
  impl_->work.clear();  // each loop ends once its connections and calls are done
  bool clean;
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    clean = impl_->cv.wait_for(lock, grace, [this] { return impl_->running == 0; });
  }
  if (!clean) {
    for (auto& loop : impl_->loops) loop->stop();
  }
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  return clean;
}

int HttpServer::RunUntilSignal(std::chrono::milliseconds grace) {
  int sig = WaitForShutdownSignal();
  spdlog::info("signal {}: draining connections (grace {} ms)", sig, grace.count());
  bool clean = Shutdown(grace);
  spdlog::info(clean ? "stopped cleanly" : "stopped at the grace deadline");
  return clean ? 0 : 1;
}

}  // namespace mgi::gateway
