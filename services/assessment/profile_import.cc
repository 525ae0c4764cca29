// ProfileManager: import and export of profile documents, and seeding from a directory of them.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "services/assessment/profile_manager.h"
#include "services/assessment/profile_query.h"
#include "services/assessment/profile_rules.h"
#include "spdlog/spdlog.h"

namespace mgi::assessment {

using google::protobuf::util::TimeUtil;

absl::StatusOr<av1::ImportProfilesResponse> ProfileManager::ImportProfiles(
    const av1::ImportProfilesRequest& req, const Caller& caller) {
  return Import(req, caller, /*skip_existing=*/false);
}

absl::StatusOr<av1::ImportProfilesResponse> ProfileManager::Import(
    const av1::ImportProfilesRequest& req, const Caller& caller, bool skip_existing) {
  const std::string& actor = caller.actor;
  auto catalog = catalog_->Connect(caller.credentials);
  const av1::ProfileDocument& doc = req.document();
  std::vector<FieldViolation> problems;
  if (doc.format() != kDocumentFormat) {
    problems.push_back(
        {"format", absl::StrCat("must be \"", kDocumentFormat, "\", not \"", doc.format(), "\"")});
  }
  if (doc.profiles().empty()) problems.push_back({"profiles", "the document holds no profile"});
  auto domains = catalog->ListDomains();
  if (!domains.ok()) return domains.status();
  std::vector<av1::Profile> incoming;
  std::set<std::string> names;
  for (int i = 0; i < doc.profiles_size(); ++i) {
    std::string prefix = absl::StrCat("profiles[", i, "]");
    av1::Profile p = doc.profiles(i);
    ClearDisplay(&p);
    AssignFindingIds(&p);
    if (auto id = ParseProfileName(p.name(), prefix + ".name"); !id.ok()) {
      problems.push_back(FieldViolations(id.status()).at(0));
    } else if (!names.insert(p.name()).second) {
      problems.push_back({prefix + ".name", absl::StrCat("\"", p.name(), "\" appears twice")});
    }
    if (p.state() == av1::PROFILE_STATE_UNSPECIFIED) p.set_state(av1::PROFILE_STATE_DRAFT);
    if (!av1::ProfileState_IsValid(p.state())) {
      problems.push_back({prefix + ".state", "must be DRAFT, PUBLISHED or ARCHIVED"});
    }
    if (p.revision() < 0) problems.push_back({prefix + ".revision", "must not be negative"});
    if (auto s = ValidateContent(p, prefix, *catalog, &problems); !s.ok()) return s;
    if (p.state() != av1::PROFILE_STATE_DRAFT) CompletenessGaps(p, *domains, prefix, &problems);
    SortDomains(&p, *domains);
    incoming.push_back(std::move(p));
  }
  if (!problems.empty()) {
    return InvalidArguments(
        absl::StrCat("the document has ", problems.size(), " problem(s); nothing was imported"),
        problems);
  }
  av1::ImportProfilesResponse resp;
  std::vector<ProfileWrite> writes;
  std::vector<std::string> conflicts;
  std::vector<FieldViolation> refused;  // what the caller may not write, every one of them
  int64_t now = clock_->NowMicros();
  auto now_ts = TimeUtil::MicrosecondsToTimestamp(now);
  for (size_t i = 0; i < incoming.size(); ++i) {
    av1::Profile& p = incoming[i];
    auto existing = Read(p.name());
    if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();
    if (!caller.may_publish) {
      // The same rights as PublishProfile and ArchiveProfile: an import that would write a
      // published or archived profile, or replace one, needs them (an unchanged one writes nothing).
      bool unchanged = existing.ok() && (skip_existing || (ChangedFields(*existing, p).empty() &&
                                                           existing->state() == p.state()));
      std::string field = absl::StrCat("profiles[", i, "]");
      if (!unchanged && p.state() != av1::PROFILE_STATE_DRAFT) {
        refused.push_back({field + ".state", absl::StrCat(p.name(), " would be written ",
                                                          StateWord(p.state()))});
      } else if (!unchanged && existing.ok() && existing->state() != av1::PROFILE_STATE_DRAFT) {
        refused.push_back({field + ".name", absl::StrCat(p.name(), " is stored ",
                                                         StateWord(existing->state()),
                                                         " and would be replaced")});
      }
    }
    if (!p.has_create_time()) *p.mutable_create_time() = now_ts;
    if (!p.has_update_time()) *p.mutable_update_time() = p.create_time();
    if (p.state() == av1::PROFILE_STATE_DRAFT) {
      p.clear_publish_time();
    } else if (!p.has_publish_time()) {
      *p.mutable_publish_time() = p.update_time();
    }
    if (existing.ok()) {
      if (skip_existing ||
          (ChangedFields(*existing, p).empty() && existing->state() == p.state())) {
        resp.add_unchanged(p.name());
        continue;
      }
      if (!req.allow_overwrite()) {
        conflicts.push_back(p.name());
        continue;
      }
      std::vector<std::string> changed = ChangedFields(*existing, p);
      if (existing->state() != p.state()) changed.push_back("state");
      *p.mutable_create_time() = existing->create_time();
      *p.mutable_update_time() = now_ts;
      Stamp(&p, existing->revision() + 1, now);
      writes.push_back({ProfileWrite::Kind::kReplace, p, existing->etag(),
                        MakeRevision(p, actor, av1::Revision::ACTION_IMPORT, changed,
                                     "replaced by import: " + absl::StrJoin(changed, ", ")),
                        ""});
    } else {
      p.set_revision(p.revision() > 0 ? p.revision() : 1);
      p.set_etag(ComputeEtag(p));
      writes.push_back({ProfileWrite::Kind::kCreate, p, "",
                        MakeRevision(p, actor, av1::Revision::ACTION_IMPORT, WritableFields(), "imported"), ""});
    }
    resp.add_imported(p.name());
  }
  if (!refused.empty()) {
    std::string names;
    for (const auto& r : refused) absl::StrAppend(&names, names.empty() ? "" : "; ", r.description);
    return WithReason(
        absl::PermissionDeniedError(absl::StrCat(
            "importing published or archived profiles, or replacing them, needs the right to "
            "publish (role publisher or higher), as publishing and archiving do: ",
            names, "; nothing was imported")),
        "ROLE_REQUIRED");
  }
  if (!conflicts.empty()) {
    return absl::AlreadyExistsError(
        absl::StrCat("already stored with other content (set allow_overwrite to replace): ",
                     absl::StrJoin(conflicts, ", "), "; nothing was imported"));
  }
  // One published profile per edition (published_edition.h), named with the document's index.
  for (size_t i = 0; i < incoming.size(); ++i) {
    const av1::Profile& p = incoming[i];
    if (p.state() != av1::PROFILE_STATE_PUBLISHED) continue;
    if (std::find(resp.unchanged().begin(), resp.unchanged().end(), p.name()) !=
        resp.unchanged().end()) {
      continue;
    }
    auto s = CheckPublishedEdition(p, absl::StrCat("profiles[", i, "].state"), names);
    if (!s.ok()) return s;
  }
  if (req.validate_only() || writes.empty()) return resp;
  if (auto s = Write(writes); !s.ok()) return s;
  return resp;
}

absl::StatusOr<av1::ProfileDocument> ProfileManager::ExportProfiles(
    const av1::ExportProfilesRequest& req, const Caller& caller) {
  av1::ProfileDocument doc;
  doc.set_format(kDocumentFormat);
  if (!req.name().empty()) {
    if (auto id = ParseProfileName(req.name(), "name"); !id.ok()) return id.status();
    auto p = Visible(Read(req.name()), caller);
    if (!p.ok()) return p.status();
    *doc.add_profiles() = std::move(*p);
    return doc;
  }
  auto query = VisibleQuery(req.filter(), caller);
  if (!query.ok()) return query.status();
  for (int64_t offset = 0;;) {
    auto page = store_->List(*query, offset, 200);
    if (!page.ok()) return page.status();
    for (auto& p : page->profiles) *doc.add_profiles() = std::move(p);
    offset += static_cast<int64_t>(page->profiles.size());
    if (page->profiles.empty() || offset >= page->total) break;
  }
  return doc;
}

absl::StatusOr<int> ProfileManager::SeedFromDirectory(const std::string& dir,
                                                      const PeerCredentials& credentials) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  if (ec) return absl::NotFoundError(absl::StrCat("seed directory ", dir, ": ", ec.message()));
  std::sort(files.begin(), files.end());
  int imported = 0;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream buf;
    buf << in.rdbuf();
    av1::ImportProfilesRequest req;
    auto parsed = google::protobuf::util::JsonStringToMessage(buf.str(), req.mutable_document());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.string(), ": not a profile document: ", parsed.ToString()));
    }
    auto resp = Import(req, Caller::System("system:seed", credentials), /*skip_existing=*/true);
    if (!resp.ok()) {
      // The message alone does not list the problems: spell them out for the operator.
      std::string problems;
      for (const auto& v : FieldViolations(resp.status())) {
        absl::StrAppend(&problems, "\n  ", v.field, ": ", v.description);
      }
      return absl::Status(resp.status().code(),
                          absl::StrCat(file.string(), ": ", resp.status().message(), problems));
    }
    imported += resp->imported_size();
    spdlog::info("seed file={} imported={} unchanged={}", file.string(), resp->imported_size(),
                 resp->unchanged_size());
  }
  return imported;
}

}  // namespace mgi::assessment
