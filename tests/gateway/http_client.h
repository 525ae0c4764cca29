// A small synchronous HTTP/1.1 client for the gateway tests (Boost.Beast), keep-alive capable.
#pragma once

#include <map>
#include <memory>
#include <string>

namespace mgi::gateway::testing {

struct Reply {
  int status = 0;  // 0: no response (connection failed or closed)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  // Sends one request on the client's connection (opened on first use, reopened when closed).
  Reply Send(const std::string& method, const std::string& target, const std::string& body = "",
             const std::map<std::string, std::string>& headers = {});
  // Sends raw bytes on a fresh connection and reads one response.
  Reply Raw(const std::string& bytes);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
Reply Fetch(int port, const std::string& method, const std::string& target,
            const std::string& body = "", const std::map<std::string, std::string>& headers = {});

// True when a TCP connection to 127.0.0.1:port is refused.
bool ConnectionRefused(int port);

std::string Gunzip(const std::string& data);

}  // namespace mgi::gateway::testing
