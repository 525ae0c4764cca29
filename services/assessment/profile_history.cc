// ProfileManager: revision history and the comparison of two profiles.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/language.h"
#include "services/common/pagination.h"
#include "services/common/status.h"
#include "services/assessment/profile_manager.h"
#include "services/assessment/profile_rules.h"

namespace mgi::assessment {
namespace {

const PageSpec kRevisionPages{50, 200};

}  // namespace

absl::StatusOr<av1::ListRevisionsResponse> ProfileManager::ListRevisions(
    const av1::ListRevisionsRequest& req) {
  if (auto id = ParseProfileName(req.name(), "name"); !id.ok()) return id.status();
  auto size = ResolvePageSize(req.page_size(), kRevisionPages);
  if (!size.ok()) return size.status();
  auto offset = DecodePageToken(req.page_token(), "revisions|" + req.name());
  if (!offset.ok()) return offset.status();
  if (auto p = Read(req.name()); !p.ok()) return p.status();
  auto page = store_->ListRevisions(req.name(), *offset, *size);
  if (!page.ok()) return page.status();
  av1::ListRevisionsResponse resp;
  for (auto& r : page->revisions) *resp.add_revisions() = std::move(r);
  resp.set_total_size(static_cast<int32_t>(page->total));
  if (*offset + *size < page->total) {
    resp.set_next_page_token(EncodePageToken(*offset + *size, "revisions|" + req.name()));
  }
  return resp;
}

absl::StatusOr<av1::Revision> ProfileManager::GetRevision(const av1::GetRevisionRequest& req) {
  size_t pos = req.name().find("/revisions/");
  int64_t number = 0;
  if (pos == std::string::npos || !absl::SimpleAtoi(req.name().substr(pos + 11), &number) ||
      number < 1 || !ParseProfileName(req.name().substr(0, pos), "name").ok()) {
    return InvalidArgument("name", absl::StrCat("\"", req.name(),
                                                "\" is not a revision name, e.g. "
                                                "\"profiles/gtm-2022/revisions/3\""));
  }
  return store_->GetRevision(req.name().substr(0, pos), number);
}

absl::StatusOr<av1::CompareProfilesResponse> ProfileManager::CompareProfiles(
    const av1::CompareProfilesRequest& req, const Caller& caller) {
  if (auto id = ParseProfileName(req.name(), "name"); !id.ok()) return id.status();
  if (auto id = ParseProfileName(req.other(), "other"); !id.ok()) return id.status();
  auto language = NormalizeLanguage(req.language(), "language");
  if (!language.ok()) return language.status();
  auto newer = Read(req.name());
  if (!newer.ok()) return newer.status();
  auto older = Read(req.other());
  if (!older.ok()) return older.status();
  for (const auto* p : {&newer, &older}) {
    if (auto visible = Visible(*p, caller); !visible.ok()) return visible.status();
  }
  auto catalog = catalog_->Connect(caller.credentials);
  if (auto s = Localize(&*newer, *language, *catalog); !s.ok()) return s;
  if (auto s = Localize(&*older, *language, *catalog); !s.ok()) return s;
  auto domains = catalog->ListDomains();
  if (!domains.ok()) return domains.status();
  av1::CompareProfilesResponse resp;
  resp.set_name(req.name());
  resp.set_other(req.other());
  static const av1::DomainFindings kEmpty;
  auto find = [](const av1::Profile& p, const std::string& domain) -> const av1::DomainFindings& {
    for (const auto& d : p.domains()) {
      if (d.domain() == domain) return d;
    }
    return kEmpty;
  };
  for (const auto& domain : *domains) {
    const auto& n = find(*newer, domain);
    const auto& o = find(*older, domain);
    av1::DomainChanges* c = resp.add_domains();
    c->set_domain(domain);
    *c->mutable_well_developed() = CompareGroup(n.well_developed(), o.well_developed(), *language);
    *c->mutable_further_development() =
        CompareGroup(n.further_development(), o.further_development(), *language);
  }
  return resp;
}

}  // namespace mgi::assessment
