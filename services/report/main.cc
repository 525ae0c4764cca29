// mgi-report: renders MGI profiles as HTML, PDF, Markdown and SVG (mgi.report.v1.ReportService).
#include <spdlog/spdlog.h>

#include "common/auth.h"
#include "common/cache_config.h"
#include "common/channel.h"
#include "common/config.h"
#include "common/executor.h"
#include "common/logging.h"
#include "common/server.h"
#include "report/peers_grpc.h"
#include "report/report_grpc_service.h"

int main(int argc, char** argv) {
  mgi::BlockShutdownSignals();
  mgi::Config config("report");
  mgi::ServerConfig server{.port = 50053, .metrics_port = 9103};
  mgi::RegisterServerFlags(config, &server);
  mgi::ChannelConfig channel;
  mgi::RegisterChannelFlags(config, &channel);
  std::string assessment_addr = "127.0.0.1:50052", catalog_addr = "127.0.0.1:50051";
  std::string templates = MGI_DATA_DIR "/report/templates";
  std::string messages = MGI_DATA_DIR "/report/messages";
  config.String("assessment-addr", &assessment_addr, "Address of mgi-assessment");
  config.String("catalog-addr", &catalog_addr, "Address of mgi-catalog");
  config.String("templates-dir", &templates, "Directory of the *.mustache report templates");
  config.String("messages-dir", &messages, "Directory of the per-language message files");
  config.SuiteWide({"assessment-addr", "catalog-addr"});
  mgi::AuthConfig auth_config;
  mgi::RegisterAuthFlags(config, &auth_config);
  mgi::CacheConfig cache_config;
  mgi::RegisterCacheFlags(config, &cache_config);
  if (int code = mgi::ParseOrExit(config, argc, argv); code >= 0) return code;
  if (auto s = mgi::InitLogging("report", server.log_format, server.log_level); !s.ok()) return 2;

  mgi::MetricsRegistry metrics;
  mgi::Readiness readiness;
  auto auth = mgi::MakeAuth(auth_config, &metrics, &readiness);
  auto renderer = mgi::report::Renderer::Load(templates, messages);
  auto assessment_channel = mgi::MakeChannel(assessment_addr, channel);
  auto catalog_channel = mgi::MakeChannel(catalog_addr, channel);
  for (const absl::Status& s :
       {auth.status(), renderer.status(), assessment_channel.status(), catalog_channel.status()}) {
    if (!s.ok()) {
      spdlog::critical("cannot start: {}", s.ToString());
      return 1;
    }
  }
  mgi::report::GrpcAssessmentPeer assessment(*assessment_channel, channel);
  mgi::report::GrpcCatalogPeer catalog(*catalog_channel, channel);
  auto cache = mgi::MakeCache(cache_config, &metrics, "report");
  mgi::report::ReportService service(**renderer, assessment, catalog, cache.get());
  mgi::Executor executor(static_cast<size_t>(server.worker_threads));
  mgi::report::ReportGrpcService grpc_service(service, executor, &metrics, auth->authorizer.get());
  spdlog::info("report service languages={} renderer_version={}",
               (*renderer)->messages().Languages().size(), mgi::report::kRendererVersion);
  return mgi::RunServer(server, &metrics, {&grpc_service}, &readiness);
}
