#include "services/assessment/profile_manager.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/cache_config.h"
#include "services/common/filter.h"
#include "services/common/language.h"
#include "services/common/pagination.h"
#include "services/common/status.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "services/assessment/local_key.h"
#include "services/assessment/profile_query.h"
#include "services/assessment/profile_rules.h"
#include "services/assessment/published_edition.h"
#include "services/assessment/revision_action.h"
#include "spdlog/spdlog.h"

namespace mgi::assessment {
namespace {

namespace cv1 = mgi::catalog::v1;
using google::protobuf::util::TimeUtil;

constexpr size_t kMaxRequestId = 64;
const PageSpec kProfilePages{50, 200};

std::string RandomId() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "p-";
  uint64_t v = rng();
  for (int i = 0; i < 12; ++i, v >>= 4) id.push_back(kHex[v & 15]);
  return id;
}

absl::StatusOr<std::string> ReadLanguage(const std::string& language) {
  return NormalizeLanguage(language, "language");
}

absl::Status RequireEtag(const std::string& etag, const std::string& field) {
  if (etag.empty()) {
    return InvalidArgument(field, "is required: send the etag of the profile as last read");
  }
  return absl::OkStatus();
}

}  // namespace

ProfileManager::ProfileManager(ProfileStore* store, CatalogConnector* catalog, Clock* clock,
                               TitleMessages messages, Cache* cache)
    : store_(store),
      catalog_(catalog),
      clock_(clock),
      messages_(std::move(messages)),
      cache_(dynamic_cast<NullCache*>(cache) ? nullptr : cache) {}

absl::StatusOr<av1::Profile> ProfileManager::Read(const std::string& name) {
  if (cache_ == nullptr) return store_->Get(name);
  // The current version comes from the store (one indexed row, no profile parse), so the key is
  // never older than the last acknowledged write. Only published and archived profiles are
  // cached: drafts change often and are read by few.
  auto version = store_->GetVersion(name);
  if (!version.ok()) return version.status();
  if (version->state != av1::PROFILE_STATE_PUBLISHED &&
      version->state != av1::PROFILE_STATE_ARCHIVED) {
    return store_->Get(name);
  }
  std::string key = CacheKey("profile", name, version->revision, version->etag);
  if (auto hit = GetProto<av1::Profile>(*cache_, key); hit && hit->etag() == version->etag) {
    return *std::move(hit);
  }
  auto p = store_->Get(name);
  // A write between the two reads gives a newer profile: return it, but do not file it under
  // the older key.
  if (p.ok() && p->etag() == version->etag) SetProto(*cache_, key, *p, std::chrono::seconds(0));
  return p;
}

absl::Status ProfileManager::Write(const std::vector<ProfileWrite>& writes) {
  absl::Status s = store_->Commit(writes);
  if (s.ok()) {
    for (const auto& w : writes) {
      spdlog::info("profile {} name={} revision={} actor={}",
                   w.kind == ProfileWrite::Kind::kDelete ? "deleted" : ActionWord(w.revision.action()),
                   w.profile.name(), w.profile.revision(), w.revision.actor());
    }
  }
  return s;
}

void ProfileManager::Stamp(av1::Profile* p, int64_t revision, int64_t now_us) {
  p->set_revision(revision);
  *p->mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(now_us);
  p->set_etag(ComputeEtag(*p));
}

av1::Revision ProfileManager::MakeRevision(const av1::Profile& p, const std::string& actor,
                                           av1::Revision::Action action,
                                           const std::vector<std::string>& fields,
                                           const std::string& summary) {
  av1::Revision r;
  r.set_name(absl::StrCat(p.name(), "/revisions/", p.revision()));
  r.set_revision(p.revision());
  *r.mutable_create_time() = p.update_time();
  r.set_actor(actor);
  r.set_action(action);
  r.set_summary(summary);
  for (const auto& f : fields) r.add_changed_fields(f);
  return r;
}

absl::StatusOr<av1::Profile> ProfileManager::Visible(absl::StatusOr<av1::Profile> p,
                                                     const Caller& caller) {
  if (p.ok() && p->state() == av1::PROFILE_STATE_DRAFT && !caller.may_read_drafts()) {
    return caller.read_drafts;
  }
  return p;
}

absl::Status ProfileManager::Localize(av1::Profile* p, const std::string& language,
                                      CatalogClient& catalog) {
  LocalizedText over = LookupText(p->title_override(), language, p->languages());
  if (over.text) {
    p->set_display_title(*over.text);
  } else {
    // The wording: the language asked for, else the profile's own languages, else English.
    std::string wording = messages_.Find(language);
    for (int i = 0; wording.empty() && i < p->languages_size(); ++i) {
      wording = messages_.Find(p->languages(i));
    }
    if (wording.empty()) wording = "en";
    std::string subject;
    bool local = p->level() == cv1::LEVEL_LOCAL;
    if (local) {
      LocalizedText unit = LookupText(p->local_unit().display_name(), language, p->languages());
      if (unit.text == nullptr) {
        subject = p->name();
      } else if (unit.fallback) {
        subject = messages_.FallbackName(wording, *unit.text, unit.language);
      } else {
        subject = *unit.text;
      }
    } else {
      auto country = catalog.GetCountry(p->country(), language);
      if (country.ok()) {
        subject = country->official_name;
      } else {
        spdlog::warn("catalog did not name {}: {}", p->country(), country.status().ToString());
        subject = p->country().substr(p->country().find('/') + 1);
      }
    }
    p->set_display_title(
        messages_.Make(wording, local, subject, p->edition(), p->assessment_year()).text);
  }
  for (auto& d : *p->mutable_domains()) {
    for (auto* group : {d.mutable_well_developed(), d.mutable_further_development()}) {
      for (auto& f : *group) {
        LocalizedText text = LookupText(f.text(), language, p->languages());
        if (text.text) {
          f.set_display_text(*text.text);
          f.set_display_language(text.language);
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<av1::Profile> ProfileManager::Present(absl::StatusOr<av1::Profile> p,
                                                     const Caller& caller) {
  if (!p.ok()) return p;
  auto catalog = catalog_->Connect(caller.credentials);
  if (auto s = Localize(&*p, DefaultLanguage(*p), *catalog); !s.ok()) return s;
  return p;
}

absl::StatusOr<av1::Profile> ProfileManager::CreateProfile(const av1::CreateProfileRequest& req,
                                                           const Caller& caller) {
  return Present(DoCreateProfile(req, caller), caller);
}
absl::StatusOr<av1::Profile> ProfileManager::UpdateProfile(const av1::UpdateProfileRequest& req,
                                                           const Caller& caller) {
  return Present(DoUpdateProfile(req, caller), caller);
}
absl::StatusOr<av1::Profile> ProfileManager::PublishProfile(const av1::PublishProfileRequest& req,
                                                            const Caller& caller) {
  return Present(DoPublishProfile(req, caller), caller);
}
absl::StatusOr<av1::Profile> ProfileManager::ArchiveProfile(const av1::ArchiveProfileRequest& req,
                                                            const Caller& caller) {
  return Present(DoArchiveProfile(req, caller), caller);
}
absl::StatusOr<av1::Profile> ProfileManager::StartNewEdition(
    const av1::StartNewEditionRequest& req, const Caller& caller) {
  return Present(DoStartNewEdition(req, caller), caller);
}

absl::StatusOr<av1::ListProfilesResponse> ProfileManager::ListProfiles(
    const av1::ListProfilesRequest& req, const Caller& caller) {
  auto size = ResolvePageSize(req.page_size(), kProfilePages);
  if (!size.ok()) return size.status();
  auto query = VisibleQuery(req.filter(), caller);
  if (!query.ok()) return query.status();
  auto catalog = catalog_->Connect(caller.credentials);
  std::string language;
  if (!req.language().empty()) {
    auto lang = ReadLanguage(req.language());
    if (!lang.ok()) return lang.status();
    language = *lang;
  }
  auto order = ParseOrder(req.order_by());
  if (!order.ok()) return order.status();
  query->order = *order;
  // The token binds the filter and the order: a page of another listing is refused.
  const std::string token_scope = absl::StrCat("profiles|", req.filter(), "|", req.order_by());
  auto offset = DecodePageToken(req.page_token(), token_scope);
  if (!offset.ok()) return offset.status();
  auto page = store_->List(*query, *offset, *size);
  if (!page.ok()) return page.status();
  av1::ListProfilesResponse resp;
  for (auto& p : page->profiles) {
    if (auto s = Localize(&p, language.empty() ? DefaultLanguage(p) : language, *catalog);
        !s.ok()) {
      return s;
    }
    *resp.add_profiles() = std::move(p);
  }
  resp.set_total_size(static_cast<int32_t>(page->total));
  if (*offset + *size < page->total) {
    resp.set_next_page_token(EncodePageToken(*offset + *size, token_scope));
  }
  return resp;
}

absl::StatusOr<av1::Profile> ProfileManager::GetProfile(const av1::GetProfileRequest& req,
                                                        const Caller& caller) {
  if (auto id = ParseProfileName(req.name(), "name"); !id.ok()) return id.status();
  std::string language;
  if (!req.language().empty()) {
    auto lang = ReadLanguage(req.language());
    if (!lang.ok()) return lang.status();
    language = *lang;
  }
  auto p = Visible(Read(req.name()), caller);
  if (!p.ok()) return p.status();
  if (auto s = Localize(&*p, language.empty() ? DefaultLanguage(*p) : language,
                        *catalog_->Connect(caller.credentials));
      !s.ok()) {
    return s;
  }
  return p;
}

absl::StatusOr<av1::Profile> ProfileManager::DoCreateProfile(const av1::CreateProfileRequest& req,
                                                             const Caller& caller) {
  const std::string& actor = caller.actor;
  if (!req.has_profile()) return InvalidArgument("profile", "is required");
  if (req.request_id().size() > kMaxRequestId) {
    return InvalidArgument("request_id", "must be at most 64 characters");
  }
  if (!req.profile_id().empty() && !IsValidProfileId(req.profile_id())) {
    return InvalidArgument("profile_id",
                           "must be 1 to 63 lower-case letters, digits and '-', starting with a "
                           "letter, e.g. \"gtm-2022\"");
  }
  if (!req.request_id().empty()) {
    auto prior = store_->FindRequest(req.request_id());
    if (!prior.ok()) return prior.status();
    if (*prior) return Read(**prior);
  }
  av1::Profile p = req.profile();
  ClearOutputOnly(&p);
  AssignFindingIds(&p);
  if (auto s = CheckAndOrder(&p, "the profile", *catalog_->Connect(caller.credentials)); !s.ok()) {
    return s;
  }
  p.set_name("profiles/" + (req.profile_id().empty() ? RandomId() : req.profile_id()));
  p.set_state(av1::PROFILE_STATE_DRAFT);
  int64_t now = clock_->NowMicros();
  *p.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(now);
  Stamp(&p, 1, now);
  return WriteNew(ProfileWrite{
      ProfileWrite::Kind::kCreate, p, "",
      MakeRevision(p, actor, av1::Revision::ACTION_CREATE, WritableFields(), "created"),
      req.request_id()});
}

absl::StatusOr<av1::Profile> ProfileManager::WriteNew(ProfileWrite w) {
  absl::Status s = Write({w});
  if (absl::IsAlreadyExists(s) && !w.request_id.empty()) {
    // A concurrent retry with the same request id won the race: answer what it created.
    auto prior = store_->FindRequest(w.request_id);
    if (prior.ok() && *prior) return Read(**prior);
  }
  if (!s.ok()) return s;
  return std::move(w.profile);
}

absl::Status ProfileManager::CheckAndOrder(av1::Profile* p, const std::string& what,
                                           CatalogClient& catalog) const {
  std::vector<FieldViolation> problems;
  if (auto s = ValidateContent(*p, "profile", catalog, &problems); !s.ok()) return s;
  if (!problems.empty()) {
    return InvalidArguments(absl::StrCat(what, " has ", problems.size(), " problem(s)"), problems);
  }
  auto domains = catalog.ListDomains();
  if (!domains.ok()) return domains.status();
  SortDomains(p, *domains);
  return absl::OkStatus();
}

absl::StatusOr<av1::Profile> ProfileManager::ReadForChange(const std::string& name,
                                                           const std::string& etag,
                                                           av1::ProfileState state,
                                                           const std::string& verb) {
  auto current = Read(name);
  if (!current.ok()) return current.status();
  if (current->state() != state) {
    std::string hint = current->state() == av1::PROFILE_STATE_DRAFT ? "publish it first"
                       : current->state() == av1::PROFILE_STATE_PUBLISHED
                           ? "a published profile is not edited in place: archive it, or "
                             "start a new edition"
                           : "an archived profile is read-only";
    return FailedPrecondition(
        absl::StrCat("cannot ", verb, " ", name, ": it is ", StateWord(current->state()), "; ",
                     hint),
        {{"state", absl::StrCat("must be ", av1::ProfileState_Name(state), ", is ",
                                av1::ProfileState_Name(current->state()))}});
  }
  if (current->etag() != etag) {
    return absl::AbortedError(absl::StrCat(name, " changed since etag ", etag, " was read (now ",
                                           current->etag(), "); read it again and retry"));
  }
  return current;
}

absl::StatusOr<av1::Profile> ProfileManager::DoUpdateProfile(const av1::UpdateProfileRequest& req,
                                                             const Caller& caller) {
  const std::string& actor = caller.actor;
  if (!req.has_profile()) return InvalidArgument("profile", "is required");
  const av1::Profile& patch = req.profile();
  if (auto id = ParseProfileName(patch.name(), "profile.name"); !id.ok()) return id.status();
  if (auto s = RequireEtag(patch.etag(), "profile.etag"); !s.ok()) return s;
  auto fields =
      ResolveMask({req.update_mask().paths().begin(), req.update_mask().paths().end()}, patch);
  if (!fields.ok()) return fields.status();
  auto current = ReadForChange(patch.name(), patch.etag(), av1::PROFILE_STATE_DRAFT, "update");
  if (!current.ok()) return current.status();
  av1::Profile next = *current;
  ApplyMask(*fields, patch, &next);
  ClearDisplay(&next);
  AssignFindingIds(&next);
  if (auto s = CheckAndOrder(&next, "the update", *catalog_->Connect(caller.credentials));
      !s.ok()) {
    return s;
  }
  std::vector<std::string> changed = ChangedFields(*current, next);
  if (changed.empty()) return current;  // nothing to change: no new revision
  Stamp(&next, current->revision() + 1, clock_->NowMicros());
  ProfileWrite w{
      ProfileWrite::Kind::kReplace, next, patch.etag(),
      MakeRevision(next, actor, av1::Revision::ACTION_UPDATE, changed, "updated " + absl::StrJoin(changed, ", ")), ""};
  if (auto s = Write({w}); !s.ok()) return s;
  return next;
}

absl::Status ProfileManager::DeleteProfile(const av1::DeleteProfileRequest& req,
                                           const Caller& caller) {
  const std::string& actor = caller.actor;
  if (auto id = ParseProfileName(req.name(), "name"); !id.ok()) return id.status();
  if (req.etag().empty()) {
    return InvalidArgument(
        "etag",
        absl::StrCat("is required to delete ", req.name(),
                     ": send the profile's current etag (from the last read) in the If-Match "
                     "header, e.g. `If-Match: \"3f2a...\"`, or as the `etag` parameter, e.g. "
                     "DELETE /v1/",
                     req.name(), "?etag=%223f2a...%22 (gRPC: DeleteProfileRequest.etag)"));
  }
  auto current = ReadForChange(req.name(), req.etag(), av1::PROFILE_STATE_DRAFT, "delete");
  if (!current.ok()) return current.status();
  ProfileWrite w{ProfileWrite::Kind::kDelete, *current, req.etag(), {}, ""};
  w.revision.set_actor(actor);
  return Write({w});
}

absl::StatusOr<av1::Profile> ProfileManager::DoPublishProfile(
    const av1::PublishProfileRequest& req, const Caller& caller) {
  const std::string& actor = caller.actor;
  auto catalog = catalog_->Connect(caller.credentials);
  if (auto id = ParseProfileName(req.name(), "name"); !id.ok()) return id.status();
  if (auto s = RequireEtag(req.etag(), "etag"); !s.ok()) return s;
  auto current = ReadForChange(req.name(), req.etag(), av1::PROFILE_STATE_DRAFT, "publish");
  if (!current.ok()) return current.status();
  auto domains = catalog->ListDomains();
  if (!domains.ok()) return domains.status();
  std::vector<FieldViolation> gaps;
  if (auto s = ValidateContent(*current, "", *catalog, &gaps); !s.ok()) return s;
  CompletenessGaps(*current, *domains, "", &gaps);
  if (!gaps.empty()) {
    return FailedPrecondition(
        absl::StrCat(req.name(), " is not ready to publish: ", gaps.size(), " gap(s)"), gaps);
  }
  if (auto s = CheckPublishedEdition(*current, "name"); !s.ok()) return s;
  av1::Profile next = *current;
  int64_t now = clock_->NowMicros();
  next.set_state(av1::PROFILE_STATE_PUBLISHED);
  *next.mutable_publish_time() = TimeUtil::MicrosecondsToTimestamp(now);
  Stamp(&next, current->revision() + 1, now);
  ProfileWrite w{ProfileWrite::Kind::kReplace, next, req.etag(),
                 MakeRevision(next, actor, av1::Revision::ACTION_PUBLISH, {"state", "publish_time"}, "published"), ""};
  if (auto s = Write({w}); !s.ok()) return s;
  return next;
}

absl::Status ProfileManager::CheckPublishedEdition(const av1::Profile& p,
                                                   const std::string& field,
                                                   const std::set<std::string>& rewritten) {
  ProfileQuery query;
  query.country = p.country();
  query.level = static_cast<int>(p.level());
  query.state = static_cast<int>(av1::PROFILE_STATE_PUBLISHED);
  query.edition = p.edition();
  const std::string key = LocalUnitKey(p);
  for (int64_t offset = 0;;) {
    auto page = store_->List(query, offset, 100);
    if (!page.ok()) return page.status();
    for (const auto& other : page->profiles) {
      if (other.name() != p.name() && !rewritten.contains(other.name()) &&
          LocalUnitKey(other) == key) {
        return PublishedEditionTaken(p, other.name(), field);
      }
    }
    offset += static_cast<int64_t>(page->profiles.size());
    if (page->profiles.empty() || offset >= page->total) return absl::OkStatus();
  }
}

absl::StatusOr<av1::Profile> ProfileManager::DoArchiveProfile(
    const av1::ArchiveProfileRequest& req, const Caller& caller) {
  const std::string& actor = caller.actor;
  if (auto id = ParseProfileName(req.name(), "name"); !id.ok()) return id.status();
  if (auto s = RequireEtag(req.etag(), "etag"); !s.ok()) return s;
  auto current = ReadForChange(req.name(), req.etag(), av1::PROFILE_STATE_PUBLISHED, "archive");
  if (!current.ok()) return current.status();
  av1::Profile next = *current;
  next.set_state(av1::PROFILE_STATE_ARCHIVED);
  Stamp(&next, current->revision() + 1, clock_->NowMicros());
  ProfileWrite w{ProfileWrite::Kind::kReplace, next, req.etag(),
                 MakeRevision(next, actor, av1::Revision::ACTION_ARCHIVE, {"state"}, "archived"), ""};
  if (auto s = Write({w}); !s.ok()) return s;
  return next;
}

absl::StatusOr<av1::Profile> ProfileManager::DoStartNewEdition(
    const av1::StartNewEditionRequest& req, const Caller& caller) {
  const std::string& actor = caller.actor;
  auto source_id = ParseProfileName(req.name(), "name");
  if (!source_id.ok()) return source_id.status();
  if (!req.profile_id().empty() && !IsValidProfileId(req.profile_id())) {
    return InvalidArgument("profile_id",
                           "must be 1 to 63 lower-case letters, digits and '-', starting with a "
                           "letter");
  }
  if (req.request_id().size() > kMaxRequestId) {
    return InvalidArgument("request_id", "must be at most 64 characters");
  }
  if (!req.request_id().empty()) {
    auto prior = store_->FindRequest(req.request_id());
    if (!prior.ok()) return prior.status();
    if (*prior) return Read(**prior);
  }
  auto source = Read(req.name());
  if (!source.ok()) return source.status();
  if (source->state() != av1::PROFILE_STATE_PUBLISHED) {
    return FailedPrecondition(
        absl::StrCat("cannot start a new edition of ", req.name(), ": it is ",
                     StateWord(source->state()), "; only a published profile is carried forward"),
        {{"state", absl::StrCat("must be PROFILE_STATE_PUBLISHED, is ",
                                av1::ProfileState_Name(source->state()))}});
  }
  av1::Profile p = *source;
  ClearOutputOnly(&p);
  p.clear_publication();  // a new edition gets its own reference number and ISBN
  p.set_edition(source->edition() + 1);
  std::string id = req.profile_id().empty()
                       ? absl::StrCat(source_id->substr(0, 58), "-e", p.edition())
                       : req.profile_id();
  p.set_name("profiles/" + id);
  p.set_previous_edition(req.name());
  p.set_state(av1::PROFILE_STATE_DRAFT);
  int64_t now = clock_->NowMicros();
  *p.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(now);
  Stamp(&p, 1, now);
  return WriteNew(ProfileWrite{
      ProfileWrite::Kind::kCreate, p, "",
      MakeRevision(p, actor, av1::Revision::ACTION_NEW_EDITION, WritableFields(),
                   absl::StrCat("edition ", p.edition(), " started from ", req.name())),
      req.request_id()});
}

}  // namespace mgi::assessment
