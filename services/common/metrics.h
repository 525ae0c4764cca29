// Prometheus metrics on prometheus-cpp: counter, gauge and histogram families in a
// prometheus::Registry, their text exposition (prometheus::TextSerializer), and a small
// asynchronous HTTP endpoint for GET /metrics (see docs/deploy.md, "Metrics", for why it is not
// prometheus-cpp's civetweb Exposer).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace mgi {

using Labels = std::map<std::string, std::string>;

// Handles on one series of the registry. They forward to prometheus-cpp's metric (thread-safe,
// lock-free) and live as long as the registry.
class Counter {
 public:
  void Inc(double v = 1);
  double Value() const;

 private:
  friend class MetricsRegistry;
  explicit Counter(prometheus::Counter* c) : c_(c) {}
  prometheus::Counter* c_;
};

class Gauge {
 public:
  void Set(double v);
  void Add(double v);
  double Value() const;

 private:
  friend class MetricsRegistry;
  explicit Gauge(prometheus::Gauge* g) : g_(g) {}
  prometheus::Gauge* g_;
};

class Histogram {
 public:
  void Observe(double v);
  uint64_t Count() const;
  double Sum() const;

 private:
  friend class MetricsRegistry;
  explicit Histogram(prometheus::Histogram* h) : h_(h) {}
  prometheus::Histogram* h_;
};

// Latency buckets in seconds, from 50 µs to 10 s: most RPCs of the suite take well under a
// millisecond, so the low end is fine-grained (50, 100, 250, 500 µs, 1 ms...).
const std::vector<double>& LatencyBuckets();

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The returned pointers live as long as the registry. Same name and labels, same object. The
  // help text of the first call names the family; a name or label that Prometheus does not
  // accept, or a name already used for another type, throws std::invalid_argument (a bug).
  Counter* GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge* GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram* GetHistogram(const std::string& name, const std::string& help, const Labels& labels,
                          const std::vector<double>& bounds = LatencyBuckets());
  // The text exposition format (0.0.4) of every family.
  std::string Render() const;
  // The underlying prometheus-cpp registry, for code that uses the library directly.
  std::shared_ptr<prometheus::Registry> registry() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Serves GET /metrics (and GET /healthz) on host:port from its own thread. Each connection is
// served asynchronously with a 2 s deadline, so a client that connects and sends nothing never
// holds up the next scrape.
class MetricsServer {
 public:
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& host, int port,
                                                              const MetricsRegistry* registry);
  ~MetricsServer();
  int port() const { return port_; }

 private:
  MetricsServer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace mgi
