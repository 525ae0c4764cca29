// The HTTP/1.1 transport: Boost.Beast on an Asio io_context run by a small pool of threads,
// keep-alive, body and header limits enforced by the parser (413/431 before any decoding), and a
// graceful shutdown that stops accepting, closes idle connections and lets in-flight requests
// finish.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/gateway.h"

namespace mgi::gateway {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port
  int io_threads = 2;
  uint64_t max_body_bytes = 1 << 20;
  uint32_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds idle_timeout{60000};
};

class HttpServer {
 public:
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           Gateway* gateway);
  ~HttpServer();
  int port() const;
  // Stops accepting, closes idle connections, lets in-flight requests finish (their connections
  // close after the response). Returns once every io thread is done or `grace` has passed.
  // Returns true when everything finished in time.
  bool Shutdown(std::chrono::milliseconds grace);
  // Blocks until SIGTERM or SIGINT, then Shutdown(grace). Returns the process exit code.
  int RunUntilSignal(std::chrono::milliseconds grace);

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mgi::gateway
