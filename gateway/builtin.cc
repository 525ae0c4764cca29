#include "gateway/builtin.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/errors.h"
#include "gateway/response_writer.h"

namespace mgi::gateway {
namespace {

std::string ContentTypeFor(const std::string& file) {
  if (absl::EndsWith(file, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(file, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(file, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(file, ".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.Set("Content-Type", "application/json");
  r.Set("Cache-Control", "no-store");
  return r;
}

// "/<name>.(html|js|css|svg)", name in [A-Za-z0-9_-]+: a file of the explorer. Checked by hand,
// not with std::regex: it runs on every request.
bool ExplorerFile(std::string_view path) {
  if (path.size() < 2 || path[0] != '/') return false;
  size_t dot = path.find('.');
  if (dot == std::string_view::npos || dot < 2) return false;
  for (char c : path.substr(1, dot - 1)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  std::string_view ext = path.substr(dot + 1);
  return ext == "html" || ext == "js" || ext == "css" || ext == "svg";
}

}  // namespace

std::string Builtins::Label(const std::string& path) const {
  if (path == "/healthz" || path == "/readyz" || path == "/openapi.json") return path;
  if (!www_dir_.empty() && (path == "/" || ExplorerFile(path))) return "www";
  return "";
}

void Builtins::Serve(const HttpRequest& request, const std::string& path,
                     std::function<void(HttpResponse)> done) const {
  HttpResponse r;
  if (request.method != "GET" && request.method != "HEAD") {
    GatewayError e = MakeError(absl::StatusCode::kUnimplemented, "METHOD_NOT_ALLOWED",
                               absl::StrCat(request.method, " is not allowed on ", path));
    r = ErrorResponse(405, e.grpc_code, e.message, e.details_bin);
    r.Set("Allow", "GET, HEAD");
  } else if (path == "/healthz") {
    r = Json(200, "{\"status\":\"alive\"}");
  } else if (path == "/readyz") {
    if (!draining_) return Ready(std::move(done));
    if (ready_ != nullptr) ready_->Set(0);
    r = Json(503, "{\"status\":\"draining\"}");
  } else if (path == "/openapi.json") {
    r.body = openapi_json_;
    r.Set("Content-Type", "application/json");
    r.Set("Cache-Control", "no-cache");
    r.Set("ETag", ContentEtag(r.body));
  } else {
    r = File(request, path);
  }
  if (request.method == "HEAD") r.body.clear();
  done(std::move(r));
}

void Builtins::Ready(std::function<void(HttpResponse)> done) const {
  backends_->CheckHealth(
      std::chrono::milliseconds(2000),
      [done = std::move(done), gauge = ready_](std::vector<BackendHealth> all) {
        // The body names services and states only: addresses and gRPC texts go to the log.
        nlohmann::json backends = nlohmann::json::object();
        bool ready = true;
        for (const BackendHealth& h : all) {
          backends[h.services] = h.state;
          if (h.serving) continue;
          ready = false;
          spdlog::warn("readyz: backend {} at {} is {} {}", h.services, h.address, h.state,
                       h.detail);
        }
        if (gauge != nullptr) gauge->Set(ready ? 1 : 0);
        done(Json(ready ? 200 : 503,
                  nlohmann::json{{"status", ready ? "ready" : "not ready"}, {"backends", backends}}
                      .dump()));
      });
}

HttpResponse Builtins::File(const HttpRequest& request, const std::string& path) const {
  std::string name = path == "/" ? "index.html" : path.substr(1);
  std::ifstream in(www_dir_ + "/" + name, std::ios::binary);
  if (!in) {
    GatewayError e = MakeError(absl::StatusCode::kNotFound, "NO_ROUTE",
                               absl::StrCat("no route for GET ", path));
    return ErrorResponse(404, e.grpc_code, e.message, e.details_bin);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  HttpResponse r;
  r.body = ss.str();
  r.Set("Content-Type", ContentTypeFor(name));
  r.Set("Cache-Control", "no-cache");
  r.Set("Content-Security-Policy", kExplorerCsp);
  std::string etag = ContentEtag(r.body);
  r.Set("ETag", etag);
  ResponseWriter::NotModified(request, etag, &r);
  return r;
}

}  // namespace mgi::gateway
