// The report service's logic, without gRPC types: checks a request, fetches the inputs from the
// peers, renders them. Fetching and rendering are separate steps so that a cache of rendered
// reports (keyed by profile etag/revision, format, language and kRendererVersion) can sit
// between them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/cache.h"
#include "services/common/near_cache.h"
#include "services/report/peers.h"
#include "services/report/renderer.h"

namespace mgi::report {

struct ReportRequest {
  std::string name;      // "profiles/{id}/report"
  std::string format;    // "" means html
  std::string language;  // "" means en
  // The caller's credentials: the peers (assessment, catalog) decide what it may read, drafts
  // included. No default: a report is always fetched for someone.
  PeerCredentials credentials;
};

// A request after checking: the profile's name, a known format, a well-formed language.
struct CheckedRequest {
  std::string profile;   // "profiles/{id}"
  std::string format;
  std::string language;
  // The message file's language for `language`; empty when there is none, and then `language`
  // must be one of the profile's (checked by FetchInputs).
  std::string text_language;
  PeerCredentials credentials;
};

struct Report {
  std::string data;
  std::string content_type;
  std::string etag;  // a quoted hash of `data`
};

struct FormatsInfo {
  std::vector<FormatInfo> formats;
  std::vector<std::string> languages;
  std::string renderer_version;
};

class ReportService {
 public:
  // The peers and the renderer must outlive the service.
  // `cache` (optional, may be null) keeps rendered reports under RenderedReportKey.
  // `catalog_ttl`: how long the catalog's answers may be kept (0: never), the bound on how long
  // the inputs composed from them are reused.
  ReportService(const Renderer& renderer, AssessmentPeer& assessment, CatalogPeer& catalog,
                Cache* cache = nullptr,
                std::chrono::milliseconds catalog_ttl = std::chrono::seconds(60));

  // INVALID_ARGUMENT naming every bad field (name, format, language). A language without a
  // message file passes here: FetchInputs accepts it when the profile is written in it.
  absl::StatusOr<CheckedRequest> Check(const ReportRequest& request) const;
  // Everything the report shows; NOT_FOUND when the profile does not exist; INVALID_ARGUMENT
  // (language) when the language is neither a message file's nor the profile's. The profile (and
  // its previous edition) are read on every call, with the caller's credentials; what is
  // composed from them (catalog texts, the comparison, the digest of it all) is reused while
  // both are unchanged (same content digests), for at most `catalog_ttl`.
  absl::StatusOr<std::shared_ptr<const ReportInputs>> FetchInputs(const CheckedRequest& request);
  // The rendered report: from the cache when it holds RenderedReportKey(inputs, format), else
  // rendered now (and cached).
  absl::StatusOr<Report> Render(const ReportInputs& inputs, const std::string& format) const;

  // Check, FetchInputs, Render.
  absl::StatusOr<Report> GetReport(const ReportRequest& request);
  // Reports actually rendered (not served from the cache) since start.
  int64_t renders() const { return renders_.load(); }
  FormatsInfo ListFormats() const;

 private:
  const Renderer& renderer_;
  AssessmentPeer& assessment_;
  CatalogPeer& catalog_;
  Cache* cache_;
  mutable std::atomic<int64_t> renders_{0};
  // The rest of FetchInputs for a profile and its previous edition as just read.
  absl::StatusOr<ReportInputs> Compose(const CheckedRequest& request,
                                       std::shared_ptr<const FetchedProfile> profile,
                                       const absl::StatusOr<std::shared_ptr<const FetchedProfile>>&
                                           previous);
  // Composed inputs, by profile and language, under both profiles' content digests.
  NearCacheOf<ReportInputs> composed_;
};

// A digest of every input of a report (the profile with its etag and revision, the catalog
// texts, the comparison, the language of the texts).
std::string InputsDigest(const ReportInputs& inputs);
// The cache key of a rendered report: the profile's name, the inputs' digest (`inputs.digest`,
// or InputsDigest when it is empty), the format, the language and kRendererVersion. Any change to
// what the report shows gives another key.
std::string RenderedReportKey(const ReportInputs& inputs, const std::string& format);

}  // namespace mgi::report
