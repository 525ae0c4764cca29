#include "gateway/http_semantics.h"

#include <algorithm>
#include <vector>

#include <google/rpc/error_details.pb.h>
#include <google/rpc/status.pb.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mgi::gateway {

std::optional<int64_t> RetryAfterSeconds(const std::string& details_bin) {
  google::rpc::Status status;
  if (details_bin.empty() || !status.ParseFromString(details_bin)) return std::nullopt;
  for (const auto& any : status.details()) {
    google::rpc::RetryInfo info;
    if (!any.Is<google::rpc::RetryInfo>() || !any.UnpackTo(&info)) continue;
    const auto& d = info.retry_delay();
    if (d.seconds() < 0 || (d.seconds() == 0 && d.nanos() <= 0)) return 1;
    int64_t seconds = d.seconds() + (d.nanos() > 0 ? 1 : 0);
    return std::max<int64_t>(1, seconds);
  }
  return std::nullopt;
}

std::string RepresentationEtag(const std::string& etag, const std::string& language, bool gzip) {
  if (etag.size() < 2 || etag.back() != '"') return etag;
  std::string suffix;
  if (!language.empty()) absl::StrAppend(&suffix, ";lang=", language);
  if (gzip) absl::StrAppend(&suffix, ";gzip");
  return absl::StrCat(etag.substr(0, etag.size() - 1), suffix, "\"");
}

namespace {

// One entity-tag without the suffixes above.
std::string StripRepresentation(std::string tag) {
  if (tag.size() < 2 || tag.back() != '"') return tag;
  std::string inner = tag.substr(0, tag.size() - 1);
  if (absl::EndsWith(inner, ";gzip")) inner.resize(inner.size() - 5);
  if (size_t at = inner.rfind(";lang="); at != std::string::npos) {
    std::string lang = inner.substr(at + 6);
    bool language = !lang.empty() && lang.size() <= 35 &&
                    std::all_of(lang.begin(), lang.end(), [](char c) {
                      return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
                    });
    if (language) inner.resize(at);
  }
  return inner + "\"";
}

}  // namespace

std::string ResourceEtags(const std::string& if_match) {
  std::vector<std::string> tags;
  for (const auto& part : absl::StrSplit(if_match, ',')) {
    tags.push_back(StripRepresentation(std::string(absl::StripAsciiWhitespace(part))));
  }
  return absl::StrJoin(tags, ", ");
}

}  // namespace mgi::gateway
