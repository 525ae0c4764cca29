#include "services/common/service_main.h"

#include <spdlog/spdlog.h>

#include "services/common/logging.h"
#include "services/common/process_tuning.h"

namespace mgi {

ServiceMain::ServiceMain(std::string name, ServerConfig defaults)
    : name_(std::move(name)), config_(name_), server_(std::move(defaults)) {
  TuneProcessForRelease();
  BlockShutdownSignals();
  RegisterServerFlags(config_, &server_);
  RegisterAuthFlags(config_, &auth_config_);
  RegisterCacheFlags(config_, &cache_config_);
  RegisterServiceTokenFlag(config_, &service_token_file_);
}

int ServiceMain::Start(int argc, char** argv) {
  if (int code = Parse(argc, argv); code >= 0) return code;
  return Start();
}

int ServiceMain::Parse(int argc, char** argv) { return ParseOrExit(config_, argc, argv); }

int ServiceMain::Start() {
  if (auto s = InitLogging(name_, server_.log_format, server_.log_level); !s.ok()) return 2;
  for (auto [port, what] : {std::pair{server_.port, "--port"},
                            std::pair{server_.metrics_port, "--metrics-port"}}) {
    if (auto held = ports_.Hold(server_.host, static_cast<int>(port), what); !held.ok()) {
      return Fail(held);
    }
  }
  auto auth = MakeAuth(auth_config_, &metrics_, &readiness_);
  if (!auth.ok()) return Fail(auth.status());
  auth_ = std::move(*auth);
  access_ = std::make_unique<AccessControl>(auth_.authorizer.get());
  auto credentials = PeerCredentials::FromServiceTokenFile(service_token_file_);
  if (!credentials.ok()) return Fail(credentials.status());
  service_credentials_ = *std::move(credentials);
  return -1;
}

int ServiceMain::Fail(const absl::Status& status) const {
  spdlog::critical("cannot start: {}", status.ToString());
  return 1;
}

std::unique_ptr<Cache> ServiceMain::MakeSharedCache() {
  return MakeCache(cache_config_, &metrics_, name_);
}

int ServiceMain::Run(const std::vector<grpc::Service*>& services,
                     std::function<void()> before_shutdown) {
  HeapTrimmer trimmer(server_.heap_trim_interval);
  return RunServer(server_, &metrics_, services,
                   {.readiness = &readiness_,
                    .access = access_.get(),
                    .before_shutdown = std::move(before_shutdown),
                    .reserved_ports = &ports_});
}

}  // namespace mgi
