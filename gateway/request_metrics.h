// The gateway's per-request metrics without a registry lookup per request: each label's series
// (`mgi_gateway_requests_total` by route and code, `mgi_gateway_request_duration_seconds` by
// route) are resolved once and kept as handles; the counters of a label's status codes are looked
// up on their first use only. The registry's lookup takes a lock and builds label maps: on every
// request it showed in the profiles (docs/performance.md). Series still appear on first use.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "services/common/metrics.h"

namespace mgi::gateway {

class RequestMetrics {
 public:
  // `labels` are known up front (routes, built-in paths); any other label still works, through
  // the registry.
  RequestMetrics(MetricsRegistry* metrics, const std::vector<std::string>& labels);
  void Record(const std::string& label, int status, double seconds) const;

 private:
  struct Series {
    std::atomic<Histogram*> duration{nullptr};
    std::array<std::atomic<Counter*>, 500> by_status{};  // HTTP status 100..599
  };
  Counter* Requests(const std::string& label, int status) const;
  MetricsRegistry* metrics_;
  std::unordered_map<std::string, std::unique_ptr<Series>> series_;  // read-only after start
};

}  // namespace mgi::gateway
