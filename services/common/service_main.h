// What every service binary does around its own parts, so that each main.cc is one screen:
// flags and MGI_* variables (server, auth, cache, service token), logging, the token store,
// readiness, access control from the contracts, metrics, and the server run until SIGTERM.
//
//   int main(int argc, char** argv) {
//     mgi::ServiceMain app("catalog", {.port = 50051, .metrics_port = 9101});
//     std::string data_dir = "...";
//     app.config().String("data-dir", &data_dir, "...");
//     if (int rc = app.Start(argc, argv); rc >= 0) return rc;
//     ... build the service's parts, failing with app.Fail(status) ...
//     return app.Run({&service});
//   }
#pragma once

#include <functional>

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "services/common/access.h"
#include "services/common/auth.h"
#include "services/common/cache.h"
#include "services/common/cache_config.h"
#include "services/common/config.h"
#include "services/common/metrics.h"
#include "services/common/peer_auth.h"
#include "services/common/readiness.h"
#include "services/common/server.h"

namespace mgi {

class ServiceMain {
 public:
  // `name` gives the flags' MGI_<NAME>_ prefix and the log's service field.
  ServiceMain(std::string name, ServerConfig defaults);

  // Registers the service's own options here before Start.
  Config& config() { return config_; }
  const ServerConfig& server() const { return server_; }

  // Parses flags and variables, then Start(). Returns an exit code to return from main (help, bad
  // option, a broken token file), or -1 to go on.
  int Start(int argc, char** argv);
  // The two steps, for a main that acts between them (e.g. a check-and-exit option): parsing, then
  // logging, the listening ports held (before the service opens any connection: see
  // common/port_reservation.h), the tokens and the service token. Each returns an exit code, or -1
  // to go on.
  int Parse(int argc, char** argv);
  int Start();
  // Logs `status` as the reason the service cannot start; returns the exit code 1.
  int Fail(const absl::Status& status) const;

  MetricsRegistry& metrics() { return metrics_; }
  // The service's readiness, for the conditions of its own parts (e.g. its database).
  Readiness& readiness() { return readiness_; }
  // The shared cache configured by the cache flags (a NullCache when none).
  std::unique_ptr<Cache> MakeSharedCache();
  // The credentials for work the service does on its own behalf (the service token, if any).
  const PeerCredentials& service_credentials() const { return service_credentials_; }

  // Serves `services` (whose methods must declare their access) until SIGTERM; the exit code.
  // `before_shutdown` (may be empty) runs once health is NOT_SERVING, before the drain: it ends
  // long-lived streams so that they do not hold the drain for the whole grace period.
  int Run(const std::vector<grpc::Service*>& services,
          std::function<void()> before_shutdown = nullptr);

 private:
  std::string name_;
  Config config_;
  ServerConfig server_;
  AuthConfig auth_config_;
  CacheConfig cache_config_;
  std::string service_token_file_;
  MetricsRegistry metrics_;
  Readiness readiness_;
  Auth auth_;
  std::unique_ptr<AccessControl> access_;
  PeerCredentials service_credentials_ = PeerCredentials::Anonymous();
  PortReservation ports_;  // from Start until the server listens
};

}  // namespace mgi
