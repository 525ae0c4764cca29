#include "services/common/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"

namespace mgi {

void Counter::Inc(double v) { c_->Increment(v); }
double Counter::Value() const { return c_->Value(); }

void Gauge::Set(double v) { g_->Set(v); }
void Gauge::Add(double v) { g_->Increment(v); }
double Gauge::Value() const { return g_->Value(); }

void Histogram::Observe(double v) { h_->Observe(v); }
uint64_t Histogram::Count() const { return h_->Collect().histogram.sample_count; }
double Histogram::Sum() const { return h_->Collect().histogram.sample_sum; }

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                               0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                               0.5,     1,      2.5,     5,      10};
  return kBuckets;
}

// prometheus-cpp keeps the families and their series; this maps (name, labels) to the stable
// handles the suite passes around, and remembers each family's type.
struct MetricsRegistry::Impl {
  template <typename Metric, typename Handle>
  struct Family {
    prometheus::Family<Metric>* family = nullptr;
    std::map<Labels, std::unique_ptr<Handle>> series;
  };
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::mutex mu;
  std::map<std::string, std::string> types;  // name -> "counter", "gauge" or "histogram"
  std::map<std::string, Family<prometheus::Counter, Counter>> counters;
  std::map<std::string, Family<prometheus::Gauge, Gauge>> gauges;
  std::map<std::string, Family<prometheus::Histogram, Histogram>> histograms;

  void CheckType(const std::string& name, const std::string& type) {
    auto [it, inserted] = types.emplace(name, type);
    if (!inserted && it->second != type) {
      throw std::invalid_argument(
          absl::StrCat("metric ", name, " is a ", it->second, ", not a ", type));
    }
  }
};

MetricsRegistry::MetricsRegistry() : impl_(std::make_unique<Impl>()) {}
MetricsRegistry::~MetricsRegistry() = default;

Counter* MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const Labels& labels) {
  std::lock_guard lock(impl_->mu);
  auto& f = impl_->counters[name];
  if (f.family == nullptr) {
    impl_->CheckType(name, "counter");
    f.family = &prometheus::BuildCounter().Name(name).Help(help).Register(*impl_->registry);
  }
  auto& slot = f.series[labels];
  if (!slot) slot.reset(new Counter(&f.family->Add(labels)));
  return slot.get();
}

Gauge* MetricsRegistry::GetGauge(const std::string& name, const std::string& help,
                                 const Labels& labels) {
  std::lock_guard lock(impl_->mu);
  auto& f = impl_->gauges[name];
  if (f.family == nullptr) {
    impl_->CheckType(name, "gauge");
    f.family = &prometheus::BuildGauge().Name(name).Help(help).Register(*impl_->registry);
  }
  auto& slot = f.series[labels];
  if (!slot) slot.reset(new Gauge(&f.family->Add(labels)));
  return slot.get();
}

Histogram* MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const Labels& labels, const std::vector<double>& bounds) {
  std::lock_guard lock(impl_->mu);
  auto& f = impl_->histograms[name];
  if (f.family == nullptr) {
    impl_->CheckType(name, "histogram");
    f.family = &prometheus::BuildHistogram().Name(name).Help(help).Register(*impl_->registry);
  }
  auto& slot = f.series[labels];
  if (!slot) slot.reset(new Histogram(&f.family->Add(labels, bounds)));
  return slot.get();
}

std::string MetricsRegistry::Render() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

std::shared_ptr<prometheus::Registry> MetricsRegistry::registry() const { return impl_->registry; }

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct MetricsServer::Impl {
  boost::asio::io_context io;
  tcp::acceptor acceptor{io};
  const MetricsRegistry* registry = nullptr;
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      Serve(std::move(socket));
      Accept();
    });
  }

  // Each connection is served asynchronously with a 2 s deadline, so a client that connects and
  // sends nothing (or reads nothing) never holds up the next scrape.
  void Serve(tcp::socket socket) {
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    auto buffer = std::make_shared<beast::flat_buffer>();
    auto req = std::make_shared<http::request<http::string_body>>();
    stream->expires_after(std::chrono::seconds(2));
    http::async_read(*stream, *buffer, *req,
                     [this, stream, buffer, req](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       auto res = std::make_shared<http::response<http::string_body>>(Respond(*req));
                       stream->expires_after(std::chrono::seconds(2));
                       http::async_write(*stream, *res, [stream, res](beast::error_code, std::size_t) {
                         beast::error_code ignored;
                         stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                       });
                     });
  }

  http::response<http::string_body> Respond(const http::request<http::string_body>& req) const {
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(false);
    if (req.method() == http::verb::get && req.target() == "/metrics") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.body() = registry->Render();
    } else if (req.method() == http::verb::get && req.target() == "/healthz") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain");
      res.body() = "ok\n";
    } else {
      res.result(http::status::not_found);
      res.set(http::field::content_type, "text/plain");
      res.body() = "not found; try /metrics\n";
    }
    res.prepare_payload();
    return res;
  }
};

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& host, int port, const MetricsRegistry* registry) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->impl_ = std::make_unique<Impl>();
  auto& impl = *server->impl_;
  impl.registry = registry;
  beast::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad metrics host '", host, "'"));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl.acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(endpoint, ec);
  if (!ec) impl.acceptor.listen(64, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for metrics on ", host, ":", port, ": ", ec.message()));
  }
  server->port_ = impl.acceptor.local_endpoint().port();
  impl.Accept();
  impl.thread = std::thread([&impl] { impl.io.run(); });
  return server;
}

MetricsServer::~MetricsServer() {
  if (impl_) {
    impl_->io.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  }
}

}  // namespace mgi
