// mgi-gateway: HTTP/JSON for every google.api.http-annotated RPC linked into the binary.
#include <spdlog/spdlog.h>

#include "services/common/config.h"
#include "services/common/logging.h"
#include "services/common/metrics.h"
#include "services/common/process_tuning.h"
#include "services/common/server.h"
#include "gateway/flags.h"
#include "gateway/openapi.h"

int main(int argc, char** argv) {
  using namespace mgi::gateway;
  mgi::TuneProcessForRelease();
  mgi::BlockShutdownSignals();  // the server's sigwait receives SIGTERM/SIGINT
  mgi::Config config("gateway");
  GatewayConfig cfg;
  cfg.www_dir = MGI_GATEWAY_WWW_DIR;
  auto services = LinkedAnnotatedServices();
  RegisterGatewayFlags(config, &cfg, BackendPackages(services));
  if (int rc = mgi::ParseOrExit(config, argc, argv); rc >= 0) return rc;
  if (auto s = mgi::InitLogging("gateway", cfg.log_format, cfg.log_level); !s.ok()) return 2;

  auto routes = RouteTable::Build(services);
  auto backend_map = MakeBackendMap(cfg);
  auto forwarding = ForwardingPolicy::Make(cfg.forward_metadata);
  for (const absl::Status& s : {routes.status(), backend_map.status(), forwarding.status()}) {
    if (!s.ok()) {
      spdlog::critical("{}", s.ToString());
      return 2;
    }
  }
  std::vector<std::string> names;
  for (const auto* s : services) names.push_back(s->full_name());
  auto backends = MakeGrpcBackends(names, *backend_map, ToBackendsOptions(cfg));
  if (!backends.ok()) {
    spdlog::critical("{}", backends.status().ToString());
    return 2;
  }
  mgi::MetricsRegistry metrics;
  std::string openapi = BuildOpenApi(*routes, "MGI API", "v1");
  size_t route_count = routes->routes().size();
  Gateway gateway(ToGatewayOptions(cfg), *std::move(routes), backends->get(), &metrics, openapi);
  std::unique_ptr<mgi::MetricsServer> metrics_server;
  if (cfg.metrics_port >= 0) {
    auto started =
        mgi::MetricsServer::Start(cfg.host, static_cast<int>(cfg.metrics_port), &metrics);
    if (!started.ok()) {
      spdlog::critical("metrics: {}", started.status().ToString());
      return 1;
    }
    metrics_server = *std::move(started);
  }
  auto server = HttpServer::Start(ToHttpOptions(cfg), &gateway, &metrics);
  if (!server.ok()) {
    spdlog::critical("{}", server.status().ToString());
    return 1;
  }
  spdlog::info("mgi-gateway listening on {}:{} (metrics port {}) with {} routes for {} services",
               cfg.host, (*server)->port(), metrics_server ? metrics_server->port() : -1,
               route_count, names.size());
  int code = (*server)->RunUntilSignal(cfg.shutdown_grace);
  (*backends)->Shutdown();  // unary calls left at the grace deadline end while what they answer lives
  return code;
}
