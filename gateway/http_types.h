// The HTTP request and response as the gateway's parts see them (the transport, http_server.h,
// converts from and to Boost.Beast).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/cancel.h"

namespace mgi::gateway {

struct HttpRequest {
  std::string method;  // upper case
  std::string target;  // path and query, as received
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by ", "
  std::string body;
  std::string remote_address;  // the peer's IP address ("" when unknown)
  bool secure = false;         // received over HTTPS
  // Fired when the client goes away before its answer (null: never): the backend call is then
  // cancelled.
  std::shared_ptr<CancelSignal> cancel;
  std::string peer;  // the client's address (per-client limits), "" when unknown
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool Has(const std::string& name) const { return headers.count(name) > 0; }
};

// Where a streamed body goes: the transport's side of a streaming response (server streaming).
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Sends `data` as the next piece of the body; `done(ok)` runs once it is written (false: the
  // client is gone or too slow). One Write at a time.
  virtual void Write(std::string data, std::function<void(bool ok)> done) = 0;
  // Ends the body; the connection closes after it. Idempotent.
  virtual void End() = 0;
};

// A body produced over time. The transport sends the head (chunked, then closes the connection
// after the body), then Start()s it; Cancel tells it the client went away (`shutdown` false) or
// the server is shutting down (true): it must End the sink soon.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void Start(std::shared_ptr<ResponseSink> sink) = 0;
  virtual void Cancel(bool shutdown) = 0;
  // What to send after `heartbeat()` without a write, to keep proxies and clients from timing the
  // connection out ("" and 0: nothing).
  virtual std::string HeartbeatBytes() const = 0;
  virtual std::chrono::milliseconds heartbeat() const = 0;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set: the body is streamed by it instead (`body` is unused).
  std::shared_ptr<ResponseStream> stream;
  void Set(const std::string& name, const std::string& value) { headers.emplace_back(name, value); }
  // The first value of `name` (exact case as set), "" when absent.
  std::string Get(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
};

}  // namespace mgi::gateway
