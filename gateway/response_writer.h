// Response writing (transcoding out and headers): the response message -> HTTP body (JSON,
// HttpBody bytes, 204), errors as AIP-193 envelopes, ETag and 304, Cache-Control (one rule for
// what anyone may read), and the headers every response gets (request id, nosniff, CSP, HSTS,
// CORS, gzip). No I/O.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "services/common/digest.h"  // ContentEtag: a strong validator from the content
#include "absl/status/statusor.h"
#include "gateway/backend.h"
#include "gateway/http_types.h"
#include "gateway/routes.h"

namespace mgi::gateway {

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

struct RenderedBody {
  int http_status = 200;
  std::string content_type;
  std::string body;
  std::string resource_etag;  // the response's top-level `etag` field, "" when none
};

// Turns a response message into an HTTP body: google.api.HttpBody as raw bytes with its content
// type, Empty as 204, anything else as proto3 JSON.
absl::StatusOr<RenderedBody> RenderResponse(const Route& route,
                                            const google::protobuf::Message& response);

// An AIP-193 error response (no-store; WWW-Authenticate for UNAUTHENTICATED).
HttpResponse ErrorResponse(int http_status, int grpc_code, const std::string& message,
                           const std::string& details_bin);
// An error the gateway makes itself: `status` mapped to HTTP, with its ErrorInfo/BadRequest.
HttpResponse ErrorResponse(const absl::Status& status);
// The transport's own failures (413, 431, 429, 400, 503), closing the connection.
HttpResponse TransportErrorResponse(int http_status, const std::string& message);

// `header` (If-None-Match / If-Match: "*", or a list of tags, weak or strong) matches `etag`.
bool EtagMatches(const std::string& header, const std::string& etag);
// True when Accept-Encoding accepts gzip.
bool AcceptsGzip(const std::string& accept_encoding);
// gzip (RFC 1952) of `data`.
std::string Gzip(const std::string& data);

struct ResponseOptions {
  std::vector<std::string> cors_origins;  // exact origins, or "*"
  std::chrono::seconds public_max_age{60};
  size_t gzip_min_bytes = 1024;
  std::chrono::seconds hsts_max_age{0};  // > 0: Strict-Transport-Security (HTTPS)
};

// A backend's reply as an HTTP response, and whether anyone may be served it (the shared cache).
struct RouteResponse {
  HttpResponse response;
  std::string etag;         // "" for errors and 204
  bool shareable = false;   // answered to an anonymous GET with 200, no backend veto
};

class ResponseWriter {
 public:
  explicit ResponseWriter(ResponseOptions options) : options_(std::move(options)) {}

  // The response to `route`'s call. One rule for what anyone may read: what a GET answered to an
  // anonymous caller (the backends checked that anonymous callers may read it) is `public`,
  // unless the backend's `cache-control` initial metadata says `no-store` or `private` (its
  // answer depends on the caller's metadata); a GET answered to a caller with a token is
  // `private, no-cache`; anything else `no-store`. Every routed response varies by Authorization.
  // `conditional`: the request carried If-Match (a backend's ABORTED is then a 412);
  // `language_from_header`: Accept-Language chose the language (Vary: Accept-Language). A 201
  // gets `Location` from the created resource's `name`.
  RouteResponse FromReply(const Route& route, const BackendReply& reply, bool is_get,
                          bool anonymous, bool conditional = false,
                          bool language_from_header = false) const;
  // 304 instead of `response` when `request`'s If-None-Match matches `etag` (GET/HEAD only).
  static void NotModified(const HttpRequest& request, const std::string& etag,
                          HttpResponse* response);
  // The headers every response gets: request id, nosniff, CSP (unless set), HSTS, CORS, gzip.
  void Decorate(const HttpRequest& request, HttpResponse* response) const;
  bool OriginAllowed(const std::string& origin) const;

 private:
  RouteResponse FromBody(const Route& route, const BackendReply& reply, bool is_get,
                         bool anonymous) const;
  void Compress(const HttpRequest& request, HttpResponse* response) const;
  ResponseOptions options_;
};

}  // namespace mgi::gateway
