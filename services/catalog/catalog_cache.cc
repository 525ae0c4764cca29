#include "services/catalog/catalog_cache.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/cache_config.h"

namespace mgi::catalog {
namespace fs = std::filesystem;

namespace {

// Appends "<name>\t<digest of the content>" for `path`; `name` is relative to its root, so the
// same files installed elsewhere give the same version.
absl::Status AddFile(const fs::path& path, const std::string& name, std::string* manifest) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  absl::StrAppend(manifest, name, "\t", KeyDigest(bytes.str()), "\n");
  return absl::OkStatus();
}


}  // namespace

absl::StatusOr<std::string> CatalogDataVersion(const CatalogOptions& options) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(options.data_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) {
    return absl::NotFoundError(absl::StrCat("cannot list ", options.data_dir, ": ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  std::vector<fs::path> translations;
  for (fs::directory_iterator it(options.locale_dir, ec), end; !ec && it != end; it.increment(ec)) {
    fs::path mo = it->path() / "LC_MESSAGES" / "iso_3166-1.mo";
    if (fs::is_regular_file(mo)) translations.push_back(mo);
  }
  std::sort(translations.begin(), translations.end());
  std::string manifest =
      absl::StrCat("languages\t", absl::StrJoin(options.country_languages, ","), "\n");
  for (const auto& f : files) {
    std::string name = "data/" + fs::relative(f, options.data_dir).generic_string();
    if (auto s = AddFile(f, name, &manifest); !s.ok()) return s;
  }
  if (auto s = AddFile(fs::path(options.iso_codes_dir) / "iso_3166-1.json", "iso_3166-1.json",
                       &manifest);
      !s.ok()) {
    return s;
  }
  for (const auto& f : translations) {
    std::string name = "locale/" + fs::relative(f, options.locale_dir).generic_string();
    if (auto s = AddFile(f, name, &manifest); !s.ok()) return s;
  }
  return KeyDigest(manifest);
}

CachedCatalog::CachedCatalog(const Catalog* catalog, Cache* cache, std::string data_version,
                             std::chrono::seconds ttl)
    : catalog_(catalog),
      cache_(dynamic_cast<NullCache*>(cache) != nullptr ? nullptr : cache),
      data_version_(std::move(data_version)),
      ttl_(ttl) {}

std::string CachedCatalog::Key(std::string_view method,
                               const google::protobuf::MessageLite& request) const {
  return CacheKey("catalog", std::string(method), KeyDigest(DeterministicBytes(request)),
                  data_version_);
}

template <typename Response, typename Request>
absl::StatusOr<Response> CachedCatalog::Cached(
    std::string_view method, const Request& request,
    absl::StatusOr<Response> (Catalog::*compute)(const Request&) const) const {
  if (cache_ == nullptr) return (catalog_->*compute)(request);
  std::string key = Key(method, request);
  if (auto hit = GetProto<Response>(*cache_, key)) return *std::move(hit);
  absl::StatusOr<Response> response = (catalog_->*compute)(request);
  if (response.ok()) SetProto(*cache_, key, *response, ttl_);
  return response;
}

absl::StatusOr<v1::Framework> CachedCatalog::GetFramework(
    const v1::GetFrameworkRequest& request) const {
  return Cached("GetFramework", request, &Catalog::GetFramework);
}
absl::StatusOr<v1::ListDomainsResponse> CachedCatalog::ListDomains(
    const v1::ListDomainsRequest& request) const {
  return Cached("ListDomains", request, &Catalog::ListDomains);
}
absl::StatusOr<v1::Domain> CachedCatalog::GetDomain(const v1::GetDomainRequest& request) const {
  return Cached("GetDomain", request, &Catalog::GetDomain);
}
absl::StatusOr<v1::ListIndicatorsResponse> CachedCatalog::ListIndicators(
    const v1::ListIndicatorsRequest& request) const {
  return Cached("ListIndicators", request, &Catalog::ListIndicators);
}
absl::StatusOr<v1::Indicator> CachedCatalog::GetIndicator(
    const v1::GetIndicatorRequest& request) const {
  return Cached("GetIndicator", request, &Catalog::GetIndicator);
}
absl::StatusOr<v1::SearchIndicatorsResponse> CachedCatalog::SearchIndicators(
    const v1::SearchIndicatorsRequest& request) const {
  return Cached("SearchIndicators", request, &Catalog::SearchIndicators);
}
absl::StatusOr<v1::ListCountriesResponse> CachedCatalog::ListCountries(
    const v1::ListCountriesRequest& request) const {
  return Cached("ListCountries", request, &Catalog::ListCountries);
}
absl::StatusOr<v1::Country> CachedCatalog::GetCountry(const v1::GetCountryRequest& request) const {
  return Cached("GetCountry", request, &Catalog::GetCountry);
}

}  // namespace mgi::catalog
