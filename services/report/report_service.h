// The report service's logic, without gRPC types: checks a request, fetches the inputs from the
// peers, renders them. Fetching and rendering are separate steps so that a cache of rendered
// reports (keyed by profile etag/revision, format, language and kRendererVersion) can sit
// between them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
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
  // The caller's deadline: peer calls made for it end by then at the latest.
  std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();
};

// The profile a report is of and its previous edition (for an edition > 1 that names one), as
// read for one call.
struct ProfilesRead {
  std::shared_ptr<const FetchedProfile> profile;
  bool compared = false;  // an edition > 1 naming its previous edition
  // When `compared`: the previous edition, or NOT_FOUND (the report then has no comparison).
  absl::StatusOr<std::shared_ptr<const FetchedProfile>> previous = absl::NotFoundError("none");
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
  // FetchInputs (and GetReport) wait for ReadProfiles: for executor threads and tests, never a
  // gRPC callback thread.
  // FetchInputs in steps, for a caller that must not block: ReadProfiles (asynchronous through
  // the peer; `done` runs where it must not block), then the inputs kept for what was read
  // (FindComposed, never blocks), else Compose (blocks: catalog, comparison).
  void ReadProfiles(const CheckedRequest& request,
                    std::function<void(absl::StatusOr<ProfilesRead>)> done);
  std::shared_ptr<const ReportInputs> FindComposed(const CheckedRequest& request,
                                                   const ProfilesRead& read);
  absl::StatusOr<std::shared_ptr<const ReportInputs>> Compose(const CheckedRequest& request,
                                                              const ProfilesRead& read);
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
  absl::StatusOr<ReportInputs> ComposeInputs(const CheckedRequest& request,
                                             const ProfilesRead& read);
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
