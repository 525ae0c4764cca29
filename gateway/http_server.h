// The HTTP/1.1 transport: Boost.Beast on an Asio io_context run by a small pool of threads,
// keep-alive, body and header limits enforced by the parser (413/431 before any decoding), a
// short header-read timeout and a longer one for idle connections and bodies (slow clients are
// cut), cancellation of the backend call when a client disconnects while it waits, optional HTTPS (TLS 1.2+, ECDHE with AEAD ciphers
// only), caps on open connections (in all and per client address), per-client rate limits (429
// with Retry-After), strict framing (400 and close for a Transfer-Encoding other than `chunked`,
// a missing or repeated Host), and a graceful shutdown that stops accepting, closes idle
// connections and lets in-flight requests finish.
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
  // A connection idle this long, or whose request (headers and body) takes longer than this to
  // arrive (a slow client), is closed; also the bound for writing a response.
  std::chrono::milliseconds idle_timeout{60000};
  // Once a request's first byte has arrived, its whole header block must arrive within this
  // (a slow-header client is cut off long before idle_timeout; never later than it); the body
  // then has idle_timeout.
  std::chrono::milliseconds header_timeout{10000};
  // HTTPS (both set) or plain HTTP (both empty): PEM certificate chain and private key.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Per-client token buckets (mgi::ClientKey: the token's hash, else the address); 0 disables.
  // /healthz, /readyz and /metrics are not limited.
  double rate_limit_rps = 0;
  double rate_limit_burst = 0;
  // Open connections at most, in all and per client address (0: no cap). A connection beyond
  // either cap is closed at once (counted in mgi_gateway_connections_rejected_total).
  int max_connections = 4096;
  int max_connections_per_client = 512;
};

class HttpServer {
 public:
  // `metrics` (may be null) counts refused connections.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           Gateway* gateway,
                                                           MetricsRegistry* metrics = nullptr);
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
