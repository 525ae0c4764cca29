// The thin gRPC adapter of mgi.report.v1.ReportService: requests in, ReportService, HttpBody out.
#pragma once

#include "common/executor.h"
#include "common/metrics.h"
#include "mgi/report/v1/report_service.grpc.pb.h"
#include "report/report_service.h"

namespace mgi::report {

class ReportGrpcService final : public mgi::report::v1::ReportService::CallbackService {
 public:
  // Rendering and peer calls run on `executor`.
  ReportGrpcService(ReportService& service, Executor& executor, MetricsRegistry* metrics);

  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* context,
                                      const mgi::report::v1::GetReportRequest* request,
                                      google::api::HttpBody* response) override;
  grpc::ServerUnaryReactor* ListReportFormats(
      grpc::CallbackServerContext* context, const mgi::report::v1::ListReportFormatsRequest* request,
      mgi::report::v1::ListReportFormatsResponse* response) override;

 private:
  ReportService& service_;
  Executor& executor_;
  MetricsRegistry* metrics_;
};

}  // namespace mgi::report
