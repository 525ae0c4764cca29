// The HTTP side of the gateway as a plain class: takes a parsed HTTP request, answers through a
// callback. Routing, strictness, transcoding, errors, ETag/304, Cache-Control, gzip, CORS,
// request ids, metrics, /healthz, /readyz, /metrics, /openapi.json and the explorer's files.
// The transport (http_server.h) only moves bytes.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include "common/metrics.h"
#include "gateway/backend.h"
#include "gateway/transcoder.h"

namespace mgi::gateway {

struct HttpRequest {
  std::string method;  // upper case
  std::string target;  // path and query, as received
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by ", "
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  void Set(const std::string& name, const std::string& value) { headers.emplace_back(name, value); }
};

struct GatewayOptions {
  std::chrono::milliseconds backend_timeout{5000};
  std::chrono::milliseconds max_grpc_timeout{60000};
  int max_json_depth = 32;
  std::vector<std::string> cors_origins;          // exact origins, or "*"
  std::vector<std::string> public_packages = {"mgi.catalog"};  // GETs cacheable publicly
  std::chrono::seconds public_max_age{60};
  size_t gzip_min_bytes = 1024;
  std::string www_dir;  // the explorer's files; "" disables "/"
  // A shared cache of publicly cacheable GET responses (Cache-Control: public), kept this long
  // (0 disables it); at most `cache_entries` responses.
  std::chrono::milliseconds cache_ttl{1000};
  size_t cache_entries = 4096;
  // Over HTTPS: Strict-Transport-Security with this max-age on every response (0: none).
  std::chrono::seconds hsts_max_age{0};
};

// Content-Security-Policy of each kind of response (docs/security.md). The explorer's own files:
// same-origin resources only, frames only from the gateway, never framed itself.
inline constexpr const char* kExplorerCsp =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";
// HTML from a backend (a rendered report): a sandbox without same-origin, so its scripts (the
// report's interactive wheel) run with an opaque origin, whether framed or opened alone; nothing
// loaded from anywhere.
inline constexpr const char* kBackendHtmlCsp =
    "sandbox allow-scripts; default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
// Everything else (JSON, errors): nothing may load, nothing may frame it.
inline constexpr const char* kDefaultCsp = "default-src 'none'; frame-ancestors 'none'";

class Gateway {
 public:
  Gateway(GatewayOptions options, RouteTable routes, Backends* backends, MetricsRegistry* metrics,
          std::string openapi_json);

  // Answers `request`; `done` runs exactly once, possibly on a backend thread.
  void Handle(HttpRequest request, std::function<void(HttpResponse)> done);

  // A complete error response for the transport's own failures (413, 431, 429, 400).
  HttpResponse TransportError(int http_status, const std::string& message) const;

  // /readyz answers 503 from now on.
  void SetDraining() { draining_ = true; }

 private:
  void Finish(const HttpRequest& request, const std::string& route_label,
              std::chrono::steady_clock::time_point start, HttpResponse response,
              const std::function<void(HttpResponse)>& done) const;
  HttpResponse Error(int http_status, int grpc_code, const std::string& message,
                     const std::string& details_bin) const;
  bool OriginAllowed(const std::string& origin) const;
  bool ServeBuiltin(const HttpRequest& request, const std::string& path,
                    std::function<void(HttpResponse)>& done, std::string* label);

  GatewayOptions options_;
  RouteTable routes_;
  Backends* backends_;
  MetricsRegistry* metrics_;
  std::string openapi_json_;
  std::atomic<bool> draining_{false};

  // One backend call for a request, with what its reply needs (shared by retries).
  struct Pending;
  // A fetch of a cache key in progress (single-flight): requests for the same key that arrive
  // meanwhile wait here instead of calling the backend; `stale` when a write invalidated the key
  // while it was in flight (its result is then not stored).
  struct Flight {
    std::vector<std::shared_ptr<Pending>> waiters;
    bool stale = false;
  };
  void Send(std::shared_ptr<Pending> pending);
  void OnReply(const std::shared_ptr<Pending>& pending, BackendReply reply);
  // Drops every cached entry (and detaches every fetch in flight) of the resource written at
  // `path`: its sub-resources, its `:verb`s, and the collections above it (lists).
  void Invalidate(const std::string& path);
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;  // guarded by cache_mu_

  struct CacheEntry {
    HttpResponse response;  // without per-request headers
    std::string etag;
    std::chrono::steady_clock::time_point stored;
  };
  bool CacheLookup(const std::string& key, CacheEntry* out) const;
  void CacheStore(const std::string& key, const HttpResponse& response, const std::string& etag);
  mutable std::mutex cache_mu_;
  std::unordered_map<std::string, CacheEntry> cache_;
};

// Helpers exposed for unit tests.
// Parses a Grpc-Timeout header ("100m", "5S", "1H"...); false when malformed.
bool ParseGrpcTimeout(const std::string& value, std::chrono::milliseconds* out);
// The preferred language of an Accept-Language header (highest q, first on ties), normalised;
// "" when none is usable.
std::string PreferredLanguage(const std::string& accept_language);
// True when Accept-Encoding accepts gzip.
bool AcceptsGzip(const std::string& accept_encoding);
// gzip (RFC 1952) of `data`.
std::string Gzip(const std::string& data);
// True when a write to `written_path` ("/v1/profiles/x:archive") affects the cached response of
// `cached_target` (a path with its query, or a cache key): the same resource or below it, any of
// its `:verb`s, or a collection above it ("/v1/profiles?...").
bool WriteAffects(const std::string& written_path, const std::string& cached_target);
// A strong validator from the content: a quoted hex digest.
std::string ContentEtag(const std::string& body);

}  // namespace mgi::gateway
