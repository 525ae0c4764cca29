#include "gateway/request_metrics.h"

namespace mgi::gateway {
namespace {
constexpr char kRequests[] = "mgi_gateway_requests_total";
constexpr char kRequestsHelp[] = "HTTP requests by route and status";
constexpr char kDuration[] = "mgi_gateway_request_duration_seconds";
constexpr char kDurationHelp[] = "HTTP request latency by route";
}  // namespace

RequestMetrics::RequestMetrics(MetricsRegistry* metrics, const std::vector<std::string>& labels)
    : metrics_(metrics) {
  for (const std::string& label : labels) {
    auto& s = series_[label];
    if (s) continue;
    s = std::make_unique<Series>();
  }
}

Counter* RequestMetrics::Requests(const std::string& label, int status) const {
  return metrics_->GetCounter(kRequests, kRequestsHelp,
                              {{"route", label}, {"code", std::to_string(status)}});
}

void RequestMetrics::Record(const std::string& label, int status, double seconds) const {
  auto it = series_.find(label);
  if (it == series_.end() || status < 100 || status > 599) {
    Requests(label, status)->Inc();
    metrics_->GetHistogram(kDuration, kDurationHelp, {{"route", label}})->Observe(seconds);
    return;
  }
  Series& s = *it->second;
  std::atomic<Counter*>& slot = s.by_status[status - 100];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {  // first use: the registry returns the same handle to every racer
    counter = Requests(label, status);
    slot.store(counter, std::memory_order_release);
  }
  counter->Inc();
  Histogram* duration = s.duration.load(std::memory_order_acquire);
  if (duration == nullptr) {
    duration = metrics_->GetHistogram(kDuration, kDurationHelp, {{"route", label}});
    s.duration.store(duration, std::memory_order_release);
  }
  duration->Observe(seconds);
}

}  // namespace mgi::gateway
