#include "gateway/http_server.h"

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mgi::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session;

struct Registry {
  std::mutex mu;
  std::set<std::shared_ptr<Session>> sessions;
  bool stopping = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServerOptions& options, Gateway* gateway,
          Registry* registry, asio::io_context& ioc)
      : stream_(std::move(socket)),
        options_(options),
        gateway_(gateway),
        registry_(registry),
        ioc_(ioc) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Called at shutdown: idle connections close now, busy ones after their response.
  void Drain() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->draining_ = true;
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.socket().close(ec);
      }
    });
  }

 private:
  void Read() {
    if (draining_) return Close();
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(options_.max_header_bytes);
    stream_.expires_after(options_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::bad_descriptor || ec == asio::error::eof) {
      return Close();
    }
    if (ec) {
      busy_ = true;
      if (ec == http::error::body_limit) {
        return Write(gateway_->TransportError(
                         413, absl::StrCat("request body larger than ", options_.max_body_bytes,
                                           " bytes")),
                     false);
      }
      if (ec == http::error::header_limit) {
        return Write(gateway_->TransportError(
                         431, absl::StrCat("request headers larger than ",
                                           options_.max_header_bytes, " bytes")),
                     false);
      }
      if (parser_->got_some() || buffer_.size() > 0) {
        return Write(gateway_->TransportError(400, "malformed HTTP request: " + ec.message()),
                     false);
      }
      return Close();
    }
    busy_ = true;
    http::request<http::string_body> req = parser_->release();
    bool keep_alive = req.keep_alive();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name = absl::AsciiStrToLower(std::string(field.name_string()));
      auto [it, inserted] = request.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    request.body = std::move(req.body());
    head_ = request.method == "HEAD";
    auto guard = asio::make_work_guard(ioc_);
    gateway_->Handle(std::move(request), [self = shared_from_this(), keep_alive,
                                          guard = std::move(guard)](HttpResponse response) mutable {
      asio::post(self->stream_.get_executor(),
                 [self, keep_alive, response = std::move(response)]() mutable {
                   self->Write(std::move(response), keep_alive);
                 });
      guard.reset();
    });
  }

  void Write(HttpResponse response, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(response.status);
    bool close = !keep_alive || draining_;
    for (auto& [k, v] : response.headers) {
      if (k == "Connection") {
        close = true;
        continue;
      }
      res->insert(k, v);
    }
    res->set(http::field::server, "mgi-gateway");
    size_t length = response.body.size();
    res->body() = std::move(response.body);
    if (response.status != 204 && response.status != 304) {
      res->content_length(length);
    }
    if (head_) res->body().clear();
    res->keep_alive(!close);
    stream_.expires_after(options_.idle_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, close](beast::error_code ec, std::size_t) {
                        self->busy_ = false;
                        if (ec || close) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
    std::lock_guard<std::mutex> lock(registry_->mu);
    registry_->sessions.erase(shared_from_this());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServerOptions& options_;
  Gateway* gateway_;
  Registry* registry_;
  asio::io_context& ioc_;
  bool busy_ = false;
  bool draining_ = false;
  bool head_ = false;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  Gateway* gateway = nullptr;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  Registry registry;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  int port = 0;
  bool shut_down = false;

  void Accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        spdlog::warn("accept failed: {}", ec.message());
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        auto session = std::make_shared<Session>(std::move(socket), options, gateway, &registry,
                                                 ioc);
        bool stopping;
        {
          std::lock_guard<std::mutex> lock(registry.mu);
          stopping = registry.stopping;
          if (!stopping) registry.sessions.insert(session);
        }
        if (!stopping) session->Start();
      }
      if (acceptor.is_open()) Accept();
    });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(std::chrono::milliseconds(1000)); }

int HttpServer::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              Gateway* gateway) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->gateway = gateway;
  beast::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("host: bad address ", options.host));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.host, ":", options.port, ": ", ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->Accept();
  Impl* raw = impl.get();
  raw->running = std::max(1, options.io_threads);
  for (int i = 0; i < raw->running; ++i) {
    raw->threads.emplace_back([raw] {
      raw->ioc.run();
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
  asio::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  std::set<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(impl_->registry.mu);
    impl_->registry.stopping = true;
    sessions = impl_->registry.sessions;
  }
  for (const auto& s : sessions) s->Drain();
  sessions.clear();
  bool clean;
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    clean = impl_->cv.wait_for(lock, grace, [this] { return impl_->running == 0; });
  }
  if (!clean) impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  return clean;
}

int HttpServer::RunUntilSignal(std::chrono::milliseconds grace) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {}: draining connections (grace {} ms)", sig, grace.count());
  bool clean = Shutdown(grace);
  spdlog::info(clean ? "stopped cleanly" : "stopped at the grace deadline");
  return clean ? 0 : 1;
}

}  // namespace mgi::gateway
