// mgi-healthcheck: the probe shipped in every mgi image (docker/compose healthchecks, exec probes on
// clusters without native gRPC probes, the chart's `helm test` pod).
//
//   mgi-healthcheck grpc <host:port> [service]   grpc.health.v1.Health/Check; 0 only if SERVING
//   mgi-healthcheck http <host:port> <path>      HTTP/1.1 GET; 0 only on status 200
//
// Options (before or after the positional arguments):
//   --timeout=<ms>        whole-check deadline (default 3000)
//   --tls-ca=<file>       gRPC over TLS, verifying the server with this CA bundle
//   --tls-cert=<file>, --tls-key=<file>   client certificate for mutual TLS
//   --tls-server-name=<name>             name to verify instead of the host part of the address
// Each TLS option may also come from MGI_HEALTHCHECK_TLS_CA_FILE, _TLS_CERT_FILE, _TLS_KEY_FILE.
// Exit codes: 0 healthy, 1 unhealthy or unreachable (reason on stderr), 2 usage error.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mgi::healthcheck {

enum class Mode { kGrpc, kHttp };

struct Options {
  Mode mode = Mode::kGrpc;
  std::string address;  // host:port
  std::string service;  // grpc: health service name ("" = overall)
  std::string path;     // http: request target, starts with '/'
  std::chrono::milliseconds timeout{3000};
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;
};

// Parses argv[1..] (and the MGI_HEALTHCHECK_* variables through `getenv_fn`); on error returns
// nullopt and sets `error` to a one-line explanation.
std::optional<Options> ParseArgs(const std::vector<std::string>& args, std::string& error,
                                 const std::function<const char*(const char*)>& getenv_fn);

// Splits "host:port" / "[v6]:port"; false when malformed.
bool SplitHostPort(const std::string& address, std::string& host, std::string& port);

// Runs the check; returns the process exit code and writes the reason for failure to `reason`.
int RunGrpc(const Options& options, std::string& reason);
int RunHttp(const Options& options, std::string& reason);

inline constexpr int kHealthy = 0;
inline constexpr int kUnhealthy = 1;
inline constexpr int kUsage = 2;

}  // namespace mgi::healthcheck
