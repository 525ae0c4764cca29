// The gateway's configuration: flags and MGI_GATEWAY_* / MGI_* variables (see docs/gateway.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/status/statusor.h"
#include "services/common/config.h"
#include "gateway/backend.h"
#include "gateway/gateway.h"
#include "gateway/http_server.h"

namespace mgi::gateway {

struct GatewayConfig {
  std::string host = "127.0.0.1";
  int64_t port = 8080;
  int64_t metrics_port = 9104;  // Prometheus /metrics on its own port (-1: off)
  int64_t io_threads = 2;
  int64_t backend_threads = 1;  // threads reading the backends' answers (1 polls best)
  // The address of each linked package's backend ("mgi.catalog" -> "host:port"), from its
  // generated --<name>-addr flag (see BackendPackages).
  std::map<std::string, std::string> package_addrs;
  std::vector<std::string> backends;  // "<package or service>=<host:port>" overrides
  std::chrono::milliseconds backend_timeout{5000};
  std::chrono::milliseconds max_grpc_timeout{60000};
  int64_t max_body_bytes = 1 << 20;
  int64_t max_header_bytes = 16 << 10;
  int64_t max_json_depth = 32;
  int64_t max_message_bytes = 64 << 20;
  std::vector<std::string> cors_origins;
  std::chrono::milliseconds public_max_age{60000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds header_timeout{10000};
  int64_t gzip_min_bytes = 1024;
  // Names of Grpc-Metadata-<name> headers (and backend metadata) forwarded both ways.
  std::vector<std::string> forward_metadata;
  // Query parameters skipped as if absent (e.g. utm_source, a cache buster).
  std::vector<std::string> ignored_query_params;
  // How multi-segment path variables are decoded: except-reserved, except-slash or all.
  std::string path_unescape = "except-reserved";
  // HTTPS (see docs/security.md).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::chrono::milliseconds hsts_max_age{std::chrono::hours(24 * 365)};
  // Open connections at most, in all and per client address (0: no cap).
  int64_t max_connections = 4096;
  int64_t max_connections_per_client = 512;
  // Streaming responses (server-streaming RPCs): caps, SSE heartbeat, longest call (0: none).
  int64_t max_streams = 10000;
  int64_t max_streams_per_client = 32;
  std::chrono::milliseconds stream_heartbeat{15000};
  std::chrono::milliseconds stream_max_duration{0};
  // TLS to the backends: the suite-wide peer-tls-* options.
  std::string peer_tls_ca_file;
  std::string peer_tls_cert_file;
  std::string peer_tls_key_file;
  std::string peer_tls_server_name;
  // Per-client rate limit (0 disables): requests per second on average, and at once.
  double rate_limit_rps = 100;
  int64_t rate_limit_burst = 200;
  std::string www_dir;
  std::chrono::milliseconds cache_ttl{1000};
  int64_t cache_entries = 4096;
  std::string log_format = "text";
  std::string log_level = "info";
  std::chrono::milliseconds shutdown_grace{10000};
};

// The packages of the linked services, without their version: "mgi.catalog.v1.CatalogService"
// gives package "mgi.catalog" and name "catalog" (its flag: --catalog-addr, suite-wide, so also
// MGI_CATALOG_ADDR). Nothing in the gateway names a service: the flags come from the descriptors.
struct BackendPackage {
  std::string package;
  std::string name;
};
std::vector<BackendPackage> BackendPackages(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services);

void RegisterGatewayFlags(Config& config, GatewayConfig* out,
                          const std::vector<BackendPackage>& packages);

HttpServerOptions ToHttpOptions(const GatewayConfig& config);
GrpcBackendsOptions ToBackendsOptions(const GatewayConfig& config);
GatewayOptions ToGatewayOptions(const GatewayConfig& config);
// The package -> address map: each package's --<name>-addr (when set), then the --backend
// entries.
absl::StatusOr<BackendMap> MakeBackendMap(const GatewayConfig& config);

}  // namespace mgi::gateway
