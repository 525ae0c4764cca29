// The gateway's built-in endpoints: /healthz, /readyz (backends' grpc.health.v1, names and states
// only), /openapi.json and the explorer's files. /metrics is on its own port (main.cc).
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "services/common/metrics.h"
#include "gateway/backend.h"
#include "gateway/http_types.h"

namespace mgi::gateway {

class Builtins {
 public:
  // `www_dir` "" disables the explorer. `ready` (may be null) gets each /readyz answer: 1 ready,
  // 0 not (mgi_ready, which the MgiReadinessFlapping alert watches).
  Builtins(std::string www_dir, Backends* backends, std::string openapi_json,
           Gauge* ready = nullptr)
      : www_dir_(std::move(www_dir)),
        backends_(backends),
        openapi_json_(std::move(openapi_json)),
        ready_(ready) {}

  // The metrics label of a built-in path ("/healthz", "www"...), "" when `path` is not one.
  std::string Label(const std::string& path) const;
  // Answers a request for a built-in path; `done` runs once (for /readyz on a backend thread).
  void Serve(const HttpRequest& request, const std::string& path,
             std::function<void(HttpResponse)> done) const;
  // /readyz answers 503 from now on.
  void SetDraining() { draining_ = true; }

 private:
  void Ready(std::function<void(HttpResponse)> done) const;
  HttpResponse File(const HttpRequest& request, const std::string& path) const;
  std::string www_dir_;
  Backends* backends_;
  std::string openapi_json_;
  Gauge* ready_;
  std::atomic<bool> draining_{false};
};

}  // namespace mgi::gateway
