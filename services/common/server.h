// The one server bootstrap of the suite: callback-API gRPC server with health, reflection,
// keepalive, message size limits, per-RPC Prometheus metrics on a separate port, and graceful
// shutdown on SIGTERM/SIGINT (health NOT_SERVING, Shutdown(deadline), exit 0).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "services/common/access.h"
#include "services/common/config.h"
#include "services/common/metrics.h"
#include "services/common/port_reservation.h"
#include "services/common/readiness.h"

namespace mgi {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int64_t port = 0;           // 0 picks a free port (logged)
  int64_t metrics_port = 0;   // -1 disables the metrics endpoint
  std::string log_format = "text";
  std::string log_level = "info";
  std::chrono::milliseconds shutdown_grace{10000};
  int64_t max_message_bytes = 16 << 20;
  int64_t worker_threads = 4;
  // Transport security (all empty: plaintext).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;  // set: clients must present a certificate signed by this CA
  // gRPC server reflection (grpc.reflection.v1alpha). It needs no token: deployments that do not
  // want the contracts listed to anyone who reaches the port turn it off.
  bool reflection = true;
  // How often the heap's free memory is given back to the system (common/process_tuning.h);
  // 0: never.
  std::chrono::milliseconds heap_trim_interval{10000};
};

// Registers host, port, metrics-port, log-format, log-level, shutdown-grace, max-message-bytes,
// worker-threads, reflection (suite-wide: MGI_REFLECTION) and the TLS files on `config`, with the
// given defaults already in `out`.
void RegisterServerFlags(Config& config, ServerConfig* out);

// Blocks SIGTERM and SIGINT in the calling thread and the threads it starts later, so that the
// server's signal thread receives them. Call first thing in main.
void BlockShutdownSignals();

// Waits for SIGTERM or SIGINT (blocked by BlockShutdownSignals) and returns which came.
int WaitForShutdownSignal();

// Server credentials for the config: TLS (with optional client certificates) or insecure.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerConfig& config);

// What a server is built with besides its config and services.
struct ServerParts {
  // Drives health: NOT_SERVING while any of its conditions fails. May be null.
  Readiness* readiness = nullptr;
  // Enforces the access every method declares in its contract (common/access.h); the server
  // refuses to start when one of its methods declares none. Null: no access control, and handlers
  // using Offload/Serve refuse every call (tests of servers without such handlers only).
  const AccessControl* access = nullptr;
  // Runs at shutdown once health is NOT_SERVING, before the server drains: ends the calls that
  // would otherwise hold the drain for the whole grace period (long-lived streams). May be empty.
  std::function<void()> before_shutdown;
  // The server's ports, held since start-up (common/port_reservation.h): released once the server
  // and its metrics endpoint listen. May be null.
  PortReservation* reserved_ports = nullptr;
};

// A built, running server. Tests use it directly; binaries use RunServer.
class RunningServer {
 public:
  static absl::StatusOr<std::unique_ptr<RunningServer>> Start(
      const ServerConfig& config, MetricsRegistry* metrics,
      const std::vector<grpc::Service*>& services, const ServerParts& parts = {});
  ~RunningServer();
  int port() const { return port_; }
  int metrics_port() const;
  grpc::Server* server() { return server_.get(); }
  // Health NOT_SERVING, then Shutdown with the configured grace deadline, then Wait.
  void Shutdown();

 private:
  RunningServer() = default;
  ServerConfig config_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::vector<std::string> service_names_;
  Readiness* readiness_ = nullptr;
  std::function<void()> before_shutdown_;
  Gauge* ready_ = nullptr;  // mgi_ready: 1 while health is SERVING
  int port_ = 0;
  std::mutex health_mu_;  // orders health changes from readiness against Shutdown
  bool shut_down_ ABSL_GUARDED_BY(health_mu_) = false;
  void SetHealth(bool serving) ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_mu_);
};

// Starts the server, waits for SIGTERM or SIGINT, shuts down gracefully. Returns the process exit
// code: 0 after a clean shutdown, 1 if the server could not start.
int RunServer(const ServerConfig& config, MetricsRegistry* metrics,
              const std::vector<grpc::Service*>& services, const ServerParts& parts = {});

}  // namespace mgi
