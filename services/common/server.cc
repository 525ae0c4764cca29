#include "services/common/server.h"

#include <csignal>
#include <fstream>
#include <sstream>
#include <array>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/impl/server_initializer.h>
#include <grpcpp/support/server_interceptor.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "services/common/auth.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/code.pb.h"

namespace mgi {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", what, " ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The metrics of one method (or of "unknown"), resolved once: the registry's lookup takes a lock
// and builds label maps, which on every call showed in the profiles (docs/performance.md).
class MethodSeries {
 public:
  MethodSeries(MetricsRegistry* metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)) {}

  void Record(const grpc::Status& status, double seconds) {
    int code = status.error_code();
    if (code < 0 || code >= kCodes) code = grpc::StatusCode::UNKNOWN;
    Resolve(handled_[code], "mgi_grpc_server_handled_total", "RPCs completed, by method and code",
            code)
        ->Inc();
    if (code != 0) {
      Resolve(errors_[code], "mgi_grpc_server_errors_total",
              "RPCs that failed, by method and code", code)
          ->Inc();
    }
    Histogram* h = seconds_.load(std::memory_order_acquire);
    if (h == nullptr) {  // series appear on their first call, as before
      h = metrics_->GetHistogram("mgi_grpc_server_handling_seconds", "RPC latency in seconds",
                                 {{"method", method_}});
      seconds_.store(h, std::memory_order_release);
    }
    h->Observe(seconds);
  }

 private:
  static constexpr int kCodes = 17;
  Counter* Resolve(std::atomic<Counter*>& slot, const char* name, const char* help, int code) {
    Counter* c = slot.load(std::memory_order_acquire);
    if (c != nullptr) return c;
    // First use: the registry hands every racer the same series.
    c = metrics_->GetCounter(
        name, help,
        {{"method", method_}, {"code", google::rpc::Code_Name(static_cast<google::rpc::Code>(code))}});
    slot.store(c, std::memory_order_release);
    return c;
  }
  MetricsRegistry* metrics_;
  std::string method_;
  std::atomic<Histogram*> seconds_{nullptr};
  std::array<std::atomic<Counter*>, kCodes> handled_{};
  std::array<std::atomic<Counter*>, kCodes> errors_{};
};

// The methods registered on one server by full path ("/pkg.Service/Method"), each with its
// series. Filled while the server is built, before it starts; only read afterwards. Calls to
// invented methods all count as "unknown", so that they cannot add series without bound.
struct KnownMethods {
  explicit KnownMethods(MetricsRegistry* m) : metrics(m) {}
  void Add(const std::string& path) {
    auto& s = by_path[path];
    if (!s) s = std::make_unique<MethodSeries>(metrics, path);
  }
  MethodSeries* Find(const char* path) {
    if (path != nullptr) {
      if (auto it = by_path.find(path); it != by_path.end()) return it->second.get();
    }
    std::call_once(unknown_once, [this] { unknown = std::make_unique<MethodSeries>(metrics, "unknown"); });
    return unknown.get();
  }
  MetricsRegistry* metrics;
  std::unordered_map<std::string, std::unique_ptr<MethodSeries>> by_path;
  std::once_flag unknown_once;
  std::unique_ptr<MethodSeries> unknown;
};

// Counts every RPC by method and code and observes its latency.
class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MetricsInterceptor(MethodSeries* series)
      : series_(series), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      series_->Record(methods->GetSendStatus(), seconds);
    }
    methods->Proceed();
  }

 private:
  MethodSeries* series_;
  std::chrono::steady_clock::time_point start_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(std::shared_ptr<KnownMethods> known)
      : known_(std::move(known)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(known_->Find(info->method()));
  }

 private:
  std::shared_ptr<KnownMethods> known_;
};

// Records the names of the services registered on the server, so that health can report each
// of them (grpc.health.v1 Check with service "mgi.catalog.v1.CatalogService"), not only "", and
// the paths of their methods (from the generated descriptors), so that metrics label only those.
// InitServer runs after the services are registered and before the server starts.
class ServiceListPlugin final : public grpc::ServerBuilderPlugin {
 public:
  ServiceListPlugin(std::shared_ptr<std::vector<std::string>> out,
                    std::shared_ptr<KnownMethods> known)
      : out_(std::move(out)), known_(std::move(known)) {}
  std::string name() override { return "mgi_service_list"; }
  void InitServer(grpc::ServerInitializer* si) override {
    // The default health service is registered when the server starts, after this.
    known_->Add("/grpc.health.v1.Health/Check");
    known_->Add("/grpc.health.v1.Health/Watch");
    const auto* pool = google::protobuf::DescriptorPool::generated_pool();
    for (const std::string& service : *si->GetServiceList()) {
      const auto* desc = pool->FindServiceByName(service);
      if (desc == nullptr) continue;
      for (int i = 0; i < desc->method_count(); ++i) {
        known_->Add(absl::StrCat("/", service, "/", desc->method(i)->name()));
      }
    }
  }
  void Finish(grpc::ServerInitializer* si) override { *out_ = *si->GetServiceList(); }
  void ChangeArguments(const std::string&, void*) override {}

 private:
  std::shared_ptr<std::vector<std::string>> out_;
  std::shared_ptr<KnownMethods> known_;
};

// Server reflection on or off for one builder. Linking gRPC's reflection library registers its
// plugin for every server of the process (a static initializer), so "off" removes it.
class ReflectionOption final : public grpc::ServerBuilderOption {
 public:
  explicit ReflectionOption(bool enabled) : enabled_(enabled) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    grpc::reflection::ProtoServerReflectionPlugin probe;
    const std::string name = probe.name();
    std::erase_if(*plugins, [&](const auto& p) { return p->name() == name; });
    if (enabled_) plugins->push_back(std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
  }

 private:
  bool enabled_;
};

class ServiceListOption final : public grpc::ServerBuilderOption {
 public:
  ServiceListOption(std::shared_ptr<std::vector<std::string>> out,
                    std::shared_ptr<KnownMethods> known)
      : out_(std::move(out)), known_(std::move(known)) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceListPlugin>(out_, known_));
  }

 private:
  std::shared_ptr<std::vector<std::string>> out_;
  std::shared_ptr<KnownMethods> known_;
};

}  // namespace

void RegisterServerFlags(Config& config, ServerConfig* out) {
  config.String("host", &out->host, "Address to listen on (gRPC and metrics)");
  config.Int("port", &out->port, "gRPC port (0 picks a free one)", 0, 65535);
  config.Int("metrics-port", &out->metrics_port,
             "Prometheus metrics port (0 picks a free one, -1 disables)", -1, 65535);
  config.Choice("log-format", &out->log_format, "Log format", {"text", "json"});
  config.Choice("log-level", &out->log_level, "Log level",
                {"trace", "debug", "info", "warn", "error", "critical", "off"});
  config.Duration("shutdown-grace", &out->shutdown_grace,
                  "How long in-flight calls may run after SIGTERM");
  config.Int("max-message-bytes", &out->max_message_bytes, "Largest gRPC message accepted or sent",
             1024, 1 << 30);
  config.Int("worker-threads", &out->worker_threads, "Threads for blocking work", 1, 256);
  config.String("tls-cert-file", &out->tls_cert_file, "PEM server certificate (enables TLS)");
  config.String("tls-key-file", &out->tls_key_file, "PEM private key of the server certificate");
  config.String("tls-client-ca-file", &out->tls_client_ca_file,
                "PEM CA that client certificates must chain to (enables mutual TLS)");
  config.Bool("reflection", &out->reflection,
              "Serve gRPC server reflection (lists the contracts to anyone who reaches the port; "
              "turn off in deployments that do not want that)");
  config.Duration("heap-trim-interval", &out->heap_trim_interval,
                  "How often free heap memory is given back to the system, so that the resident "
                  "set falls back after a burst of load; 0: never");
  config.SuiteWide({"log-format", "log-level", "tls-client-ca-file", "reflection",
                    "heap-trim-interval"});
}

namespace {
sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

void BlockShutdownSignals() {
  sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set = ShutdownSignals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerConfig& config) {
  if (config.tls_cert_file.empty() && config.tls_key_file.empty()) {
    if (!config.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("tls-client-ca-file needs tls-cert-file and tls-key-file");
    }
    return grpc::InsecureServerCredentials();
  }
  if (config.tls_cert_file.empty() || config.tls_key_file.empty()) {
    return absl::InvalidArgumentError("tls-cert-file and tls-key-file go together");
  }
  auto cert = ReadFile(config.tls_cert_file, "tls-cert-file");
  if (!cert.ok()) return cert.status();
  auto key = ReadFile(config.tls_key_file, "tls-key-file");
  if (!key.ok()) return key.status();
  if (auto st = CheckPemKeyPair(*cert, *key, "tls-cert-file", "tls-key-file"); !st.ok()) {
    return st;
  }
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!config.tls_client_ca_file.empty()) {
    auto ca = ReadFile(config.tls_client_ca_file, "tls-client-ca-file");
    if (!ca.ok()) return ca.status();
    if (auto st = CheckPemCertificates(*ca, "tls-client-ca-file"); !st.ok()) return st;
    options.pem_root_certs = *ca;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::unique_ptr<RunningServer>> RunningServer::Start(
    const ServerConfig& config, MetricsRegistry* metrics,
    const std::vector<grpc::Service*>& services, const ServerParts& parts) {
  Readiness* readiness = parts.readiness;
  auto creds = MakeServerCredentials(config);
  if (!creds.ok()) return creds.status();
  std::unique_ptr<RunningServer> rs(new RunningServer());
  rs->config_ = config;

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(std::make_unique<ReflectionOption>(config.reflection));
  std::string address = absl::StrCat(config.host.find(':') != std::string::npos
                                         ? absl::StrCat("[", config.host, "]")
                                         : config.host,
                                     ":", config.port);
  builder.AddListeningPort(address, *creds, &rs->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(config.max_message_bytes));
  // Keepalive: ping idle clients every 5 minutes; accept client pings every 10 s or slower.
  // gRPC sets SO_REUSEPORT by default on Linux: a second process started on the same port would
  // then share it silently (two suites answering at random). A taken port is a start-up error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 5 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10 * 1000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 5);
  for (grpc::Service* s : services) builder.RegisterService(s);
  auto known_methods = std::make_shared<KnownMethods>(metrics);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<MetricsInterceptorFactory>(known_methods));
  if (parts.access != nullptr) creators.push_back(parts.access->InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(creators));

  auto service_names = std::make_shared<std::vector<std::string>>();
  builder.SetOption(std::make_unique<ServiceListOption>(service_names, known_methods));
  rs->server_ = builder.BuildAndStart();
  if (!rs->server_ || rs->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", address,
        ": the address is in use by another process or not local (--host, --port)"));
  }
  if (parts.access != nullptr) {
    // Before any health check answers SERVING: a method without a declared access never serves.
    if (auto st = CheckAccessDeclared(*service_names); !st.ok()) return st;  // ~RunningServer stops it
  }
  if (config.metrics_port >= 0) {
    auto ms = MetricsServer::Start(config.host, static_cast<int>(config.metrics_port), metrics);
    if (!ms.ok()) {
      rs->server_->Shutdown();
      return ms.status();
    }
    rs->metrics_server_ = std::move(*ms);
  }
  if (parts.reserved_ports != nullptr) parts.reserved_ports->Release();  // ours now
  for (const std::string& name : *service_names) {
    if (name.rfind("grpc.", 0) != 0) rs->service_names_.push_back(name);
  }
  rs->ready_ = metrics->GetGauge("mgi_ready", "1 when the process is ready to serve, 0 when not");
  if (readiness != nullptr) {
    rs->readiness_ = readiness;
    rs->before_shutdown_ = parts.before_shutdown;
    RunningServer* server = rs.get();
    readiness->Subscribe([server](const absl::Status& status) {
      std::lock_guard<std::mutex> lock(server->health_mu_);
      if (server->shut_down_) return;
      if (!status.ok()) spdlog::error("not ready (health NOT_SERVING): {}", std::string(status.message()));
      server->SetHealth(status.ok());
    });
  } else {
    std::lock_guard<std::mutex> lock(rs->health_mu_);
    rs->SetHealth(true);
  }
  return rs;
}

void RunningServer::SetHealth(bool serving) {
  auto* health = server_->GetHealthCheckService();
  for (const std::string& name : service_names_) health->SetServingStatus(name, serving);
  health->SetServingStatus(serving);
  if (ready_ != nullptr) ready_->Set(serving ? 1 : 0);
}

int RunningServer::metrics_port() const {
  return metrics_server_ ? metrics_server_->port() : -1;
}

void RunningServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    if (server_ == nullptr) return;  // it never started (e.g. its port was taken)
    SetHealth(false);
  }
  if (readiness_ != nullptr) readiness_->Subscribe(nullptr);
  if (before_shutdown_) before_shutdown_();
  server_->Shutdown(std::chrono::system_clock::now() + config_.shutdown_grace);
  server_->Wait();
}

RunningServer::~RunningServer() { Shutdown(); }

int RunServer(const ServerConfig& config, MetricsRegistry* metrics,
              const std::vector<grpc::Service*>& services, const ServerParts& parts) {
  BlockShutdownSignals();
  auto rs = RunningServer::Start(config, metrics, services, parts);
  if (!rs.ok()) {
    spdlog::critical("server did not start: {}", rs.status().ToString());
    return 1;
  }
  spdlog::info("serving gRPC on {}:{} (metrics port {}, tls {})", config.host, (*rs)->port(),
               (*rs)->metrics_port(), config.tls_cert_file.empty() ? "off" : "on");
  int sig = WaitForShutdownSignal();
  spdlog::info("received {}, draining for up to {} ms", sig == SIGTERM ? "SIGTERM" : "SIGINT",
               config.shutdown_grace.count());
  (*rs)->Shutdown();
  spdlog::info("shut down cleanly");
  return 0;
}

}  // namespace mgi
