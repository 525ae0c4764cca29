// mgi-report: renders MGI profiles as HTML, PDF, Markdown and SVG (mgi.report.v1.ReportService).
#include "services/common/channel.h"
#include "services/common/executor.h"
#include "services/common/service_main.h"
#include "services/report/peers_grpc.h"
#include "services/report/report_grpc_service.h"

int main(int argc, char** argv) {
  using namespace mgi::report;
  // 16 handler threads: a report waits on its peers (assessment) most of its time, so the
  // executor needs more threads than cores (docs/performance.md).
  mgi::ServiceMain app("report", {.port = 50053, .metrics_port = 9103, .worker_threads = 16});
  ReportOptions options;
  mgi::ChannelConfig channel;
  RegisterReportFlags(app.config(), &options, &channel);
  if (int code = app.Start(argc, argv); code >= 0) return code;
  auto renderer = Renderer::Load(options.templates_dir, options.messages_dir);
  auto assessment_channel = mgi::MakeChannel(options.assessment_addr, channel);
  auto catalog_channel = mgi::MakeChannel(options.catalog_addr, channel);
  for (const absl::Status& s :
       {renderer.status(), assessment_channel.status(), catalog_channel.status()}) {
    if (!s.ok()) return app.Fail(s);
  }
  GrpcAssessmentPeer assessment(
      *assessment_channel, channel,
      {.max_entries = static_cast<size_t>(options.near_cache_entries), .max_bytes = 8 << 20},
      &app.metrics());
  GrpcCatalogPeer catalog(*catalog_channel, channel, options.catalog_cache_ttl);
  auto cache = app.MakeSharedCache();
  ReportService service(**renderer, assessment, catalog, cache.get(), options.catalog_cache_ttl);
  mgi::Executor executor(static_cast<size_t>(app.server().worker_threads));
  ReportGrpcService grpc_service(service, executor, &app.metrics());
  return app.Run({&grpc_service});
}
