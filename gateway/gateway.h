// The HTTP side of the gateway: takes a parsed HTTP request, answers through a callback, by
// putting its parts together: routes (routes.h), request building (request_builder.h), dispatch
// (dispatch.h, backend.h), response writing (response_writer.h), built-in endpoints (builtin.h)
// and the shared response cache (response_cache.h). The transport (http_server.h) moves bytes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "services/common/metrics.h"
#include "gateway/backend.h"
#include "gateway/builtin.h"
#include "gateway/dispatch.h"
#include "gateway/forwarding.h"
#include "gateway/http_types.h"
#include "gateway/metadata.h"
#include "gateway/representation_cache.h"
#include "gateway/request_builder.h"
#include "gateway/request_metrics.h"
#include "gateway/response_cache.h"
#include "gateway/response_writer.h"
#include "gateway/routes.h"
#include "gateway/stream_writer.h"

namespace mgi::gateway {

struct GatewayOptions {
  std::chrono::milliseconds backend_timeout{5000};
  std::chrono::milliseconds max_grpc_timeout{60000};
  int max_json_depth = 32;
  std::vector<std::string> cors_origins;          // exact origins, or "*"
  std::chrono::seconds public_max_age{60};
  size_t gzip_min_bytes = 1024;
  std::string www_dir;  // the explorer's files; "" disables "/"
  // A shared cache of the responses anyone may read (Cache-Control: public), kept this long
  // (0 disables it); at most `cache_entries` responses.
  std::chrono::milliseconds cache_ttl{1000};
  size_t cache_entries = 4096;
  // Over HTTPS: Strict-Transport-Security with this max-age on every response (0: none).
  std::chrono::seconds hsts_max_age{0};
  // Grpc-Metadata-<key> headers forwarded both ways (forwarding.h); checked by
  // ForwardingPolicy::Make before (an invalid key is dropped here).
  std::vector<std::string> forward_metadata;
  std::set<std::string> ignored_query_params;
  UnescapeMode path_unescape = UnescapeMode::kAllExceptReserved;
  // Server-streaming routes (stream_writer.h): caps, heartbeat, longest call.
  StreamOptions streams;
};

class Gateway {
 public:
  Gateway(GatewayOptions options, RouteTable routes, Backends* backends, MetricsRegistry* metrics,
          std::string openapi_json, ResponseCache::Clock clock = nullptr);

  // Answers `request`; `done` runs exactly once, possibly on a backend thread.
  void Handle(HttpRequest request, std::function<void(HttpResponse)> done);

  // A complete error response for the transport's own failures (413, 431, 429, 400).
  HttpResponse TransportError(int http_status, const std::string& message) const {
    return TransportErrorResponse(http_status, message);
  }

  // /readyz answers 503 from now on.
  void SetDraining() { builtins_.SetDraining(); }

 private:
  struct Pending;
  using Done = std::function<void(HttpResponse)>;
  void Finish(const HttpRequest& request, const std::string& label,
              std::chrono::steady_clock::time_point start, HttpResponse response,
              const Done& done) const;
  void Preflight(const HttpRequest& request, const std::string& path,
                 std::chrono::steady_clock::time_point start, const Done& done) const;
  void NoRoute(const HttpRequest& request, const std::string& path,
               const RouteTable::Match& match, std::chrono::steady_clock::time_point start,
               const Done& done) const;
  void ServeRoute(std::shared_ptr<Pending> p, const RouteTable::Match& match,
                  std::vector<MetadataEntry> metadata);
  // If-Match: * -> the current etag first (if_match_any.h), then ServeRoute.
  void ResolveIfMatchAny(std::shared_ptr<Pending> p, const RouteTable::Match& match,
                         std::vector<MetadataEntry> metadata);
  // Headers a reply adds beyond the writer's: Retry-After, Grpc-Metadata-*, and the ETag of the
  // representation (language).
  void AddReplyHeaders(const Pending& p, const BackendReply& reply, RouteResponse* out) const;
  bool ServeFromCache(const std::shared_ptr<Pending>& p);
  void Fetch(std::shared_ptr<Pending> p);
  void Send(std::shared_ptr<Pending> p);
  void OnReply(const std::shared_ptr<Pending>& p, const BackendReply& reply);
  void Answer(const Pending& p, HttpResponse response, const std::string& etag) const;
  void Hit(const Pending& p, ResponseCache::Entry entry) const;

  GatewayOptions options_;
  RouteTable routes_;
  Backends* backends_;
  MetricsRegistry* metrics_;
  ResponseWriter writer_;
  Builtins builtins_;
  ResponseCache cache_;
  RepresentationCache representations_{{}};  // revalidated copies of GET answers
  ForwardingPolicy forwarding_;
  Streams streams_;
  RequestMetrics request_metrics_;
  struct Counters {
    Counter* hits;
    Counter* refreshes;
    Counter* coalesced;
    Counter* revalidated;
  } counters_;
};

}  // namespace mgi::gateway
