// One HTTP/1.1 connection of the gateway's transport (http_server.h): reading requests (with
// their deadlines and limits), handing them to the Gateway, writing responses (the head as bytes,
// a kept body from where it is kept), pipelining, a client going away while it waits, streaming
// responses (chunked, heartbeats). Internal to http_server.cc, which accepts connections and runs
// the event loops.
#pragma once

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/http_message.h"
#include "gateway/http_server.h"
#include "gateway/rate_limiter.h"

namespace mgi::gateway::http_session {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Called at shutdown: idle connections close now, busy ones after their response.
  virtual void Drain() = 0;
};

struct Registry {
  std::mutex mu;
  std::set<std::shared_ptr<SessionBase>> sessions;
  std::map<std::string, int> per_client;  // open connections by client address
  bool stopping = false;

  // Called with `mu` held: forgets a closed session (once).
  void Forget(const std::shared_ptr<SessionBase>& session, const std::string& client) {
    if (sessions.erase(session) == 0) return;
    if (auto it = per_client.find(client); it != per_client.end() && --it->second <= 0) {
      per_client.erase(it);
    }
  }
};


// What every session of a server shares.
struct Shared {
  const HttpServerOptions* options;
  Gateway* gateway;
  Registry* registry;
  asio::io_context* ioc;
  RateLimiter* limiter;  // null: no rate limits
};

// Paths that are never rate limited: the probes.
inline bool RateLimitExempt(const std::string& target) {
  for (const char* path : {"/healthz", "/readyz"}) {
    if (target == path || absl::StartsWith(target, absl::StrCat(path, "?"))) return true;
  }
  return false;
}

// One connection; Stream is beast::tcp_stream (HTTP) or beast::ssl_stream of it (HTTPS).
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(Stream stream, std::string remote_address, const Shared& shared)
      : stream_(std::move(stream)),
        remote_address_(std::move(remote_address)),
        options_(*shared.options),
        gateway_(shared.gateway),
        registry_(shared.registry),
        ioc_(*shared.ioc),
        limiter_(shared.limiter) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        // The handshake has the same deadline as a request: a client that stalls it is cut off.
        beast::get_lowest_layer(self->stream_).expires_after(self->options_.idle_timeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close();  // e.g. the client refused our certificate
          self->Read();
        });
      } else {
        self->Read();
      }
    });
  }

  void Drain() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->draining_ = true;
      if (self->streaming_) self->streaming_->Cancel(true);  // it ends its body soon
      if (!self->busy_) {
        beast::error_code ec;
        Socket(self->stream_).shutdown(tcp::socket::shutdown_both, ec);
        Socket(self->stream_).close(ec);
      }
    });
  }

 private:
  static tcp::socket& Socket(Stream& stream) { return beast::get_lowest_layer(stream).socket(); }

  // Three deadlines: idle_timeout for the first byte of a request (keep-alive: the idle timer),
  // header_timeout for the rest of its header block, idle_timeout again for its body (the
  // stream's own timeouts).
  void Read() {
    if (draining_) return Close();
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(options_.max_header_bytes);
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    WaitIdle();
    if (!reading_) ReadSome();  // else the read started while answering goes on (OnReadSome)
  }

  // The one read of the next request's first bytes. It starts as soon as a request has been read,
  // so it also watches the connection while the gateway answers: a client that goes away then
  // cancels the backend call (no separate wait, and nothing to cancel per request).
  void ReadSome() {
    reading_ = true;
    beast::get_lowest_layer(stream_).expires_never();  // the idle timer bounds the wait
    stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](
                                                       beast::error_code ec, std::size_t n) {
      self->OnReadSome(ec, n);
    });
  }

  void OnReadSome(beast::error_code ec, std::size_t n) {
    reading_ = false;
    if (closed_) return;
    if (streaming_) {  // a streaming response: bytes from the client are ignored, an end stops it
      if (ec) return StreamBroken();
      buffer_.consume(buffer_.size());
      return WatchPeer();
    }
    if (busy_) {  // still answering
      if (ec) {
        // The client went away (or the connection broke): its backend call is cancelled.
        if (cancel_) cancel_->Cancel();
        read_failed_ = true;
        return;
      }
      buffer_.commit(n);  // a pipelined request: read after the response
      return;
    }
    idle_deadline_ = Clock::time_point::max();
    if (ec) return OnReadError(ec);
    buffer_.commit(n);
    ReadHeader();
  }

  // The keep-alive deadline: one timer per connection, re-armed only when it fires early (not
  // once per request), so that waiting for the next request costs no timer operation.
  using Clock = std::chrono::steady_clock;
  void WaitIdle() {
    idle_deadline_ = Clock::now() + options_.idle_timeout;
    if (idle_armed_) return;
    if (!idle_timer_) idle_timer_.emplace(stream_.get_executor());
    ArmIdle();
  }
  void ArmIdle() {
    idle_armed_ = true;
    idle_timer_->expires_at(idle_deadline_);
    idle_timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      self->idle_armed_ = false;
      if (ec || self->closed_ || self->idle_deadline_ == Clock::time_point::max()) return;
      if (Clock::now() >= self->idle_deadline_) return self->Close();  // idle too long
      self->ArmIdle();
    });
  }
  void ReadHeader() {
    beast::get_lowest_layer(stream_).expires_after(
        std::min(options_.header_timeout, options_.idle_timeout));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->OnReadError(ec);
                              if (self->parser_->is_done()) return self->OnRead(ec);
                              beast::get_lowest_layer(self->stream_)
                                  .expires_after(self->options_.idle_timeout);
                              http::async_read(self->stream_, self->buffer_, *self->parser_,
                                               [self](beast::error_code ec2, std::size_t) {
                                                 self->OnRead(ec2);
                                               });
                            });
  }

  // A read that failed: closed quietly, or answered 413/431/400 and closed.
  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::bad_descriptor || ec == asio::error::eof) {
      return Close();
    }
    {
      busy_ = true;
      if (ec == http::error::body_limit) {
        return Write(gateway_->TransportError(413, absl::StrCat("request body larger than ",
                                                                options_.max_body_bytes, " bytes")),
                     false);
      }
      if (ec == http::error::header_limit) {
        return Write(
            gateway_->TransportError(431, absl::StrCat("request headers larger than ",
                                                       options_.max_header_bytes, " bytes")),
            false);
      }
      if (parser_->got_some() || buffer_.size() > 0) {
        return Write(gateway_->TransportError(400, "malformed HTTP request: " + ec.message()),
                     false);
      }
      return Close();
    }
  }

  void OnRead(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    busy_ = true;
    http::request<http::string_body> req = parser_->release();
    if (std::string problem = FramingProblem(req); !problem.empty()) {
      return Write(gateway_->TransportError(400, problem), false);
    }
    bool keep_alive = req.keep_alive();
    HttpRequest request = ToHttpRequest(req);
    request.remote_address = remote_address_;
    request.secure = kTls;
    request.cancel = std::make_shared<CancelSignal>();
    request.peer = remote_address_;
    head_ = request.method == "HEAD";
    if (limiter_ != nullptr && !RateLimitExempt(request.target)) {
      auto wait = limiter_->Acquire(ClientKey(request.Header("authorization"), remote_address_));
      if (wait) {
        int64_t seconds = std::max<int64_t>(1, (wait->count() + 999) / 1000);
        HttpResponse r = gateway_->TransportError(
            429, absl::StrCat("too many requests from this client; retry after ", seconds, " s"));
        std::erase_if(r.headers, [](const auto& h) { return h.first == "Connection"; });
        r.Set("Retry-After", std::to_string(seconds));
        return Write(std::move(r), keep_alive);
      }
    }
    auto guard = asio::make_work_guard(ioc_);
    // No deadline while the gateway works (the backend call has its own); the read of the next
    // request watches for the client going away meanwhile.
    cancel_ = request.cancel;
    if (!reading_ && buffer_.size() == 0) ReadSome();
    gateway_->Handle(std::move(request), [self = this->shared_from_this(), keep_alive,
                                          guard = std::move(guard)](HttpResponse response) mutable {
      // Inline when answered on the connection's own loop (a cache hit), else posted to it.
      asio::dispatch(self->stream_.get_executor(),
                     [self, keep_alive, response = std::move(response)]() mutable {
                       self->Write(std::move(response), keep_alive);
                     });
      guard.reset();
    });
  }

  void Write(HttpResponse response, bool keep_alive) {
    cancel_.reset();
    if (response.stream) return WriteStream(std::move(response));
    bool close = !keep_alive || draining_;
    // The head is written as bytes (no per-header allocation); a kept response's headers and body
    // are written from where they are kept.
    auto out = std::make_shared<Outgoing>();
    std::string& head = out->head;
    const std::string& body = response.Body();
    head.reserve(512);
    absl::StrAppend(&head, "HTTP/1.1 ", response.status, " ");
    head.append(ReasonPhrase(response.status));
    head.append("\r\n");
    using HeaderList = std::vector<std::pair<std::string, std::string>>;
    for (const HeaderList* list : {response.KeptHeaders(), &std::as_const(response.headers)}) {
      if (list == nullptr) continue;
      for (const auto& [k, v] : *list) {
        if (k == "Connection") {
          close = true;
          continue;
        }
        absl::StrAppend(&head, k, ": ", v, "\r\n");
      }
    }
    head.append("Server: mgi-gateway\r\n");
    if (response.status != 204 && response.status != 304) {
      absl::StrAppend(&head, "Content-Length: ", body.size(), "\r\n");
    }
    if (close) head.append("Connection: close\r\n");
    head.append("\r\n");
    out->response = std::move(response);
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(out->head), asio::const_buffer()};
    const std::string& kept_body = out->response.Body();
    if (!head_ && out->response.status != 204 && out->response.status != 304) {
      buffers[1] = asio::buffer(kept_body);
    }
    beast::get_lowest_layer(stream_).expires_after(options_.idle_timeout);
    asio::async_write(
        stream_, buffers,
        [self = this->shared_from_this(), out, close](beast::error_code ec, std::size_t) {
          self->busy_ = false;
          if (ec || close || self->read_failed_) return self->Close();
          self->Read();
        });
  }

  // A response being written: its head and what holds its body, alive until the write is done.
  struct Outgoing {
    std::string head;
    HttpResponse response;
  };

  static std::string_view ReasonPhrase(int status) {
    auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
    return std::string_view(reason.data(), reason.size());
  }

  void Close() {
    closed_ = true;
    if (heartbeat_) heartbeat_->cancel();
    if (idle_timer_) idle_timer_->cancel();
    streaming_.reset();  // the stream holds our sink weakly: no cycle left
    beast::error_code ec;
    Socket(stream_).shutdown(tcp::socket::shutdown_send, ec);
    Socket(stream_).close(ec);
    std::lock_guard<std::mutex> lock(registry_->mu);
    registry_->Forget(this->shared_from_this(), remote_address_);
  }

  // ---- Streaming responses (ResponseStream): the head, then the body in chunks, heartbeats
  // when idle; the connection closes after the body. A read stays pending meanwhile, so a client
  // that goes away is noticed at once (and the stream cancelled).
  class Sink final : public ResponseSink {
   public:
    explicit Sink(std::weak_ptr<Session> session) : session_(std::move(session)) {}
    void Write(std::string data, std::function<void(bool)> done) override {
      auto s = session_.lock();
      if (!s) return done(false);
      asio::post(s->stream_.get_executor(), [s, data = std::move(data), done = std::move(done)] {
        if (s->closed_ || s->ending_) return done(false);
        s->Enqueue(Chunk(data), done);
      });
    }
    void End() override {
      auto s = session_.lock();
      if (!s) return;
      asio::post(s->stream_.get_executor(), [s] {
        if (s->closed_ || s->ending_) return;
        s->ending_ = true;
        s->Enqueue("0\r\n\r\n", nullptr);
      });
    }

   private:
    std::weak_ptr<Session> session_;
  };

  static std::string Chunk(const std::string& data) {
    return absl::StrCat(absl::Hex(data.size()), "\r\n", data, "\r\n");
  }

  void WriteStream(HttpResponse response) {
    int status = response.status;
    std::string head = absl::StrCat("HTTP/1.1 ", status, " ",
                                    std::string(http::obsolete_reason(http::int_to_status(status))),
                                    "\r\n");
    for (const auto& [k, v] : response.headers) {
      if (absl::EqualsIgnoreCase(k, "Connection") || absl::EqualsIgnoreCase(k, "Content-Length")) {
        continue;
      }
      absl::StrAppend(&head, k, ": ", v, "\r\n");
    }
    absl::StrAppend(&head, "Server: mgi-gateway\r\n");
    if (head_) {  // HEAD: the head of the stream, no body
      absl::StrAppend(&head, "Connection: close\r\n\r\n");
      response.stream->Cancel(false);
      ending_ = true;
      return Enqueue(std::move(head), nullptr);
    }
    absl::StrAppend(&head, "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    streaming_ = std::move(response.stream);
    auto stream = streaming_;
    Enqueue(std::move(head), [self = this->shared_from_this(), stream](bool ok) {
      if (!ok) return stream->Cancel(false);
      stream->Start(std::make_shared<Sink>(self));
      if (self->draining_) stream->Cancel(true);
      self->WatchPeer();
      self->ArmHeartbeat();
    });
  }

  void Enqueue(std::string data, std::function<void(bool)> done) {
    out_.emplace_back(std::move(data), std::move(done));
    Pump();
  }

  void Pump() {
    if (out_busy_ || out_.empty() || closed_) return;
    out_busy_ = true;
    auto item = std::make_shared<std::pair<std::string, std::function<void(bool)>>>(
        std::move(out_.front()));
    out_.pop_front();
    // A client that does not take the bytes within the idle timeout is cut off.
    beast::get_lowest_layer(stream_).expires_after(options_.idle_timeout);
    asio::async_write(stream_, asio::buffer(item->first),
                      [self = this->shared_from_this(), item](beast::error_code ec, std::size_t) {
                        self->out_busy_ = false;
                        self->last_write_ = std::chrono::steady_clock::now();
                        // No deadline while idle: the pending read only watches for a close.
                        beast::get_lowest_layer(self->stream_).expires_never();
                        if (item->second) item->second(!ec);
                        if (ec) return self->StreamBroken();
                        if (self->ending_ && self->out_.empty()) return self->Close();
                        self->Pump();
                      });
  }

  // The client went away (or stopped reading): cancel the stream, close.
  void StreamBroken() {
    if (closed_) return;
    if (streaming_) streaming_->Cancel(false);
    Close();
  }

  void WatchPeer() {
    if (closed_ || reading_) return;  // the read started with the request watches (OnReadSome)
    stream_.async_read_some(asio::buffer(discard_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->StreamBroken();
                              self->WatchPeer();  // bytes after a streaming request are ignored
                            });
  }

  void ArmHeartbeat() {
    if (closed_ || !streaming_ || streaming_->heartbeat().count() <= 0) return;
    if (!heartbeat_) heartbeat_.emplace(stream_.get_executor());
    auto period = streaming_->heartbeat();
    heartbeat_->expires_after(period);
    heartbeat_->async_wait([self = this->shared_from_this(), period](beast::error_code ec) {
      if (ec || self->closed_ || !self->streaming_ || self->ending_) return;
      if (std::chrono::steady_clock::now() - self->last_write_ >= period && !self->out_busy_ &&
          self->out_.empty()) {
        self->Enqueue(Chunk(self->streaming_->HeartbeatBytes()), nullptr);
      }
      self->ArmHeartbeat();
    });
  }

  std::shared_ptr<ResponseStream> streaming_;
  std::deque<std::pair<std::string, std::function<void(bool)>>> out_;
  bool out_busy_ = false;
  bool ending_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
  std::optional<asio::steady_timer> heartbeat_;
  std::array<char, 512> discard_;

  Stream stream_;
  std::string remote_address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServerOptions& options_;
  Gateway* gateway_;
  Registry* registry_;
  asio::io_context& ioc_;
  RateLimiter* limiter_;
  bool busy_ = false;
  bool draining_ = false;
  bool head_ = false;
  bool reading_ = false;      // a read of the connection is pending (ReadSome)
  bool idle_armed_ = false;   // the idle timer is waiting
  std::optional<asio::steady_timer> idle_timer_;
  Clock::time_point idle_deadline_ = Clock::time_point::max();  // max: not waiting for a request
  bool read_failed_ = false;  // it failed while a request was being answered: the client is gone
  std::shared_ptr<CancelSignal> cancel_;  // of the request being answered
};


}  // namespace mgi::gateway::http_session
