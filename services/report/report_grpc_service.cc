#include "services/report/report_grpc_service.h"

#include <chrono>

#include "services/common/revalidation.h"
#include "services/common/status.h"

namespace mgi::report {

void RegisterReportFlags(Config& config, ReportOptions* options, ChannelConfig* channel) {
  RegisterChannelFlags(config, channel);
  if (options->templates_dir.empty()) options->templates_dir = MGI_DATA_DIR "/report/templates";
  if (options->messages_dir.empty()) options->messages_dir = MGI_DATA_DIR "/report/messages";
  config.String("assessment-addr", &options->assessment_addr, "Address of mgi-assessment");
  config.String("catalog-addr", &options->catalog_addr, "Address of mgi-catalog");
  config.Duration("catalog-cache-ttl", &options->catalog_cache_ttl,
                  "How long the catalog's answers (domains, framework, countries) are kept");
  config.Int("near-cache-entries", &options->near_cache_entries,
             "Profiles (per language) kept in process by the assessment's version and "
             "revalidated against it on every read; 0: none",
             0, 1 << 20);
  config.String("templates-dir", &options->templates_dir,
                "Directory of the *.mustache report templates");
  config.String("messages-dir", &options->messages_dir,
                "Directory of the per-language message files");
  config.SuiteWide({"assessment-addr", "catalog-addr"});
}

ReportGrpcService::ReportGrpcService(ReportService& service, Executor& executor,
                                     MetricsRegistry* metrics)
    : service_(service), executor_(executor), metrics_(metrics) {}

bool ReportGrpcService::SharedCacheable(const CallContext& call,
                                        mgi::assessment::v1::ProfileState state) {
  // No credentials presented, and allowed without them: public read is on (or, in development,
  // auth is disabled and everything is readable by anyone).
  return call.credentials().empty() && call.Allows(Permission::kReadPublished) &&
         (state == mgi::assessment::v1::PROFILE_STATE_PUBLISHED ||
          state == mgi::assessment::v1::PROFILE_STATE_ARCHIVED);
}

grpc::ServerUnaryReactor* ReportGrpcService::GetReport(
    grpc::CallbackServerContext* context, const mgi::report::v1::GetReportRequest* request,
    google::api::HttpBody* response) {
  auto call = CallAccess(context);
  if (!call.ok()) return FinishNow(context, call.status());
  // Whether the caller may read the profile (a draft needs read-drafts) is the assessment
  // service's decision, made on the caller's forwarded credentials; the report service checks
  // only what is its own (name, format, language).
  auto checked = service_.Check(
      {request->name(), request->format(), request->language(), call->credentials()});
  if (!checked.ok()) return FinishNow(context, checked.status());
  checked->deadline = context->deadline();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The profiles are read without a thread waiting (gRPC's callback API). A caller revalidating
  // a report whose inputs are kept is answered right there; anything that may block (the
  // catalog, the comparison, the shared cache, a rendering) goes to the executor.
  service_.ReadProfiles(*checked, [this, context, reactor, response, call = *std::move(call),
                                   checked = *checked](absl::StatusOr<ProfilesRead> read) {
    if (!read.ok()) return reactor->Finish(ToGrpcStatus(read.status()));
    auto inputs = service_.FindComposed(checked, *read);
    if (inputs != nullptr) {
      std::string version = RenderedReportKey(*inputs, checked.format);
      if (IfNoneMatch(*context) == version) {
        SetNotModified(context, version);
        return reactor->Finish(grpc::Status::OK);
      }
    }
    executor_.Post([this, context, reactor, response, call, checked, read = *std::move(read),
                    inputs = std::move(inputs)] {
      if (context->IsCancelled()) {
        return reactor->Finish(
            grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled before it ran"));
      }
      reactor->Finish(ToGrpcStatus(Respond(context, call, checked, read, inputs, response)));
    });
  });
  return reactor;
}

absl::Status ReportGrpcService::Respond(grpc::CallbackServerContext* context,
                                        const CallContext& call, const CheckedRequest& checked,
                                        const ProfilesRead& read,
                                        std::shared_ptr<const ReportInputs> inputs,
                                        google::api::HttpBody* response) {
  if (inputs == nullptr) {
    auto composed = service_.Compose(checked, read);
    if (!composed.ok()) return composed.status();
    inputs = *std::move(composed);
  }
  // Revalidation (common/revalidation.h): the key of the rendering names every input, so a
  // caller holding the answer of that key is told "not modified" without a rendering, a cache
  // read or a body sent.
  std::string version = RenderedReportKey(*inputs, checked.format);
  if (!version.empty() && IfNoneMatch(*context) == version) {
    SetNotModified(context, version);
    return absl::OkStatus();
  }
  SetVersion(context, version);
  auto start = std::chrono::steady_clock::now();
  auto report = service_.Render(*inputs, checked.format);
  if (!report.ok()) return report.status();
  if (metrics_ != nullptr) {
    metrics_
        ->GetHistogram("mgi_report_render_seconds", "Time to render one report",
                       {{"format", checked.format}})
        ->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  context->AddInitialMetadata("etag", report->etag);
  context->AddInitialMetadata("x-mgi-renderer-version", kRendererVersion);
  // A shared cache (the gateway's, a CDN) may keep a response only when anyone could have
  // obtained it: an anonymous caller, public read on, and a published or archived profile (its
  // ETag changes with every input, so a new revision is a new entry). Anything obtained with a
  // token, or with public read off, is private to its caller.
  context->AddInitialMetadata(
      "cache-control", SharedCacheable(call, inputs->profile->message.state()) ? "public" : "private");
  response->set_content_type(report->content_type);
  response->set_data(std::move(report->data));
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* ReportGrpcService::ListReportFormats(
    grpc::CallbackServerContext* context, const mgi::report::v1::ListReportFormatsRequest*,
    mgi::report::v1::ListReportFormatsResponse* response) {
  return Serve(context, [this, response](const CallContext&) {
    FormatsInfo info = service_.ListFormats();
    for (const auto& f : info.formats) {
      auto* out = response->add_formats();
      out->set_format(f.format);
      out->set_content_type(f.content_type);
    }
    for (const auto& l : info.languages) response->add_languages(l);
    response->set_renderer_version(info.renderer_version);
    return absl::OkStatus();
  });
}

}  // namespace mgi::report
