#include "gateway/flags.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace mgi::gateway {

std::vector<BackendPackage> BackendPackages(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  std::vector<BackendPackage> out;
  std::set<std::string> seen;
  for (const auto* service : services) {
    std::vector<std::string> parts = absl::StrSplit(service->file()->package(), '.');
    const std::string& last = parts.back();
    if (parts.size() > 1 && last.size() > 1 && last[0] == 'v' && absl::ascii_isdigit(last[1])) {
      parts.pop_back();  // the version: "v1", "v2beta"...
    }
    std::string package = absl::StrJoin(parts, ".");
    if (seen.insert(package).second) out.push_back({package, parts.back()});
  }
  return out;
}

namespace {

void RegisterBackendFlags(Config& config, GatewayConfig* out,
                          const std::vector<BackendPackage>& packages) {
  std::vector<std::string> names;
  for (const BackendPackage& p : packages) {
    std::string flag = p.name + "-addr";
    config.String(flag, &out->package_addrs[p.package],
                  p.package + ".* backend (host:port); unset: --backend must name it");
    names.push_back(flag);
  }
  config.List("backend", &out->backends,
              "extra or overriding backends: <package or service>=<host:port>,...");
  config.SuiteWide(names);
}

void RegisterHttpFlags(Config& config, GatewayConfig* out) {
  config.String("host", &out->host, "address to listen on for HTTP");
  config.Int("port", &out->port, "HTTP port (0 picks a free one)", 0, 65535);
  config.Int("metrics-port", &out->metrics_port,
             "Prometheus /metrics port, on --host (0 picks a free one, -1 disables)", -1, 65535);
  config.Int("io-threads", &out->io_threads, "threads running the HTTP event loop", 1, 64);
  config.Int("backend-threads", &out->backend_threads,
             "threads reading the backends' answers (one gRPC completion queue each)", 1, 64);
  config.Duration("backend-timeout", &out->backend_timeout,
                  "deadline of a backend call unless a Grpc-Timeout header gives one");
  config.Duration("max-grpc-timeout", &out->max_grpc_timeout,
                  "upper bound for a Grpc-Timeout header");
  config.Int("max-body-bytes", &out->max_body_bytes, "largest request body (413 above)", 0,
             int64_t{1} << 32);
  config.Int("max-header-bytes", &out->max_header_bytes, "largest request header block (431 above)",
             1024, 1 << 20);
  config.Int("max-json-depth", &out->max_json_depth, "deepest JSON nesting accepted in a body", 1,
             1000);
  config.Int("max-message-bytes", &out->max_message_bytes,
             "largest gRPC message to or from a backend", 1024, int64_t{1} << 31);
  config.List("cors-origins", &out->cors_origins,
              "origins allowed by CORS, e.g. https://mgi.example.org (\"*\": any; empty: none)");
  config.Duration("public-max-age", &out->public_max_age,
                  "max-age of responses anyone may read (GETs answered to anonymous callers)");
  config.Duration("cache-ttl", &out->cache_ttl,
                  "how long public GET responses are served from the gateway's cache (0: off)");
  config.Int("cache-entries", &out->cache_entries, "most responses in the gateway's cache", 1,
             1 << 20);
  config.Duration("idle-timeout", &out->idle_timeout,
                  "closes a connection idle this long; also the deadline of a request body");
  config.String("www-dir", &out->www_dir, "directory of the explorer page (\"\": no page)");
}

// HTTP semantics beyond transcoding (issue 15): timeouts, compression, metadata, query, paths.
void RegisterSemanticsFlags(Config& config, GatewayConfig* out) {
  config.Duration("header-timeout", &out->header_timeout,
                  "deadline for a request's headers once its first byte arrived (then closed)");
  config.Int("gzip-min-bytes", &out->gzip_min_bytes,
             "smallest compressible response body sent gzip-encoded when the client accepts it", 1,
             int64_t{1} << 30);
  config.List("forward-metadata", &out->forward_metadata,
              "metadata keys forwarded both ways as Grpc-Metadata-<key> headers, e.g. x-tenant");
  config.List("ignored-query-params", &out->ignored_query_params,
              "query parameters skipped as if absent (e.g. utm_source,_)");
  config.Choice("path-unescape", &out->path_unescape,
                "percent-decoding of multi-segment path variables",
                {"except-reserved", "except-slash", "all"});
}

void RegisterSecurityFlags(Config& config, GatewayConfig* out) {
  config.String("tls-cert-file", &out->tls_cert_file,
                "PEM certificate chain: serve HTTPS (with tls-key-file)");
  config.String("tls-key-file", &out->tls_key_file, "PEM private key of tls-cert-file");
  config.Duration("hsts-max-age", &out->hsts_max_age,
                  "max-age of the Strict-Transport-Security header sent over HTTPS (0: none)");
  config.Int("max-connections", &out->max_connections,
             "open HTTP connections at most; more are closed at once (0: no cap)", 0, 1000000);
  config.Int("max-connections-per-client", &out->max_connections_per_client,
             "open HTTP connections at most from one client address (0: no cap)", 0, 1000000);
  config.Int("max-streams", &out->max_streams,
             "open streaming responses at most (server-streaming routes); 429 above (0: no cap)",
             0, 1000000);
  config.Int("max-streams-per-client", &out->max_streams_per_client,
             "open streaming responses at most per client (token, else address); 429 above "
             "(0: no cap)",
             0, 1000000);
  config.Duration("stream-heartbeat", &out->stream_heartbeat,
                  "an SSE stream idle this long gets a comment heartbeat (0: none); keep it "
                  "below idle-timeout");
  config.Duration("stream-max-duration", &out->stream_max_duration,
                  "longest streaming call (0: no limit; SSE clients reconnect with Last-Event-ID)");
  config.String("peer-tls-ca-file", &out->peer_tls_ca_file,
                "PEM CA for the backends' certificates (enables TLS to backends)");
  config.String("peer-tls-cert-file", &out->peer_tls_cert_file,
                "PEM client certificate for mutual TLS to backends");
  config.String("peer-tls-key-file", &out->peer_tls_key_file, "PEM key of peer-tls-cert-file");
  config.String("peer-tls-server-name", &out->peer_tls_server_name,
                "host name expected in backend certificates, when it differs from the address");
  config.Number("rate-limit-rps", &out->rate_limit_rps,
                "requests per second each client (token, else address) may make on average, "
                "e.g. 0.5; 429 with Retry-After above (0: no limit)",
                0, 1000000);
  config.Int("rate-limit-burst", &out->rate_limit_burst,
             "requests each client may make at once before the rate applies", 1, 1000000);
  config.Choice("log-format", &out->log_format, "log format", {"text", "json"});
  config.Choice("log-level", &out->log_level, "log level",
                {"trace", "debug", "info", "warn", "error", "critical", "off"});
  config.Duration("shutdown-grace", &out->shutdown_grace,
                  "how long in-flight requests may take after SIGTERM");
  config.SuiteWide({"log-format", "log-level", "peer-tls-ca-file", "peer-tls-cert-file",
                    "peer-tls-key-file", "peer-tls-server-name"});
}

}  // namespace

void RegisterGatewayFlags(Config& config, GatewayConfig* out,
                          const std::vector<BackendPackage>& packages) {
  RegisterHttpFlags(config, out);
  RegisterSemanticsFlags(config, out);
  RegisterBackendFlags(config, out, packages);
  RegisterSecurityFlags(config, out);
}

HttpServerOptions ToHttpOptions(const GatewayConfig& c) {
  HttpServerOptions o;
  o.host = c.host;
  o.port = static_cast<int>(c.port);
  o.io_threads = static_cast<int>(c.io_threads);
  o.max_body_bytes = static_cast<uint64_t>(c.max_body_bytes);
  o.max_header_bytes = static_cast<uint32_t>(c.max_header_bytes);
  o.idle_timeout = c.idle_timeout;
  o.header_timeout = c.header_timeout;
  o.tls_cert_file = c.tls_cert_file;
  o.tls_key_file = c.tls_key_file;
  o.rate_limit_rps = c.rate_limit_rps;
  o.rate_limit_burst = static_cast<double>(c.rate_limit_burst);
  o.max_connections = static_cast<int>(c.max_connections);
  o.max_connections_per_client = static_cast<int>(c.max_connections_per_client);
  return o;
}

GrpcBackendsOptions ToBackendsOptions(const GatewayConfig& c) {
  GrpcBackendsOptions o;
  o.max_message_bytes = c.max_message_bytes;
  o.completion_threads = static_cast<int>(c.backend_threads);
  o.tls_ca_file = c.peer_tls_ca_file;
  o.tls_cert_file = c.peer_tls_cert_file;
  o.tls_key_file = c.peer_tls_key_file;
  o.tls_server_name = c.peer_tls_server_name;
  return o;
}

GatewayOptions ToGatewayOptions(const GatewayConfig& c) {
  GatewayOptions o;
  o.backend_timeout = c.backend_timeout;
  o.max_grpc_timeout = c.max_grpc_timeout;
  o.max_json_depth = static_cast<int>(c.max_json_depth);
  o.cors_origins = c.cors_origins;
  o.public_max_age = std::chrono::duration_cast<std::chrono::seconds>(c.public_max_age);
  o.www_dir = c.www_dir;
  o.cache_ttl = c.cache_ttl;
  o.cache_entries = static_cast<size_t>(c.cache_entries);
  o.gzip_min_bytes = static_cast<size_t>(c.gzip_min_bytes);
  o.forward_metadata = c.forward_metadata;
  o.ignored_query_params = {c.ignored_query_params.begin(), c.ignored_query_params.end()};
  o.path_unescape = c.path_unescape == "all"            ? UnescapeMode::kAll
                    : c.path_unescape == "except-slash" ? UnescapeMode::kAllExceptSlash
                                                        : UnescapeMode::kAllExceptReserved;
  o.streams.max_streams = static_cast<int>(c.max_streams);
  o.streams.max_streams_per_client = static_cast<int>(c.max_streams_per_client);
  o.streams.heartbeat = c.stream_heartbeat;
  o.streams.max_duration = c.stream_max_duration;
  if (!c.tls_cert_file.empty()) {
    o.hsts_max_age = std::chrono::duration_cast<std::chrono::seconds>(c.hsts_max_age);
  }
  return o;
}

absl::StatusOr<BackendMap> MakeBackendMap(const GatewayConfig& config) {
  BackendMap map;
  for (const auto& [package, address] : config.package_addrs) {
    if (!address.empty()) map.Set(package, address);
  }
  auto extra = BackendMap::Parse(config.backends);
  if (!extra.ok()) return extra.status();
  for (const std::string& e : config.backends) {
    size_t eq = e.find('=');
    map.Set(e.substr(0, eq), e.substr(eq + 1));
  }
  return map;
}

}  // namespace mgi::gateway
