// The thin gRPC adapter of mgi.report.v1.ReportService: requests in, ReportService, HttpBody out.
#pragma once

#include "common/auth.h"
#include "common/executor.h"
#include "common/metrics.h"
#include "mgi/report/v1/report_service.grpc.pb.h"
#include "report/report_service.h"

namespace mgi::report {

class ReportGrpcService final : public mgi::report::v1::ReportService::CallbackService {
 public:
  // Rendering and peer calls run on `executor`. `authorizer` (null: no check, tests only) decides
  // access: a report needs read-published, a draft's report read-drafts. Peer calls (made inside
  // Offload) forward the caller's `authorization`, so the assessment service's own check applies.
  ReportGrpcService(ReportService& service, Executor& executor, MetricsRegistry* metrics,
                    const Authorizer* authorizer = nullptr);

  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* context,
                                      const mgi::report::v1::GetReportRequest* request,
                                      google::api::HttpBody* response) override;
  grpc::ServerUnaryReactor* ListReportFormats(
      grpc::CallbackServerContext* context,
      const mgi::report::v1::ListReportFormatsRequest* request,
      mgi::report::v1::ListReportFormatsResponse* response) override;

 private:
  // Whether a response may be kept by shared caches ("cache-control: public"), else "private".
  bool SharedCacheable(const Principal& caller, mgi::assessment::v1::ProfileState state) const;
  ReportService& service_;
  Executor& executor_;
  MetricsRegistry* metrics_;
  const Authorizer* authorizer_;
};

}  // namespace mgi::report
