#include "gateway/response_writer.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <google/api/httpbody.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/errors.h"
#include "gateway/http_semantics.h"
#include "gateway/response_body.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;

const char* kExposedHeaders =
    "etag, x-request-id, www-authenticate, allow, location, retry-after";

std::string StripWeak(std::string tag) {
  tag = std::string(absl::StripAsciiWhitespace(tag));
  if (absl::StartsWith(tag, "W/")) tag = tag.substr(2);
  return tag;
}

bool Compressible(const std::string& content_type) {
  return absl::StartsWith(content_type, "text/") || absl::StrContains(content_type, "json") ||
         absl::StrContains(content_type, "javascript") || absl::StrContains(content_type, "xml") ||
         absl::StrContains(content_type, "svg");
}

std::string Quoted(std::string etag) {
  if (!etag.empty() && etag.front() != '"' && !absl::StartsWith(etag, "W/")) {
    etag = "\"" + etag + "\"";
  }
  return etag;
}

// Where resource names start in a template's paths: its leading literal segments up to the
// version ("/v1", "/conf/v1"), else all of them; "" when it starts with a variable.
std::string ApiRoot(const std::vector<PathTemplate::Segment>& segments) {
  std::string root;
  for (const auto& s : segments) {
    if (s.kind != PathTemplate::Segment::kLiteral) break;
    absl::StrAppend(&root, "/", s.literal);
    if (s.literal.size() > 1 && s.literal[0] == 'v' && absl::ascii_isdigit(s.literal[1])) break;
  }
  return root;
}

}  // namespace

absl::StatusOr<RenderedBody> RenderResponse(const Route& route, const pb::Message& response) {
  RenderedBody out;
  out.http_status = route.creates ? 201 : 200;
  const pb::Descriptor* desc = response.GetDescriptor();
  const pb::Reflection* r = response.GetReflection();
  if (const pb::FieldDescriptor* f = desc->FindFieldByName("etag");
      f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING && !f->is_repeated()) {
    out.resource_etag = r->GetString(response, f);
  }
  const pb::Message* body = &response;
  if (!route.response_body.empty()) {
    const pb::FieldDescriptor* f = desc->FindFieldByName(route.response_body);
    if (f == nullptr) {
      return absl::InternalError(absl::StrCat("response_body field '", route.response_body,
                                              "' is not in ", desc->full_name()));
    }
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      body = &r->GetMessage(response, f);
    } else {  // a repeated, map or scalar field (response_body.h)
      auto json = FieldJson(response, f);
      if (!json.ok()) return json.status();
      out.body = *std::move(json);
      out.content_type = "application/json";
      return out;
    }
  }
  if (body->GetDescriptor()->full_name() == "google.api.HttpBody") {
    const auto& hb = static_cast<const google::api::HttpBody&>(*body);
    out.content_type = hb.content_type().empty() ? "application/octet-stream" : hb.content_type();
    out.body = hb.data();
    return out;
  }
  if (route.empty_response && route.response_body.empty()) {
    out.http_status = 204;
    return out;
  }
  pb::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = false;
  auto s = pb::util::MessageToJsonString(*body, &out.body, opts);
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat("cannot print the response: ", s.message().ToString()));
  }
  out.content_type = "application/json";
  return out;
}

HttpResponse ErrorResponse(int http_status, int grpc_code, const std::string& message,
                           const std::string& details_bin) {
  HttpResponse r;
  r.status = http_status;
  r.body = ErrorEnvelope(http_status, grpc_code, message, details_bin);
  r.Set("Content-Type", "application/json");
  r.Set("Cache-Control", "no-store");
  if (grpc_code == 16) r.Set("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  GatewayError e = FromAbsl(status);
  return ErrorResponse(HttpStatusFromGrpc(e.grpc_code), e.grpc_code, e.message, e.details_bin);
}

HttpResponse TransportErrorResponse(int http_status, const std::string& message) {
  absl::StatusCode code =
      http_status == 413 || http_status == 431 || http_status == 429 || http_status == 503
          ? absl::StatusCode::kResourceExhausted
          : absl::StatusCode::kInvalidArgument;
  std::string reason = http_status == 413   ? "BODY_TOO_LARGE"
                       : http_status == 431 ? "HEADERS_TOO_LARGE"
                       : http_status == 429 ? "RATE_LIMITED"
                                            : "MALFORMED_HTTP";
  GatewayError e = MakeError(code, reason, message);
  HttpResponse r = ErrorResponse(http_status, e.grpc_code, e.message, e.details_bin);
  r.Set("Connection", "close");
  return r;
}

bool EtagMatches(const std::string& header, const std::string& etag) {
  if (absl::StripAsciiWhitespace(header) == "*") return true;
  for (const auto& part : absl::StrSplit(header, ',')) {
    if (StripWeak(std::string(part)) == StripWeak(etag)) return true;
  }
  return false;
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

RouteResponse ResponseWriter::FromReply(const Route& route, const BackendReply& reply, bool is_get,
                                        bool anonymous, bool conditional,
                                        bool language_from_header) const {
  RouteResponse out;
  if (reply.code == 0) {
    out = FromBody(route, reply, is_get, anonymous);
    if (language_from_header) out.response.Set("Vary", "Accept-Language");
  } else {
    std::string message = reply.message;
    if (reply.details.empty()) {
      // Not the service's own error (those carry details) but the transport's: its text names
      // addresses and gRPC internals, so the caller logs it and the client gets a plain sentence.
      std::string service = route.method->service()->full_name();
      message = reply.code == 14  ? absl::StrCat("the backend of ", service, " is unavailable")
                : reply.code == 4 ? absl::StrCat("the backend of ", service,
                                                 " did not answer in time")
                                  : absl::StrCat("the backend of ", service, " failed (",
                                                 GrpcCodeName(reply.code), ")");
    }
    // If-Match that no longer matches: the backend says ABORTED, HTTP says 412 (RFC 9110).
    int http = conditional && reply.code == 10 ? 412 : HttpStatusFromGrpc(reply.code);
    out.response = ErrorResponse(http, reply.code, message, reply.details);
  }
  out.response.Set("Vary", "Authorization");  // every response of a route may depend on it
  return out;
}

RouteResponse ResponseWriter::FromBody(const Route& route, const BackendReply& reply, bool is_get,
                                       bool anonymous) const {
  RouteResponse out;
  std::unique_ptr<pb::Message> message(
      pb::MessageFactory::generated_factory()->GetPrototype(route.method->output_type())->New());
  if (!message->ParseFromString(reply.response)) {
    out.response = ErrorResponse(
        absl::InternalError("the backend's response could not be parsed"));
    return out;
  }
  auto rendered = RenderResponse(route, *message);
  if (!rendered.ok()) {
    out.response = ErrorResponse(500, 13, std::string(rendered.status().message()), "");
    return out;
  }
  HttpResponse& r = out.response;
  r.status = rendered->http_status;
  if (r.status == 204) return out;
  if (r.status == 201) {
    const pb::FieldDescriptor* name = message->GetDescriptor()->FindFieldByName("name");
    const auto& segments = route.path.segments();
    std::string root = ApiRoot(segments);
    if (name != nullptr && name->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING &&
        !name->is_repeated() && !root.empty()) {
      std::string value = message->GetReflection()->GetString(*message, name);
      if (!value.empty()) r.Set("Location", absl::StrCat(root, "/", value));
    }
  }
  r.Set("Content-Type", rendered->content_type);
  if (absl::StartsWith(absl::AsciiStrToLower(rendered->content_type), "text/html")) {
    r.Set("Content-Security-Policy", kBackendHtmlCsp);
  }
  out.etag = !rendered->resource_etag.empty() ? Quoted(rendered->resource_etag)
             : !reply.etag.empty()            ? Quoted(reply.etag)  // e.g. a rendered report
                                              : ContentEtag(rendered->body);
  r.Set("ETag", out.etag);
  // What an anonymous caller was given, anyone may be given (with public read off, or for a
  // draft, the backend refuses anonymous callers); what a caller with a token was given stays in
  // that caller's cache, revalidated each time.
  bool vetoed = absl::StrContains(reply.cache_control, "no-store") ||
                absl::StrContains(reply.cache_control, "private");
  bool public_data = is_get && anonymous && !vetoed;
  r.Set("Cache-Control",
        public_data                         ? absl::StrCat("public, max-age=",
                                                           options_.public_max_age.count())
        : is_get && !anonymous && !vetoed ? "private, no-cache"
                                            : "no-store");
  r.body = std::move(rendered->body);
  out.shareable = public_data && r.status == 200;
  return out;
}

void ResponseWriter::NotModified(const HttpRequest& request, const std::string& etag,
                                 HttpResponse* response) {
  if (request.method != "GET" && request.method != "HEAD") return;
  std::string inm = request.Header("if-none-match");
  if (etag.empty() || inm.empty() || !EtagMatches(inm, etag)) return;
  response->status = 304;
  response->ClearBody();
}

bool ResponseWriter::OriginAllowed(const std::string& origin) const {
  for (const auto& o : options_.cors_origins) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

void ResponseWriter::Decorate(const HttpRequest& request, HttpResponse* response) const {
  response->Set("X-Request-Id", request.Header("x-request-id"));
  response->Set("X-Content-Type-Options", "nosniff");
  if (response->Get("Content-Security-Policy").empty()) {
    response->Set("Content-Security-Policy", kDefaultCsp);
  }
  if (options_.hsts_max_age.count() > 0) {
    response->Set("Strict-Transport-Security",
                  absl::StrCat("max-age=", options_.hsts_max_age.count()));
  }
  std::string origin = request.Header("origin");
  if (!origin.empty() && OriginAllowed(origin)) {
    response->Set("Access-Control-Allow-Origin", origin);
    response->Set("Access-Control-Expose-Headers", kExposedHeaders);
    response->Set("Vary", "Origin");
  }
  Compress(request, response);
}

void ResponseWriter::Compress(const HttpRequest& request, HttpResponse* response) const {
  if (response->Body().size() < options_.gzip_min_bytes || response->status == 304 ||
      response->status == 204 || !Compressible(response->Get("Content-Type"))) {
    return;
  }
  response->Set("Vary", "Accept-Encoding");
  if (!AcceptsGzip(request.Header("accept-encoding"))) return;
  std::string gz = Gzip(response->Body());
  if (gz.empty()) return;
  response->ClearBody();  // the kept headers change (ETag); the body is replaced
  // The gzip representation has a tag of its own (http_semantics.h); a cache holding it
  // revalidates with that tag.
  std::string etag;
  for (auto& [name, value] : response->headers) {
    if (name == "ETag") value = etag = RepresentationEtag(value, "", true);
  }
  std::string inm = request.Header("if-none-match");
  if (!etag.empty() && !inm.empty() && response->status == 200 &&
      (request.method == "GET" || request.method == "HEAD") && EtagMatches(inm, etag)) {
    response->status = 304;
    response->body.clear();
    return;
  }
  response->body = std::move(gz);
  response->Set("Content-Encoding", "gzip");
}

}  // namespace mgi::gateway
