#include "report/report_grpc_service.h"

#include <chrono>

namespace mgi::report {

bool ReportGrpcService::SharedCacheable(const Principal& caller,
                                        mgi::assessment::v1::ProfileState state) const {
  bool public_read = authorizer_ == nullptr || authorizer_->public_read();
  return !caller.authenticated() && public_read &&
         (state == mgi::assessment::v1::PROFILE_STATE_PUBLISHED ||
          state == mgi::assessment::v1::PROFILE_STATE_ARCHIVED);
}

ReportGrpcService::ReportGrpcService(ReportService& service, Executor& executor,
                                     MetricsRegistry* metrics, const Authorizer* authorizer)
    : service_(service), executor_(executor), metrics_(metrics), authorizer_(authorizer) {}

grpc::ServerUnaryReactor* ReportGrpcService::GetReport(
    grpc::CallbackServerContext* context, const mgi::report::v1::GetReportRequest* request,
    google::api::HttpBody* response) {
  ReportRequest req{request->name(), request->format(), request->language()};
  Principal principal;
  if (authorizer_ != nullptr) {
    auto who = authorizer_->Authorize(*context, Permission::kReadPublished);
    if (!who.ok()) return FinishNow(context, who.status());
    principal = *std::move(who);
  }
  return Offload(context, executor_, [this, context, req, response, principal] {
    auto checked = service_.Check(req);
    if (!checked.ok()) return checked.status();
    auto inputs = service_.FetchInputs(*checked);
    if (!inputs.ok()) return inputs.status();
    if (authorizer_ != nullptr &&
        inputs->profile.state() == mgi::assessment::v1::PROFILE_STATE_DRAFT) {
      if (auto st = authorizer_->Require(principal, Permission::kReadDrafts); !st.ok()) return st;
    }
    auto start = std::chrono::steady_clock::now();
    auto report = service_.Render(*inputs, checked->format);
    if (!report.ok()) return report.status();
    if (metrics_ != nullptr) {
      metrics_
          ->GetHistogram("mgi_report_render_seconds", "Time to render one report",
                         {{"format", checked->format}})
          ->Observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    context->AddInitialMetadata("etag", report->etag);
    context->AddInitialMetadata("x-mgi-renderer-version", kRendererVersion);
    // A shared cache (the gateway's, a CDN) may keep a response only when anyone could have
    // obtained it: an anonymous caller, public read on, and a published or archived profile (its
    // ETag changes with every input, so a new revision is a new entry). Anything obtained with a
    // token, or with public read off, is private to its caller.
    context->AddInitialMetadata("cache-control",
                                SharedCacheable(principal, inputs->profile.state()) ? "public"
                                                                                    : "private");
    response->set_content_type(report->content_type);
    response->set_data(std::move(report->data));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportGrpcService::ListReportFormats(
    grpc::CallbackServerContext* context, const mgi::report::v1::ListReportFormatsRequest*,
    mgi::report::v1::ListReportFormatsResponse* response) {
  if (authorizer_ != nullptr) {
    auto who = authorizer_->Authorize(*context, Permission::kReadPublished);
    if (!who.ok()) return FinishNow(context, who.status());
  }
  FormatsInfo info = service_.ListFormats();
  for (const auto& f : info.formats) {
    auto* out = response->add_formats();
    out->set_format(f.format);
    out->set_content_type(f.content_type);
  }
  for (const auto& l : info.languages) response->add_languages(l);
  response->set_renderer_version(info.renderer_version);
  return FinishNow(context, absl::OkStatus());
}

}  // namespace mgi::report
