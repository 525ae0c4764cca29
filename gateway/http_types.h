// The HTTP request and response as the gateway's parts see them (the transport, http_server.h,
// converts from and to Boost.Beast).
#pragma once

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
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool Has(const std::string& name) const { return headers.count(name) > 0; }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
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
