#include "gateway/route_checks.h"

#include "absl/strings/str_cat.h"
#include "gateway/routes.h"

namespace mgi::gateway {
namespace {

using Segment = PathTemplate::Segment;

// Segments a[i..] and b[j..] can match one same sequence of path segments.
bool Overlap(const std::vector<Segment>& a, size_t i, const std::vector<Segment>& b, size_t j) {
  if (i == a.size() && j == b.size()) return true;
  if (i < a.size() && a[i].kind == Segment::kMulti) return true;  // "**" is last: takes the rest
  if (j < b.size() && b[j].kind == Segment::kMulti) return true;
  if (i == a.size() || j == b.size()) return false;
  bool compatible = a[i].kind != Segment::kLiteral || b[j].kind != Segment::kLiteral ||
                    a[i].literal == b[j].literal;
  return compatible && Overlap(a, i + 1, b, j + 1);
}

std::string Describe(const Route& r) {
  return absl::StrCat(r.method->full_name(), " (", r.http_method, " ", r.path.text(), ")");
}

}  // namespace

absl::Status CheckResponseBody(const Route& route) {
  if (route.response_body.empty()) return absl::OkStatus();
  const auto* output = route.method->output_type();
  if (output->FindFieldByName(route.response_body) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("response_body '", route.response_body,
                                                   "' is not a top-level field of ",
                                                   output->full_name()));
  }
  return absl::OkStatus();
}

bool TemplatesOverlap(const PathTemplate& a, const PathTemplate& b) {
  return a.verb() == b.verb() && Overlap(a.segments(), 0, b.segments(), 0);
}

absl::Status CheckRouteConflicts(const std::vector<std::unique_ptr<Route>>& routes) {
  for (size_t i = 0; i < routes.size(); ++i) {
    for (size_t j = i + 1; j < routes.size(); ++j) {
      const Route& a = *routes[i];
      const Route& b = *routes[j];
      if (a.http_method != b.http_method || a.path.Specificity() != b.path.Specificity() ||
          !TemplatesOverlap(a.path, b.path)) {
        continue;
      }
      return absl::InvalidArgumentError(
          absl::StrCat("conflicting routes: ", Describe(a), " and ", Describe(b),
                       " answer the same requests; change one template"));
    }
  }
  return absl::OkStatus();
}

}  // namespace mgi::gateway
