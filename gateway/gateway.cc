#include "gateway/gateway.h"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status.h"
#include "gateway/errors.h"
#include "gateway/http_semantics.h"
#include "gateway/if_match_any.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;
using Clock = std::chrono::steady_clock;

const char* kAllowedRequestHeaders =
    "authorization, content-type, if-match, if-none-match, x-request-id, traceparent, "
    "tracestate, baggage, grpc-timeout, accept-language";

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrCat(absl::Hex(rng(), absl::kZeroPad16), absl::Hex(rng(), absl::kZeroPad16));
}

// The Allow header of a path: its routes' methods, HEAD wherever GET is, and OPTIONS.
std::string AllowHeader(std::vector<std::string> methods) {
  if (std::find(methods.begin(), methods.end(), "GET") != methods.end()) {
    methods.push_back("HEAD");
  }
  methods.push_back("OPTIONS");
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  return absl::StrJoin(methods, ", ");
}

ResponseOptions ToResponseOptions(const GatewayOptions& o) {
  ResponseOptions r;
  r.cors_origins = o.cors_origins;
  r.public_max_age = o.public_max_age;
  r.gzip_min_bytes = o.gzip_min_bytes;
  r.hsts_max_age = o.hsts_max_age;
  return r;
}

HttpResponse Made(int http_status, absl::StatusCode code, const std::string& reason,
                  const std::string& message) {
  GatewayError e = MakeError(code, reason, message);
  return ErrorResponse(http_status, e.grpc_code, e.message, e.details_bin);
}

// Every label Finish may be given: the routes' and the gateway's own.
std::vector<std::string> MetricLabels(const RouteTable& routes) {
  std::vector<std::string> labels = {"malformed", "OPTIONS",       "unmatched", "/healthz",
                                     "/readyz",   "/openapi.json", "www"};
  for (const auto& route : routes.routes()) labels.push_back(route->label);
  return labels;
}

}  // namespace

// One routed request on its way to a backend, with what its reply needs.
struct Gateway::Pending {
  std::shared_ptr<HttpRequest> req;
  const Route* route = nullptr;
  const std::string* label = nullptr;  // metrics label: the route's "GET /v1/{name=...}"
  Clock::time_point start;
  bool is_get = false;
  std::string path;       // the request's path, for the invalidation after a write
  std::string cache_key;  // "" when the response is not to be shared
  BackendCall call;
  Done done;
  std::shared_ptr<ResponseCache::Flight> flight;  // set on the request that fetches for a key
  bool background = false;  // a refresh-ahead fetch: nobody waits for its own answer
  bool language_from_header = false;  // Accept-Language set the request's language
  std::string representation_key;      // GET: its key in representations_ (revalidation)
  bool forwarded = false;  // the forwarded metadata was added (ServeRoute)
};

Gateway::Gateway(GatewayOptions options, RouteTable routes, Backends* backends,
                 MetricsRegistry* metrics, std::string openapi_json, ResponseCache::Clock clock)
    : options_(std::move(options)),
      routes_(std::move(routes)),
      backends_(backends),
      metrics_(metrics),
      writer_(ToResponseOptions(options_)),
      builtins_(options_.www_dir, backends, std::move(openapi_json),
                metrics->GetGauge("mgi_ready", "1 when the last /readyz answered ready, 0 when not")),
      cache_({options_.cache_ttl, options_.cache_entries}, std::move(clock)),
      streams_(options_.streams, backends, metrics, &writer_),
      request_metrics_(metrics, MetricLabels(routes_)),
      counters_{
          metrics->GetCounter("mgi_gateway_cache_hits_total",
                              "Responses served from the gateway cache"),
          metrics->GetCounter("mgi_gateway_cache_refreshes_total",
                              "Background fetches that renewed a cache entry before it expired"),
          metrics->GetCounter(
              "mgi_gateway_cache_coalesced_total",
              "Requests that waited for another request's fetch of the same response"),
          metrics->GetCounter(
              "mgi_gateway_revalidated_total",
              "GET answers the backend confirmed as not modified: served from the kept copy")} {
  routes_.set_unescape_mode(options_.path_unescape);
  auto forwarding = ForwardingPolicy::Make(options_.forward_metadata);
  if (forwarding.ok()) {
    forwarding_ = *std::move(forwarding);
  } else {
    spdlog::error("{}", forwarding.status().ToString());
  }
}

void Gateway::Handle(HttpRequest request, Done done) {
  auto start = Clock::now();
  if (!CheckRequestId(request.Header("x-request-id"))) {
    request.headers["x-request-id"] = NewRequestId();
  }
  // Every forwarded header is checked before anything else reads it: a value gRPC would refuse
  // as metadata never reaches a backend call (a malformed Authorization is a 400, never echoed;
  // a malformed traceparent is dropped).
  ForwardedMetadata forwarded = ForwardedHeaders(request.headers);
  if (!forwarded.malformed.empty()) {
    HttpResponse r = Made(
        400, absl::StatusCode::kInvalidArgument, "MALFORMED_AUTHORIZATION",
        "the Authorization header is malformed: send 'Bearer <token>' in printable ASCII");
    r.Set("WWW-Authenticate", "Bearer error=\"invalid_request\"");
    return Finish(request, "malformed", start, std::move(r), done);
  }
  std::string path = request.target.substr(0, request.target.find('?'));
  if (request.method == "OPTIONS") return Preflight(request, path, start, done);
  if (std::string label = builtins_.Label(path); !label.empty()) {
    auto req = std::make_shared<HttpRequest>(std::move(request));
    builtins_.Serve(*req, path, [this, req, label, start, done](HttpResponse r) {
      Finish(*req, label, start, std::move(r), done);
    });
    return;
  }
  // HEAD is GET without the body (the transport drops it, keeping Content-Length).
  RouteTable::Match match = routes_.Find(request.method == "HEAD" ? "GET" : request.method, path);
  if (match.route == nullptr) return NoRoute(request, path, match, start, done);
  auto p = std::make_shared<Pending>();
  p->route = match.route;
  p->label = &match.route->label;
  p->start = start;
  p->is_get = request.method == "GET" || request.method == "HEAD";
  p->path = path;
  p->done = std::move(done);
  p->req = std::make_shared<HttpRequest>(std::move(request));
  ServeRoute(std::move(p), match, std::move(forwarded.metadata));
}

void Gateway::Preflight(const HttpRequest& request, const std::string& path, Clock::time_point start,
                        const Done& done) const {
  std::string origin = request.Header("origin");
  std::string wanted = request.Header("access-control-request-method");
  RouteTable::Match match = routes_.Find(wanted, path);
  if (!builtins_.Label(path).empty()) match.allowed = {"GET"};  // /openapi.json, the explorer...
  HttpResponse r;
  if (match.allowed.empty()) {
    r = Made(404, absl::StatusCode::kNotFound, "NO_ROUTE", absl::StrCat("no route for ", path));
  } else if (origin.empty() || wanted.empty()) {
    r.status = 204;
    r.Set("Allow", AllowHeader(match.allowed));
  } else if (!writer_.OriginAllowed(origin)) {
    r = Made(403, absl::StatusCode::kPermissionDenied, "CORS_ORIGIN_NOT_ALLOWED",
             absl::StrCat("origin ", origin, " is not allowed"));
  } else {
    r.status = 204;
    r.Set("Access-Control-Allow-Methods", AllowHeader(match.allowed));
    std::string headers = kAllowedRequestHeaders;
    for (const MetadataKey& key : forwarding_.allowed()) {
      absl::StrAppend(&headers, ", grpc-metadata-", std::string(key.view()));
    }
    r.Set("Access-Control-Allow-Headers", headers);
    r.Set("Access-Control-Max-Age", "600");
  }
  Finish(request, "OPTIONS", start, std::move(r), done);
}

void Gateway::NoRoute(const HttpRequest& request, const std::string& path,
                      const RouteTable::Match& match, Clock::time_point start,
                      const Done& done) const {
  HttpResponse r;
  if (match.allowed.empty()) {
    r = Made(404, absl::StatusCode::kNotFound, "NO_ROUTE",
             absl::StrCat("no route for ", request.method, " ", path));
  } else {
    std::string allow = AllowHeader(match.allowed);
    r = Made(405, absl::StatusCode::kUnimplemented, "METHOD_NOT_ALLOWED",
             absl::StrCat(request.method, " is not allowed on ", path, "; allowed: ", allow));
    r.Set("Allow", allow);
  }
  Finish(request, "unmatched", start, std::move(r), done);
}

void Gateway::ServeRoute(std::shared_ptr<Pending> p, const RouteTable::Match& match,
                         std::vector<MetadataEntry> metadata) {
  HttpRequest& request = *p->req;
  // What the backend call forwards (X-Forwarded-*, tracestate, baggage, allow-listed
  // Grpc-Metadata-*): made only for a request that goes to a backend, not for a cache hit.
  auto forward = [&] {
    if (p->forwarded) return;
    forwarding_.AddRequestMetadata(request, &metadata);
    p->forwarded = true;
  };
  if (!p->is_get && IsIfMatchAny(request.Header("if-match")) && RouteTakesEtag(*p->route)) {
    forward();
    return ResolveIfMatchAny(std::move(p), match, std::move(metadata));
  }
  // The shared cache: only anonymous requests use it (a response obtained with a token must
  // never be served to a caller without one, and a token is checked every time). The key holds
  // everything the response depends on: the target and the language from Accept-Language.
  bool streaming = Streams::IsStreaming(*p->route);  // never cached
  if (p->is_get && cache_.enabled() && request.body.empty() && !request.Has("authorization") &&
      !streaming) {
    p->cache_key = absl::StrCat(request.target, "\n",
                                PreferredLanguage(request.Header("accept-language")));
    if (ServeFromCache(p)) return;
  }
  forward();
  auto fail = [&](const absl::Status& status) {
    Finish(request, *p->label, p->start, ErrorResponse(status), p->done);
  };
  if (!request.body.empty() && JsonTooDeep(request.body, options_.max_json_depth)) {
    return fail(mgi::InvalidArgument(
        "body", absl::StrCat("JSON nesting deeper than ", options_.max_json_depth, " levels")));
  }
  std::unique_ptr<pb::Message> message(pb::MessageFactory::generated_factory()
                                           ->GetPrototype(p->route->method->input_type())
                                           ->New());
  HttpInput input;
  size_t q = request.target.find('?');
  input.query = q == std::string::npos ? "" : request.target.substr(q + 1);
  input.query = input.query.substr(0, input.query.find('#'));
  input.body = std::move(request.body);
  request.body.clear();
  input.content_type = request.Header("content-type");
  if (!p->is_get) input.if_match = request.Header("if-match");
  input.default_language = PreferredLanguage(request.Header("accept-language"));
  input.ignored_query_params = &options_.ignored_query_params;
  if (auto s = BuildRequest(*p->route, match.bindings, input, message.get(),
                            &p->language_from_header);
      !s.ok()) {
    if (!JsonContentType(input.content_type) && !input.body.empty()) {
      return Finish(request, *p->label, p->start,
                    Made(415, absl::StatusCode::kInvalidArgument, "UNSUPPORTED_MEDIA_TYPE",
                         std::string(s.message())),
                    p->done);
    }
    return fail(s);
  }
  if (streaming) Streams::ApplyLastEventId(request, message.get());
  auto call = MakeCall(*p->route, *message, request.Header("grpc-timeout"), std::move(metadata),
                       {options_.backend_timeout, options_.max_grpc_timeout});
  if (!call.ok()) return fail(call.status());
  if (streaming) {
    return streams_.Serve(request, *p->route, *std::move(call), [this, p](HttpResponse r) {
      Finish(*p->req, *p->label, p->start, std::move(r), p->done);
    });
  }
  p->call = *std::move(call);
  // A client that goes away cancels its own call; a shared fetch (others may wait) runs on.
  if (p->cache_key.empty()) p->call.cancel = request.cancel;
  if (p->cache_key.empty()) return Send(std::move(p));
  Fetch(std::move(p));
}

void Gateway::ResolveIfMatchAny(std::shared_ptr<Pending> p, const RouteTable::Match& match,
                                std::vector<MetadataEntry> metadata) {
  std::vector<MetadataEntry> copy = metadata;
  DispatchOptions options{options_.backend_timeout, options_.max_grpc_timeout};
  CurrentEtag(routes_, backends_, p->path, std::move(copy), options,
              [this, p, match, metadata = std::move(metadata)](
                  absl::StatusOr<std::string> etag) mutable {
                if (!etag.ok()) {
                  HttpResponse r =
                      etag.status().code() == absl::StatusCode::kFailedPrecondition
                          ? Made(412, absl::StatusCode::kFailedPrecondition,
                                 "PRECONDITION_FAILED", std::string(etag.status().message()))
                          : ErrorResponse(etag.status());
                  return Finish(*p->req, *p->label, p->start, std::move(r), p->done);
                }
                p->req->headers["if-match"] = *etag;
                ServeRoute(std::move(p), match, std::move(metadata));
              });
}

bool Gateway::ServeFromCache(const std::shared_ptr<Pending>& p) {
  auto hit = cache_.Lookup(p->cache_key);
  if (!hit) return false;
  auto age = cache_.Now() - hit->stored;
  Hit(*p, *std::move(hit));
  // Refresh ahead: in the last quarter of its life, a hit also fetches the entry again in the
  // background (one fetch per key), so a busy entry is renewed before it expires and its readers
  // never all wait for the backend at once. Nothing is served past the TTL.
  if (age * 4 < cache_.ttl() * 3) return true;
  p->background = true;
  p->done = [](HttpResponse) {};
  return false;
}

void Gateway::Fetch(std::shared_ptr<Pending> p) {
  if (p->background) {
    p->flight = cache_.ClaimRefresh(p->cache_key);
    if (p->flight == nullptr) return;  // a fetch of this key is already on its way
    counters_.refreshes->Inc();
    return Send(std::move(p));
  }
  // Single flight: the first miss of a key fetches it; the requests for the same key that arrive
  // meanwhile wait for its result (answered from the backend thread of that fetch, through their
  // own `done`; errors and private responses are not shared: each waiter then calls itself).
  auto claim = cache_.ClaimFetch(p->cache_key, [this, p](const ResponseCache::Entry* shared) {
    if (shared != nullptr) return Answer(*p, HttpResponse::From(shared->response), shared->etag);
    Send(p);
  });
  if (claim.hit) return Hit(*p, *std::move(claim.hit));
  if (claim.waiting) {
    counters_.coalesced->Inc();
    return;
  }
  p->flight = std::move(claim.flight);
  Send(std::move(p));
}

void Gateway::Send(std::shared_ptr<Pending> p) {
  BackendCall call = p->call;  // kept: a waiter may have to make its own call
  if (p->is_get) {  // revalidate the copy kept of this call's last answer, if any
    if (p->representation_key.empty()) {
      p->representation_key = RepresentationCache::Key(p->call, !p->req->Has("authorization"),
                                                       p->language_from_header);
    }
    representations_.Prepare(p->representation_key, &call);
  }
  backends_->Call(std::move(call),
                  [this, p = std::move(p)](BackendReply reply) { OnReply(p, reply); });
}

void Gateway::OnReply(const std::shared_ptr<Pending>& p, const BackendReply& reply) {
  if (reply.code != 0) {
    metrics_
        ->GetCounter("mgi_gateway_backend_errors_total", "Backend calls that failed, by code",
                     {{"service", p->call.service}, {"code", GrpcCodeName(reply.code)}})
        ->Inc();
    if (reply.details.empty()) {  // the transport's error: its text stays in the log
      spdlog::warn("backend {}: {} {} request_id={}", reply.backend, GrpcCodeName(reply.code),
                   reply.message, p->req->Header("x-request-id"));
    }
  }
  RouteResponse out;
  if (reply.code == 0 && reply.not_modified) {
    auto kept = representations_.Find(p->representation_key, reply.version);
    if (kept == nullptr) {  // nothing (or another version) kept: ask again, unconditionally
      representations_.Erase(p->representation_key);
      return Send(p);
    }
    counters_.revalidated->Inc();
    // The kept response is served as it is (shared, not copied): HttpResponse::kept.
    out.response = HttpResponse::From(std::shared_ptr<const HttpResponse>(kept, &kept->response));
    out.etag = kept->etag;
    out.shareable = kept->shareable;
  } else {
    out = writer_.FromReply(*p->route, reply, p->is_get, !p->req->Has("authorization"),
                            !p->is_get && !p->req->Header("if-match").empty(),
                            p->language_from_header);
    if (p->is_get && !reply.version.empty() && out.response.status == 200) {
      representations_.Put(p->representation_key, reply.version, out);
    }
  }
  AddReplyHeaders(*p, reply, &out);
  // A write acknowledged by the backend: the cached responses of what it changed go now, before
  // the client hears of it.
  if (!p->is_get && out.response.status >= 200 && out.response.status < 300) {
    cache_.Invalidate([&](const std::string& key) { return WriteAffects(p->path, key); });
  }
  if (p->flight) {
    cache_.Complete(p->cache_key, p->flight, out.shareable ? &out.response : nullptr, out.etag);
  }
  if (!p->background) Answer(*p, std::move(out.response), out.etag);
}

void Gateway::AddReplyHeaders(const Pending& p, const BackendReply& reply,
                              RouteResponse* out) const {
  if (reply.code != 0) {
    if (auto seconds = RetryAfterSeconds(reply.details)) {
      out->response.Set("Retry-After", std::to_string(*seconds));
    }
  }
  forwarding_.AddResponseHeaders(reply.initial_metadata, &out->response);
  // Accept-Language chose this representation: its tag says which (http_semantics.h).
  if (p.language_from_header && !out->etag.empty()) {
    std::string language = PreferredLanguage(p.req->Header("accept-language"));
    out->etag = RepresentationEtag(out->etag, language, false);
    out->response.OwnHeaders();  // a kept ETag changes (the body stays shared)
    for (auto& [name, value] : out->response.headers) {
      if (name == "ETag") value = out->etag;
    }
  }
}

void Gateway::Answer(const Pending& p, HttpResponse response, const std::string& etag) const {
  ResponseWriter::NotModified(*p.req, etag, &response);
  Finish(*p.req, *p.label, p.start, std::move(response), p.done);
}

void Gateway::Hit(const Pending& p, ResponseCache::Entry entry) const {
  counters_.hits->Inc();
  auto age = std::chrono::duration_cast<std::chrono::seconds>(cache_.Now() - entry.stored);
  HttpResponse response = HttpResponse::From(std::move(entry.response));
  response.Set("Age", std::to_string(age.count()));
  Answer(p, std::move(response), entry.etag);
}

void Gateway::Finish(const HttpRequest& request, const std::string& label, Clock::time_point start,
                     HttpResponse response, const Done& done) const {
  writer_.Decorate(request, &response);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  request_metrics_.Record(label, response.status, seconds);
  if (response.status >= 400 || spdlog::should_log(spdlog::level::debug)) {
    std::string request_id = request.Header("x-request-id");
    if (response.status >= 500) {
      spdlog::warn("http {} {} -> {} request_id={} ms={:.1f}", request.method, request.target,
                   response.status, request_id, seconds * 1000);
    } else if (response.status >= 400) {
      spdlog::info("http {} {} -> {} request_id={}", request.method, request.target,
                   response.status, request_id);
    } else {
      spdlog::debug("http {} {} -> {} request_id={}", request.method, request.target,
                    response.status, request_id);
    }
  }
  done(std::move(response));
}

}  // namespace mgi::gateway
