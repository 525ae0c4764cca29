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
  // Set: a kept response this one is made from (the shared cache, a revalidated copy), shared and
  // never changed: its headers come first (unless copied into `headers`, below), then `headers`,
  // and its body is this response's body (`body` stays empty). Serving it copies nothing: the
  // transport writes the kept bytes.
  std::shared_ptr<const HttpResponse> kept;
  bool kept_headers_copied = false;  // `headers` already begins with the kept headers

  void Set(const std::string& name, const std::string& value) { headers.emplace_back(name, value); }
  // The first value of `name` (exact case as set), "" when absent; the kept headers first.
  std::string Get(const std::string& name) const {
    using List = std::vector<std::pair<std::string, std::string>>;
    for (const List* list : {KeptHeaders(), &headers}) {
      if (list == nullptr) continue;
      for (const auto& [k, v] : *list) {
        if (k == name) return v;
      }
    }
    return "";
  }
  // The kept headers still to be written before `headers`, or null.
  const std::vector<std::pair<std::string, std::string>>* KeptHeaders() const {
    return kept && !kept_headers_copied ? &kept->headers : nullptr;
  }
  const std::string& Body() const { return kept ? kept->body : body; }
  // A response made from `kept` (which must have no `kept` of its own), with its status.
  static HttpResponse From(std::shared_ptr<const HttpResponse> kept) {
    HttpResponse r;
    r.status = kept->status;
    r.kept = std::move(kept);
    return r;
  }
  // Copies the kept headers into `headers`, before one of them changes; the body stays shared.
  void OwnHeaders() {
    if (const auto* k = KeptHeaders()) {
      headers.insert(headers.begin(), k->begin(), k->end());
      kept_headers_copied = true;
    }
  }
  // Makes everything this response's own (before the body changes).
  void Own() {
    OwnHeaders();
    if (kept) body = kept->body;
    kept.reset();
    kept_headers_copied = false;
  }
  // The body goes (a 304): the headers stay.
  void ClearBody() {
    OwnHeaders();
    kept.reset();
    kept_headers_copied = false;
    body.clear();
  }
  // A copy that owns everything (to be kept itself).
  HttpResponse Owned() const {
    HttpResponse r = *this;
    r.Own();
    return r;
  }
};

}  // namespace mgi::gateway
