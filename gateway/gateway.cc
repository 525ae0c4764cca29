#include "gateway/gateway.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/language.h"
#include "common/status.h"
#include "gateway/errors.h"
#include "gateway/metadata.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;
using Clock = std::chrono::steady_clock;

const char* kAllowedRequestHeaders =
    "authorization, content-type, if-match, if-none-match, x-request-id, traceparent, "
    "grpc-timeout, accept-language";
const char* kExposedHeaders = "etag, x-request-id, www-authenticate, allow";

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrCat(absl::Hex(rng(), absl::kZeroPad16), absl::Hex(rng(), absl::kZeroPad16));
}

std::string StripWeak(std::string tag) {
  tag = std::string(absl::StripAsciiWhitespace(tag));
  if (absl::StartsWith(tag, "W/")) tag = tag.substr(2);
  return tag;
}

bool EtagMatches(const std::string& header, const std::string& etag) {
  if (absl::StripAsciiWhitespace(header) == "*") return true;
  for (const auto& part : absl::StrSplit(header, ',')) {
    if (StripWeak(std::string(part)) == StripWeak(etag)) return true;
  }
  return false;
}

bool Compressible(const std::string& content_type) {
  return absl::StartsWith(content_type, "text/") || absl::StrContains(content_type, "json") ||
         absl::StrContains(content_type, "javascript") || absl::StrContains(content_type, "xml") ||
         absl::StrContains(content_type, "svg");
}

std::string ContentTypeFor(const std::string& file) {
  if (absl::EndsWith(file, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(file, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(file, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(file, ".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

bool ParseGrpcTimeout(const std::string& value, std::chrono::milliseconds* out) {
  if (value.size() < 2 || value.size() > 9) return false;
  int64_t n;
  if (!absl::SimpleAtoi(value.substr(0, value.size() - 1), &n) || n < 0) return false;
  switch (value.back()) {
    case 'H': *out = std::chrono::hours(n); return true;
    case 'M': *out = std::chrono::minutes(n); return true;
    case 'S': *out = std::chrono::seconds(n); return true;
    case 'm': *out = std::chrono::milliseconds(n); return true;
    case 'u': *out = std::chrono::milliseconds((n + 999) / 1000); return true;
    case 'n': *out = std::chrono::milliseconds((n + 999999) / 1000000); return true;
    default: return false;
  }
}

std::string PreferredLanguage(const std::string& accept_language) {
  std::string best;
  double best_q = 0;
  for (const auto& part : absl::StrSplit(accept_language, ',', absl::SkipWhitespace())) {
    std::vector<std::string> pieces = absl::StrSplit(part, ';');
    std::string tag(absl::StripAsciiWhitespace(pieces[0]));
    double q = 1;
    for (size_t i = 1; i < pieces.size(); ++i) {
      std::string p(absl::StripAsciiWhitespace(pieces[i]));
      if (absl::StartsWith(p, "q=") && !absl::SimpleAtod(p.substr(2), &q)) q = 0;
    }
    if (tag == "*" || q <= best_q) continue;
    auto normalized = NormalizeLanguage(tag);
    if (!normalized.ok()) continue;
    best = *normalized;
    best_q = q;
  }
  return best;
}

bool AcceptsGzip(const std::string& accept_encoding) {
  for (const auto& part : absl::StrSplit(accept_encoding, ',', absl::SkipWhitespace())) {
    std::vector<std::string> pieces = absl::StrSplit(part, ';');
    std::string coding = absl::AsciiStrToLower(absl::StripAsciiWhitespace(pieces[0]));
    if (coding != "gzip") continue;
    for (size_t i = 1; i < pieces.size(); ++i) {
      std::string p(absl::StripAsciiWhitespace(pieces[i]));
      double q;
      if (absl::StartsWith(p, "q=") && absl::SimpleAtod(p.substr(2), &q) && q <= 0) return false;
    }
    return true;
  }
  return false;
}

std::string Gzip(const std::string& data) {
  z_stream zs{};
  if (deflateInit2(&zs, 5, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : "";
}

std::string ContentEtag(const std::string& body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < 16 && i < len; ++i) hex += absl::StrCat(absl::Hex(md[i], absl::kZeroPad2));
  return absl::StrCat("\"", hex, "\"");
}

namespace {
// The resource a path names, without its custom verb: "/v1/profiles/x:archive" -> "/v1/profiles/x",
// "/v1/profiles:import" -> "/v1/profiles".
std::string ResourcePath(const std::string& path) {
  size_t slash = path.rfind('/');
  size_t colon = path.find(':', slash == std::string::npos ? 0 : slash);
  return colon == std::string::npos ? path : path.substr(0, colon);
}
// `a` is `b` or below it.
bool Within(const std::string& a, const std::string& b) {
  return a == b || (a.size() > b.size() && absl::StartsWith(a, b) && a[b.size()] == '/');
}
}  // namespace

bool WriteAffects(const std::string& written_path, const std::string& cached_target) {
  std::string written = ResourcePath(written_path);
  std::string cached = ResourcePath(cached_target.substr(0, cached_target.find_first_of("?#\n")));
  return Within(cached, written) || Within(written, cached);
}

struct Gateway::Pending {
  std::shared_ptr<HttpRequest> req;
  const Route* route = nullptr;
  std::string label;
  Clock::time_point start;
  bool is_get = false;
  bool public_package = false;
  std::string path;       // the request's path, for the invalidation after a write
  std::string cache_key;  // "" when the response is not to be shared
  BackendCall call;
  std::function<void(HttpResponse)> done;
  std::shared_ptr<Flight> flight;  // set on the request that fetches for a cache key
  bool background = false;         // a refresh-ahead fetch: nobody waits for its own answer
};

Gateway::Gateway(GatewayOptions options, RouteTable routes, Backends* backends,
                 MetricsRegistry* metrics, std::string openapi_json)
    : options_(std::move(options)),
      routes_(std::move(routes)),
      backends_(backends),
      metrics_(metrics),
      openapi_json_(std::move(openapi_json)) {}

bool Gateway::OriginAllowed(const std::string& origin) const {
  for (const auto& o : options_.cors_origins) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

HttpResponse Gateway::Error(int http_status, int grpc_code, const std::string& message,
                            const std::string& details_bin) const {
  HttpResponse r;
  r.status = http_status;
  r.body = ErrorEnvelope(http_status, grpc_code, message, details_bin);
  r.Set("Content-Type", "application/json");
  r.Set("Cache-Control", "no-store");
  if (grpc_code == 16) r.Set("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse Gateway::TransportError(int http_status, const std::string& message) const {
  absl::StatusCode code = http_status == 413 || http_status == 431 || http_status == 429
                              ? absl::StatusCode::kResourceExhausted
                              : absl::StatusCode::kInvalidArgument;
  std::string reason = http_status == 413   ? "BODY_TOO_LARGE"
                       : http_status == 431 ? "HEADERS_TOO_LARGE"
                       : http_status == 429 ? "RATE_LIMITED"
                                            : "MALFORMED_HTTP";
  GatewayError e = MakeError(code, reason, message);
  HttpResponse r = Error(http_status, e.grpc_code, e.message, e.details_bin);
  r.Set("Connection", "close");
  return r;
}

void Gateway::Finish(const HttpRequest& request, const std::string& route_label,
                     Clock::time_point start, HttpResponse response,
                     const std::function<void(HttpResponse)>& done) const {
  std::string request_id = request.Header("x-request-id");
  response.Set("X-Request-Id", request_id);
  response.Set("X-Content-Type-Options", "nosniff");
  if (std::none_of(response.headers.begin(), response.headers.end(),
                   [](const auto& h) { return h.first == "Content-Security-Policy"; })) {
    response.Set("Content-Security-Policy", kDefaultCsp);
  }
  if (options_.hsts_max_age.count() > 0) {
    response.Set("Strict-Transport-Security",
                 absl::StrCat("max-age=", options_.hsts_max_age.count()));
  }
  std::string origin = request.Header("origin");
  if (!origin.empty() && OriginAllowed(origin)) {
    response.Set("Access-Control-Allow-Origin", origin);
    response.Set("Access-Control-Expose-Headers", kExposedHeaders);
    response.Set("Vary", "Origin");
  }
  if (response.body.size() >= options_.gzip_min_bytes && response.status != 304 &&
      response.status != 204) {
    std::string content_type;
    for (const auto& [k, v] : response.headers) {
      if (k == "Content-Type") content_type = v;
    }
    if (Compressible(content_type)) {
      response.Set("Vary", "Accept-Encoding");
      if (AcceptsGzip(request.Header("accept-encoding"))) {
        std::string gz = Gzip(response.body);
        if (!gz.empty()) {
          response.body = std::move(gz);
          response.Set("Content-Encoding", "gzip");
        }
      }
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::string code = std::to_string(response.status);
  metrics_
      ->GetCounter("mgi_gateway_requests_total", "HTTP requests by route and status",
                   {{"route", route_label}, {"code", code}})
      ->Inc();
  metrics_
      ->GetHistogram("mgi_gateway_request_duration_seconds", "HTTP request latency by route",
                     {{"route", route_label}})
      ->Observe(seconds);
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
  done(std::move(response));
}

bool Gateway::ServeBuiltin(const HttpRequest& request, const std::string& path,
                           std::function<void(HttpResponse)>& done, std::string* label) {
  static const std::regex kFile("^/[A-Za-z0-9_-]+\\.(html|js|css|svg)$");
  bool is_file = path == "/" || std::regex_match(path, kFile);
  if (path != "/healthz" && path != "/readyz" && path != "/openapi.json" &&
      !(is_file && !options_.www_dir.empty())) {
    return false;
  }
  *label = path == "/healthz" || path == "/readyz" || path == "/openapi.json" ? path : "www";
  auto start = Clock::now();
  HttpResponse r;
  if (request.method != "GET" && request.method != "HEAD") {
    GatewayError e = MakeError(absl::StatusCode::kUnimplemented, "METHOD_NOT_ALLOWED",
                               absl::StrCat(request.method, " is not allowed on ", path));
    r = Error(405, e.grpc_code, e.message, e.details_bin);
    r.Set("Allow", "GET, HEAD");
  } else if (path == "/healthz") {
    r.body = "{\"status\":\"alive\"}";
    r.Set("Content-Type", "application/json");
    r.Set("Cache-Control", "no-store");
  } else if (path == "/openapi.json") {
    r.body = openapi_json_;
    r.Set("Content-Type", "application/json");
    r.Set("Cache-Control", "no-cache");
    r.Set("ETag", ContentEtag(r.body));
  } else if (path == "/readyz") {
    if (draining_) {
      r.status = 503;
      r.body = "{\"status\":\"draining\"}";
      r.Set("Content-Type", "application/json");
      r.Set("Cache-Control", "no-store");
    } else {
      auto req = std::make_shared<HttpRequest>(request);
      backends_->CheckHealth(
          std::chrono::milliseconds(2000),
          [this, req, start, done](std::vector<BackendHealth> results) {
            // The body names services and states only: addresses and gRPC error texts go to
            // the log.
            nlohmann::json backends = nlohmann::json::object();
            bool ready = true;
            for (const BackendHealth& h : results) {
              backends[h.services] = h.state;
              if (h.serving) continue;
              ready = false;
              spdlog::warn("readyz: backend {} at {} is {} {}", h.services, h.address, h.state,
                           h.detail);
            }
            HttpResponse r;
            r.status = ready ? 200 : 503;
            r.body = nlohmann::json{{"status", ready ? "ready" : "not ready"},
                                    {"backends", backends}}
                         .dump();
            r.Set("Content-Type", "application/json");
            r.Set("Cache-Control", "no-store");
            Finish(*req, "/readyz", start, std::move(r), done);
          });
      return true;
    }
  } else {
    std::string name = path == "/" ? "index.html" : path.substr(1);
    std::ifstream in(options_.www_dir + "/" + name, std::ios::binary);
    if (!in) {
      GatewayError e = MakeError(absl::StatusCode::kNotFound, "NO_ROUTE",
                                 absl::StrCat("no route for GET ", path));
      r = Error(404, e.grpc_code, e.message, e.details_bin);
    } else {
      std::stringstream ss;
      ss << in.rdbuf();
      r.body = ss.str();
      r.Set("Content-Type", ContentTypeFor(name));
      r.Set("Cache-Control", "no-cache");
      r.Set("Content-Security-Policy", kExplorerCsp);
      std::string etag = ContentEtag(r.body);
      r.Set("ETag", etag);
      if (!request.Header("if-none-match").empty() &&
          EtagMatches(request.Header("if-none-match"), etag)) {
        r.status = 304;
        r.body.clear();
      }
    }
  }
  if (request.method == "HEAD") r.body.clear();
  Finish(request, *label, start, std::move(r), done);
  return true;
}

bool Gateway::CacheLookup(const std::string& key, CacheEntry* out) const {
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = cache_.find(key);
  if (it == cache_.end() || Clock::now() - it->second.stored > options_.cache_ttl) return false;
  *out = it->second;
  return true;
}

// Called with cache_mu_ held.
void Gateway::CacheStore(const std::string& key, const HttpResponse& response,
                         const std::string& etag) {
  auto now = Clock::now();
  if (cache_.size() >= options_.cache_entries) {
    std::erase_if(cache_, [&](const auto& e) { return now - e.second.stored > options_.cache_ttl; });
    if (cache_.size() >= options_.cache_entries) cache_.clear();
  }
  cache_[key] = CacheEntry{response, etag, now};
}

void Gateway::Invalidate(const std::string& path) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  std::erase_if(cache_, [&](const auto& e) { return WriteAffects(path, e.first); });
  for (auto it = flights_.begin(); it != flights_.end();) {
    if (WriteAffects(path, it->first)) {
      it->second->stale = true;  // its result may predate the write: not stored
      it = flights_.erase(it);   // later requests fetch again
    } else {
      ++it;
    }
  }
}

void Gateway::Handle(HttpRequest request, std::function<void(HttpResponse)> done) {
  auto start = Clock::now();
  if (!CheckRequestId(request.Header("x-request-id"))) {
    request.headers["x-request-id"] = NewRequestId();
  }
  // Every forwarded header is checked before anything else reads it: a value gRPC would refuse
  // as metadata never reaches a backend call (a malformed Authorization is a 400, never echoed;
  // a malformed traceparent is dropped).
  ForwardedMetadata forwarded = ForwardedHeaders(request.headers);
  if (!forwarded.malformed.empty()) {
    GatewayError e = MakeError(
        absl::StatusCode::kInvalidArgument, "MALFORMED_AUTHORIZATION",
        "the Authorization header is malformed: send 'Bearer <token>' in printable ASCII");
    HttpResponse r = Error(400, e.grpc_code, e.message, e.details_bin);
    r.Set("WWW-Authenticate", "Bearer error=\"invalid_request\"");
    Finish(request, "malformed", start, std::move(r), done);
    return;
  }
  size_t q = request.target.find('?');
  std::string path = request.target.substr(0, q);
  std::string query = q == std::string::npos ? "" : request.target.substr(q + 1);
  if (size_t hash = query.find('#'); hash != std::string::npos) query.resize(hash);

  // CORS preflight.
  if (request.method == "OPTIONS") {
    std::string origin = request.Header("origin");
    std::string wanted = request.Header("access-control-request-method");
    RouteTable::Match match = routes_.Find(wanted, path);
    HttpResponse r;
    if (match.allowed.empty()) {
      GatewayError e = MakeError(absl::StatusCode::kNotFound, "NO_ROUTE",
                                 absl::StrCat("no route for ", path));
      r = Error(404, e.grpc_code, e.message, e.details_bin);
    } else if (origin.empty() || wanted.empty()) {
      r.status = 204;
      r.Set("Allow", absl::StrJoin(match.allowed, ", ") + ", OPTIONS");
    } else if (!OriginAllowed(origin)) {
      GatewayError e = MakeError(absl::StatusCode::kPermissionDenied, "CORS_ORIGIN_NOT_ALLOWED",
                                 absl::StrCat("origin ", origin, " is not allowed"));
      r = Error(403, e.grpc_code, e.message, e.details_bin);
    } else {
      r.status = 204;
      r.Set("Access-Control-Allow-Methods", absl::StrJoin(match.allowed, ", "));
      r.Set("Access-Control-Allow-Headers", kAllowedRequestHeaders);
      r.Set("Access-Control-Max-Age", "600");
    }
    Finish(request, "OPTIONS", start, std::move(r), done);
    return;
  }

  std::string label;
  if (ServeBuiltin(request, path, done, &label)) return;

  // HEAD is GET without the body (the transport drops it, keeping Content-Length).
  const bool is_get = request.method == "GET" || request.method == "HEAD";
  RouteTable::Match match = routes_.Find(request.method == "HEAD" ? "GET" : request.method, path);
  if (match.route == nullptr) {
    HttpResponse r;
    if (match.allowed.empty()) {
      GatewayError e = MakeError(absl::StatusCode::kNotFound, "NO_ROUTE",
                                 absl::StrCat("no route for ", request.method, " ", path));
      r = Error(404, e.grpc_code, e.message, e.details_bin);
    } else {
      GatewayError e = MakeError(
          absl::StatusCode::kUnimplemented, "METHOD_NOT_ALLOWED",
          absl::StrCat(request.method, " is not allowed on ", path, "; allowed: ",
                       absl::StrJoin(match.allowed, ", ")));
      r = Error(405, e.grpc_code, e.message, e.details_bin);
      r.Set("Allow", absl::StrJoin(match.allowed, ", "));
    }
    Finish(request, "unmatched", start, std::move(r), done);
    return;
  }
  const Route& route = *match.route;
  label = absl::StrCat(route.http_method, " ", route.path.text());

  auto fail = [&](const absl::Status& status) {
    GatewayError e = FromAbsl(status);
    Finish(request, label, start,
           Error(HttpStatusFromGrpc(e.grpc_code), e.grpc_code, e.message, e.details_bin), done);
  };
  // The shared cache of public GET responses: the key holds everything the response depends on
  // (the target and the language default from Accept-Language). Only anonymous requests use it:
  // a response obtained with a token must never be served to a caller without one (with
  // public-read off the backends would refuse that caller), and a token is checked every time.
  std::string cache_key;
  bool background = false;
  if (is_get && options_.cache_ttl.count() > 0 && request.body.empty() &&
      request.Header("authorization").empty()) {
    cache_key = absl::StrCat(request.target, "\n",
                             PreferredLanguage(request.Header("accept-language")));
    CacheEntry hit;
    if (CacheLookup(cache_key, &hit)) {
      metrics_->GetCounter("mgi_gateway_cache_hits_total", "Responses served from the gateway cache")
          ->Inc();
      auto age_exact = Clock::now() - hit.stored;
      HttpResponse r = std::move(hit.response);
      auto age = std::chrono::duration_cast<std::chrono::seconds>(age_exact);
      r.Set("Age", std::to_string(age.count()));
      std::string inm = request.Header("if-none-match");
      if (!inm.empty() && EtagMatches(inm, hit.etag)) {
        r.status = 304;
        r.body.clear();
      }
      Finish(request, label, start, std::move(r), done);
      // Refresh ahead: in the last quarter of its life, a hit also fetches the entry again in the
      // background (one fetch per key, below), so a busy entry is renewed before it expires and
      // its readers never all wait for the backend at once. Nothing is served past the TTL.
      if (age_exact * 4 < options_.cache_ttl * 3) return;
      background = true;
      done = [](HttpResponse) {};
    }
  }
  if (!request.body.empty() && JsonTooDeep(request.body, options_.max_json_depth)) {
    fail(mgi::InvalidArgument("body", absl::StrCat("JSON nesting deeper than ",
                                                   options_.max_json_depth, " levels")));
    return;
  }
  std::unique_ptr<pb::Message> message(
      pb::MessageFactory::generated_factory()->GetPrototype(route.method->input_type())->New());
  HttpInput input;
  input.query = std::move(query);
  input.body = std::move(request.body);
  request.body.clear();
  input.content_type = request.Header("content-type");
  if (!is_get) input.if_match = request.Header("if-match");
  input.default_language = PreferredLanguage(request.Header("accept-language"));
  if (auto s = BuildRequest(route, match.bindings, input, message.get()); !s.ok()) {
    fail(s);
    return;
  }

  BackendCall call;
  call.service = route.method->service()->full_name();
  call.rpc_path = route.rpc_path;
  call.timeout = options_.backend_timeout;
  if (std::string t = request.Header("grpc-timeout"); !t.empty()) {
    if (!ParseGrpcTimeout(t, &call.timeout)) {
      fail(mgi::InvalidArgument("Grpc-Timeout", "not a gRPC timeout such as 500m or 5S"));
      return;
    }
    call.timeout = std::min(call.timeout, options_.max_grpc_timeout);
  }
  call.metadata = std::move(forwarded.metadata);
  if (!message->SerializeToString(&call.request)) {
    fail(absl::InternalError("cannot serialize the request"));
    return;
  }
  bool public_package = false;
  for (const auto& p : options_.public_packages) {
    if (absl::StartsWith(route.method->full_name(), p + ".")) public_package = true;
  }
  auto pending = std::make_shared<Pending>();
  pending->req = std::make_shared<HttpRequest>(std::move(request));
  pending->route = &route;
  pending->label = label;
  pending->start = start;
  pending->is_get = is_get;
  pending->public_package = public_package;
  pending->path = path;
  pending->call = std::move(call);
  pending->done = std::move(done);
  pending->background = background;
  if (background) {
    {
      std::lock_guard<std::mutex> lock(cache_mu_);
      auto& flight = flights_[cache_key];
      if (flight) return;  // a fetch of this key is already on its way
      flight = std::make_shared<Flight>();
      pending->flight = flight;
      pending->cache_key = std::move(cache_key);
    }
    metrics_->GetCounter("mgi_gateway_cache_refreshes_total",
                         "Background fetches that renewed a cache entry before it expired")
        ->Inc();
  } else if (!cache_key.empty()) {
    // Single flight: the first miss of a key fetches it; the requests for the same key that
    // arrive meanwhile wait for its result (no io thread blocks: they are answered from the
    // backend thread of that fetch, through their own `done`).
    std::unique_lock<std::mutex> lock(cache_mu_);
    auto hit = cache_.find(cache_key);
    if (hit != cache_.end() && Clock::now() - hit->second.stored <= options_.cache_ttl) {
      CacheEntry entry = hit->second;  // stored by a fetch that finished since the lookup above
      lock.unlock();
      metrics_->GetCounter("mgi_gateway_cache_hits_total", "Responses served from the gateway cache")
          ->Inc();
      HttpResponse r = std::move(entry.response);
      auto age = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - entry.stored);
      r.Set("Age", std::to_string(age.count()));
      std::string inm = pending->req->Header("if-none-match");
      if (!inm.empty() && EtagMatches(inm, entry.etag)) {
        r.status = 304;
        r.body.clear();
      }
      Finish(*pending->req, label, start, std::move(r), pending->done);
      return;
    }
    auto& flight = flights_[cache_key];
    if (flight) {
      flight->waiters.push_back(std::move(pending));
      lock.unlock();
      metrics_
          ->GetCounter("mgi_gateway_cache_coalesced_total",
                       "Requests that waited for another request's fetch of the same response")
          ->Inc();
      return;
    }
    flight = std::make_shared<Flight>();
    pending->flight = flight;
    pending->cache_key = std::move(cache_key);
  }
  Send(std::move(pending));
}

void Gateway::Send(std::shared_ptr<Pending> pending) {
  BackendCall call = pending->call;  // kept: a waiter may have to make its own call
  backends_->Call(std::move(call), [this, pending = std::move(pending)](BackendReply reply) {
    OnReply(pending, std::move(reply));
  });
}

void Gateway::OnReply(const std::shared_ptr<Pending>& p, BackendReply reply) {
  const Route& route = *p->route;
  HttpResponse r;
  std::string etag;
  bool cacheable = false;
  if (reply.code != 0) {
    metrics_
        ->GetCounter("mgi_gateway_backend_errors_total", "Backend calls that failed, by code",
                     {{"service", route.method->service()->full_name()},
                      {"code", GrpcCodeName(reply.code)}})
        ->Inc();
    std::string message = reply.message;
    if (reply.details.empty()) {
      // Not the service's own error (those carry details) but the transport's: its text names
      // addresses and gRPC internals, so it goes to the log and the client gets a plain sentence.
      spdlog::warn("backend {}: {} {} request_id={}", reply.backend, GrpcCodeName(reply.code),
                   reply.message, p->req->Header("x-request-id"));
      std::string service = route.method->service()->full_name();
      message = reply.code == 14  ? absl::StrCat("the backend of ", service, " is unavailable")
                : reply.code == 4 ? absl::StrCat("the backend of ", service,
                                                 " did not answer in time")
                                  : absl::StrCat("the backend of ", service, " failed (",
                                                 GrpcCodeName(reply.code), ")");
    }
    r = Error(HttpStatusFromGrpc(reply.code), reply.code, message, reply.details);
  } else {
    std::unique_ptr<pb::Message> response(
        pb::MessageFactory::generated_factory()->GetPrototype(route.method->output_type())->New());
    absl::StatusOr<RenderedBody> rendered;
    if (!response->ParseFromString(reply.response)) {
      GatewayError e = MakeError(absl::StatusCode::kInternal, "BAD_BACKEND_RESPONSE",
                                 "the backend's response could not be parsed");
      r = Error(500, e.grpc_code, e.message, e.details_bin);
    } else if (rendered = RenderResponse(route, *response); !rendered.ok()) {
      GatewayError e = FromAbsl(rendered.status());
      r = Error(500, e.grpc_code, e.message, e.details_bin);
    } else {
      r.status = rendered->http_status;
      if (r.status != 204) {
        r.Set("Content-Type", rendered->content_type);
        if (absl::StartsWith(absl::AsciiStrToLower(rendered->content_type), "text/html")) {
          r.Set("Content-Security-Policy", kBackendHtmlCsp);
        }
        if (!rendered->resource_etag.empty()) {
          etag = rendered->resource_etag;
          if (etag.front() != '"' && !absl::StartsWith(etag, "W/")) etag = "\"" + etag + "\"";
        } else if (!reply.etag.empty()) {  // e.g. a rendered report (google.api.HttpBody)
          etag = reply.etag;
          if (etag.front() != '"' && !absl::StartsWith(etag, "W/")) etag = "\"" + etag + "\"";
        } else {
          etag = ContentEtag(rendered->body);
        }
        r.Set("ETag", etag);
        // Public data answered to an anonymous caller may be kept by any cache; answered to a
        // caller with a token, only by that caller's (the backend checked the token, and with
        // public read off an anonymous caller would be refused).
        bool public_data = p->is_get && (p->public_package || rendered->published ||
                                         absl::StrContains(reply.cache_control, "public"));
        bool anonymous = p->req->headers.count("authorization") == 0;
        std::string max_age = absl::StrCat("max-age=", options_.public_max_age.count());
        r.Set("Cache-Control", !public_data ? "no-store"
                               : anonymous  ? absl::StrCat("public, ", max_age)
                                            : absl::StrCat("private, ", max_age));
        r.body = std::move(rendered->body);
        cacheable = public_data && anonymous && r.status == 200;
      }
    }
  }
  // A write acknowledged by the backend: the cached responses of what it changed go now, before
  // the client hears of it.
  if (!p->is_get && r.status >= 200 && r.status < 300) Invalidate(p->path);

  // Every response of a route may depend on the caller's token.
  r.Set("Vary", "Authorization");
  auto answer = [this, &r, &etag](const Pending& w) {
    HttpResponse mine = r;
    std::string inm = w.req->Header("if-none-match");
    if (w.is_get && !etag.empty() && !inm.empty() && EtagMatches(inm, etag)) {
      mine.status = 304;
      mine.body.clear();
    }
    Finish(*w.req, w.label, w.start, std::move(mine), w.done);
  };
  if (p->flight) {
    std::vector<std::shared_ptr<Pending>> waiters;
    {
      std::lock_guard<std::mutex> lock(cache_mu_);
      auto it = flights_.find(p->cache_key);
      if (it != flights_.end() && it->second == p->flight) flights_.erase(it);
      if (cacheable && !p->flight->stale) CacheStore(p->cache_key, r, etag);
      waiters.swap(p->flight->waiters);
    }
    for (auto& w : waiters) {
      if (cacheable) {
        answer(*w);
      } else {
        // Errors and private responses are not shared: each waiter makes its own call.
        Send(std::move(w));
      }
    }
  }
  if (!p->background) answer(*p);
}

}  // namespace mgi::gateway
