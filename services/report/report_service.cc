#include "services/report/report_service.h"

#include <cstdio>
#include <future>

#include <google/api/httpbody.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <spdlog/spdlog.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/cache_config.h"
#include "services/common/digest.h"
#include "services/common/language.h"
#include "services/common/pagination.h"
#include "services/common/resource_id.h"
#include "services/common/status.h"

namespace mgi::report {
namespace {

bool ValidProfileId(const std::string& id) { return IsResourceId(id); }

}  // namespace

ReportService::ReportService(const Renderer& renderer, AssessmentPeer& assessment,
                             CatalogPeer& catalog, Cache* cache,
                             std::chrono::milliseconds catalog_ttl)
    : renderer_(renderer),
      assessment_(assessment),
      catalog_(catalog),
      cache_(cache),
      composed_({.max_entries = catalog_ttl.count() > 0 ? size_t{256} : size_t{0},
                 .max_bytes = 32 << 20,
                 .max_age = catalog_ttl}) {}

std::string InputsDigest(const ReportInputs& inputs) {
  std::string bytes;
  auto put = [&bytes](std::string_view part) {
    // Length-prefixed: no two inputs collide.
    bytes.append(std::to_string(part.size())).append(1, ':').append(part);
  };
  auto put_message = [&put](const google::protobuf::MessageLite& m) { put(DeterministicBytes(m)); };
  // The profile and the comparison by the digest of their content, computed once per fetch
  // (a kept copy serves many reports); the catalog's small answers by their bytes.
  put(inputs.profile->digest);
  for (const auto& d : inputs.domains) put_message(d);
  put_message(inputs.framework);
  put_message(inputs.country);
  if (inputs.changes) put(inputs.changes->digest);
  if (inputs.previous_month) put_message(*inputs.previous_month);
  bytes += "|texts:" + inputs.text_language;  // the language of the report's own texts
  return KeyDigest(bytes);
}

std::string RenderedReportKey(const ReportInputs& inputs, const std::string& format) {
  return CacheKey("report", inputs.profile->message.name(),
                  inputs.digest.empty() ? InputsDigest(inputs) : inputs.digest, format,
                  inputs.language, kRendererVersion);
}

absl::StatusOr<CheckedRequest> ReportService::Check(const ReportRequest& request) const {
  std::vector<FieldViolation> violations;
  CheckedRequest out{{}, {}, {}, {}, request.credentials};
  const std::string prefix = "profiles/", suffix = "/report";
  if (request.name.empty()) {
    violations.push_back({"name", "is required, e.g. \"profiles/gtm-2022/report\""});
  } else if (!absl::StartsWith(request.name, prefix) || !absl::EndsWith(request.name, suffix) ||
             !ValidProfileId(request.name.substr(
                 prefix.size(), request.name.size() - prefix.size() - suffix.size()))) {
    violations.push_back({"name", "must be \"profiles/{profile}/report\""});
  } else {
    out.profile = request.name.substr(0, request.name.size() - suffix.size());
  }
  out.format = request.format.empty() ? "html" : request.format;
  if (FindFormat(out.format) == nullptr) {
    std::vector<std::string> names;
    for (const auto& f : Formats()) names.push_back(f.format);
    violations.push_back({"format", "unknown format \"" + request.format + "\"; one of " +
                                        absl::StrJoin(names, ", ")});
  }
  auto language = NormalizeLanguage(request.language, "language");
  std::string supported = absl::StrJoin(renderer_.messages().Languages(), ", ");
  if (!language.ok()) {
    violations.push_back({"language", "must be a BCP 47 language tag; supported: " + supported});
  } else {
    out.language = *language;
    if (renderer_.messages().Find(*language) != nullptr) out.text_language = *language;
  }
  if (violations.size() == 1) {
    return InvalidArgument(violations[0].field, violations[0].description);
  }
  if (!violations.empty()) return InvalidArguments("invalid report request", violations);
  return out;
}

absl::StatusOr<std::shared_ptr<const ReportInputs>> ReportService::FetchInputs(
    const CheckedRequest& request) {
  auto answer = std::make_shared<std::promise<absl::StatusOr<ProfilesRead>>>();
  auto future = answer->get_future();
  ReadProfiles(request, [answer](absl::StatusOr<ProfilesRead> read) {
    answer->set_value(std::move(read));
  });
  absl::StatusOr<ProfilesRead> read = future.get();
  if (!read.ok()) return read.status();
  if (auto kept = FindComposed(request, *read)) return kept;
  return Compose(request, *read);
}

void ReportService::ReadProfiles(const CheckedRequest& request,
                                 std::function<void(absl::StatusOr<ProfilesRead>)> done) {
  // The caller's access is the assessment's decision, on every call: both profiles are read
  // (revalidated when the peer keeps them) before anything composed is reused.
  assessment_.GetProfileAsync(
      request.profile, request.language, request.credentials, request.deadline,
      [this, request, done = std::move(done)](
          absl::StatusOr<std::shared_ptr<const FetchedProfile>> profile) mutable {
        if (!profile.ok()) return done(profile.status());
        ProfilesRead read;
        read.profile = *std::move(profile);
        const auto& message = read.profile->message;
        read.compared = message.edition() > 1 && !message.previous_edition().empty();
        if (!read.compared) return done(std::move(read));
        if (std::chrono::system_clock::now() >= request.deadline) {
          return done(absl::DeadlineExceededError("the caller's deadline passed"));
        }
        std::string previous = message.previous_edition();
        assessment_.GetProfileAsync(
            previous, request.language, request.credentials, request.deadline,
            [read = std::move(read), done = std::move(done)](
                absl::StatusOr<std::shared_ptr<const FetchedProfile>> earlier) mutable {
              if (!earlier.ok() && earlier.status().code() != absl::StatusCode::kNotFound) {
                return done(earlier.status());
              }
              read.previous = std::move(earlier);
              done(std::move(read));
            });
      });
}

namespace {

std::string ComposedKey(const CheckedRequest& request) {
  return absl::StrCat(request.profile, "\n", request.language);
}

// Both profiles' content digests: what a composition was made of.
std::string ComposedVersion(const ProfilesRead& read) {
  return absl::StrCat(read.profile->digest, "|", read.compared ? "compared:" : "",
                      read.previous.ok() ? (*read.previous)->digest : "");
}

}  // namespace

std::shared_ptr<const ReportInputs> ReportService::FindComposed(const CheckedRequest& request,
                                                                const ProfilesRead& read) {
  return composed_.Find(ComposedKey(request), ComposedVersion(read));
}

absl::StatusOr<std::shared_ptr<const ReportInputs>> ReportService::Compose(
    const CheckedRequest& request, const ProfilesRead& read) {
  auto composed = ComposeInputs(request, read);
  if (!composed.ok()) return composed.status();
  composed->digest = InputsDigest(*composed);
  size_t bytes = read.profile->message.ByteSizeLong() +
                 (composed->changes ? composed->changes->message.ByteSizeLong() : 0) +
                 composed->framework.ByteSizeLong() + composed->country.ByteSizeLong();
  for (const auto& d : composed->domains) bytes += d.ByteSizeLong();
  auto shared = std::make_shared<const ReportInputs>(*std::move(composed));
  composed_.Put(ComposedKey(request), ComposedVersion(read), shared, bytes);
  return shared;
}

absl::StatusOr<ReportInputs> ReportService::ComposeInputs(const CheckedRequest& request,
                                                          const ProfilesRead& read) {
  ReportInputs inputs;
  inputs.language = request.language;
  inputs.text_language = request.text_language;
  inputs.profile = read.profile;
  const mgi::assessment::v1::Profile& profile = inputs.profile->message;
  if (inputs.text_language.empty()) {
    // No message file for the language: served when the profile is written in it, with the
    // report's own texts in the profile's first language that has them, else English.
    auto primary = [](const std::string& l) { return l.substr(0, l.find('-')); };
    bool written_in = false;
    for (const auto& l : profile.languages()) {
      written_in |= l == request.language || primary(l) == primary(request.language);
      if (inputs.text_language.empty() && renderer_.messages().Find(l) != nullptr) {
        inputs.text_language = l;
      }
    }
    if (!written_in) {
      return InvalidArgument(
          "language", "unsupported language \"" + request.language + "\": the report's texts are in " +
                          absl::StrJoin(renderer_.messages().Languages(), ", ") + " and " +
                          request.profile + " is written in " +
                          absl::StrJoin(profile.languages(), ", "));
    }
    if (inputs.text_language.empty()) inputs.text_language = "en";
  }
  const std::string& texts = inputs.text_language;
  auto domains = catalog_.ListDomains(texts, request.credentials);
  if (!domains.ok()) return domains.status();
  inputs.domains = *std::move(domains);
  auto framework = catalog_.GetFramework(texts, request.credentials);
  if (!framework.ok()) return framework.status();
  inputs.framework = *std::move(framework);
  auto country = catalog_.GetCountry(profile.country(), texts, request.credentials);
  if (country.ok()) {
    inputs.country = *std::move(country);
  } else if (country.status().code() != absl::StatusCode::kNotFound) {
    return country.status();
  } else {
    spdlog::warn("country not in catalog country={}", profile.country());
  }
  const auto& previous_name = profile.previous_edition();
  if (profile.edition() > 1 && !previous_name.empty()) {
    auto changes = assessment_.CompareProfiles(request.profile, previous_name, request.language,
                                                request.credentials);
    if (changes.ok()) {
      inputs.changes = *std::move(changes);
      if (read.previous.ok()) {
        inputs.previous_month = (*read.previous)->message.publication_month();
      }
    } else if (changes.status().code() == absl::StatusCode::kNotFound) {
      spdlog::warn("previous edition missing profile={} previous={}", request.profile,
                   previous_name);
    } else {
      return changes.status();
    }
  }
  return inputs;
}

absl::StatusOr<Report> ReportService::Render(const ReportInputs& inputs,
                                             const std::string& format) const {
  // Only reports of published and archived profiles go to the shared cache: a draft is
  // confidential to its editors and must never sit in Redis (docs/cache.md).
  namespace av1 = mgi::assessment::v1;
  const av1::ProfileState state = inputs.profile->message.state();
  const bool shared = cache_ != nullptr && (state == av1::PROFILE_STATE_PUBLISHED ||
                                            state == av1::PROFILE_STATE_ARCHIVED);
  std::string key;
  if (shared) {
    key = RenderedReportKey(inputs, format);
    if (auto cached = GetProto<google::api::HttpBody>(*cache_, key)) {
      Report report;
      report.data = std::move(*cached->mutable_data());
      report.content_type = cached->content_type();
      report.etag = ContentEtag(report.data);
      return report;
    }
  }
  auto rendered = renderer_.Render(inputs, format);
  renders_.fetch_add(1);
  if (!rendered.ok()) return rendered.status();
  Report report;
  report.etag = ContentEtag(rendered->data);
  report.data = std::move(rendered->data);
  report.content_type = std::move(rendered->content_type);
  if (shared) {
    google::api::HttpBody body;
    body.set_content_type(report.content_type);
    body.set_data(report.data);
    SetProto(*cache_, key, body, std::chrono::seconds(0));  // 0: the configured redis-ttl
  }
  return report;
}

absl::StatusOr<Report> ReportService::GetReport(const ReportRequest& request) {
  auto checked = Check(request);
  if (!checked.ok()) return checked.status();
  auto inputs = FetchInputs(*checked);
  if (!inputs.ok()) return inputs.status();
  return Render(**inputs, checked->format);
}

FormatsInfo ReportService::ListFormats() const {
  return {Formats(), renderer_.messages().Languages(), kRendererVersion};
}

}  // namespace mgi::report
