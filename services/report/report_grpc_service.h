// The thin gRPC adapter of mgi.report.v1.ReportService: requests in, ReportService, HttpBody out.
#pragma once

#include <chrono>

#include "services/common/access.h"
#include "services/common/channel.h"
#include "services/common/config.h"
#include "services/common/executor.h"
#include "services/common/metrics.h"
#include "mgi/report/v1/report_service.grpc.pb.h"
#include "services/report/report_service.h"

namespace mgi::report {

// The service's own options (flags and MGI_REPORT_* / suite-wide variables).
struct ReportOptions {
  std::string assessment_addr = "127.0.0.1:50052";
  std::string catalog_addr = "127.0.0.1:50051";
  std::string templates_dir;  // default: the installed data directory's report/templates
  std::string messages_dir;   // default: the installed data directory's report/messages
  std::chrono::milliseconds catalog_cache_ttl{60000};  // catalog answers kept in process; 0: none
  int64_t near_cache_entries = 128;  // profiles kept by version (per language); 0: none
};
// Registers assessment-addr and catalog-addr (suite-wide), templates-dir, messages-dir and the
// peer channel options.
void RegisterReportFlags(Config& config, ReportOptions* options, ChannelConfig* channel);

class ReportGrpcService final : public mgi::report::v1::ReportService::CallbackService {
 public:
  // Rendering and peer calls run on `executor`. Access is declared in the contract and enforced
  // before a handler body runs (common/access.h); peer calls carry the caller's credentials, so
  // the assessment service decides whether the caller may read the profile (drafts included).
  ReportGrpcService(ReportService& service, Executor& executor, MetricsRegistry* metrics);

  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* context,
                                      const mgi::report::v1::GetReportRequest* request,
                                      google::api::HttpBody* response) override;
  grpc::ServerUnaryReactor* ListReportFormats(
      grpc::CallbackServerContext* context,
      const mgi::report::v1::ListReportFormatsRequest* request,
      mgi::report::v1::ListReportFormatsResponse* response) override;

 private:
  // The answer for what was read (on the executor: it may compose and render); `inputs` as
  // found kept for it, or null (then composed here).
  absl::Status Respond(grpc::CallbackServerContext* context, const CallContext& call,
                       const CheckedRequest& checked, const ProfilesRead& read,
                       std::shared_ptr<const ReportInputs> inputs,
                       google::api::HttpBody* response);
  // Whether a response may be kept by shared caches ("cache-control: public"), else "private".
  static bool SharedCacheable(const CallContext& call, mgi::assessment::v1::ProfileState state);
  ReportService& service_;
  Executor& executor_;
  MetricsRegistry* metrics_;
};

}  // namespace mgi::report
