#include "services/assessment/assessment_grpc_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/filter.h"

namespace mgi::assessment {
namespace {

// Copies an OK result into the response, or returns the error.
template <typename T>
absl::Status Answer(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = std::move(*result);
  return absl::OkStatus();
}

}  // namespace

std::optional<std::string> PublishedOnlyFilter(const std::string& filter) {
  auto terms = ParseFilter(filter, {"country", "level", "state", "edition"});
  if (!terms.ok()) return filter;
  for (const auto& t : *terms) {
    if (t.field != "state") continue;
    std::string upper = absl::AsciiStrToUpper(t.value);
    if (upper == "DRAFT" || upper == "PROFILE_STATE_DRAFT") return std::nullopt;
    return filter;
  }
  return filter.empty() ? std::string("state = PUBLISHED")
                        : absl::StrCat(filter, " AND state = PUBLISHED");
}

// Authenticates the caller and checks `permission`, or finishes the call with the error.
#define MGI_AUTHORIZE(principal, permission)               \
  auto principal = authorizer_->Authorize(*c, permission); \
  if (!principal.ok()) return FinishNow(c, principal.status());

#define MGI_WRITE(Method, Req, Resp, permission)                                          \
  grpc::ServerUnaryReactor* AssessmentGrpcService::Method(grpc::CallbackServerContext* c, \
                                                          const Req* req, Resp* resp) {   \
    MGI_AUTHORIZE(principal, permission);                                                 \
    std::string actor = principal->name;                                                  \
    return Offload(c, *executor_, [this, req, resp, actor] {                              \
      return Answer(manager_->Method(*req, actor), resp);                                 \
    });                                                                                   \
  }

MGI_WRITE(CreateProfile, av1::CreateProfileRequest, av1::Profile, Permission::kWriteDrafts)
MGI_WRITE(UpdateProfile, av1::UpdateProfileRequest, av1::Profile, Permission::kWriteDrafts)
MGI_WRITE(StartNewEdition, av1::StartNewEditionRequest, av1::Profile, Permission::kWriteDrafts)
MGI_WRITE(PublishProfile, av1::PublishProfileRequest, av1::Profile, Permission::kPublish)
MGI_WRITE(ArchiveProfile, av1::ArchiveProfileRequest, av1::Profile, Permission::kPublish)

grpc::ServerUnaryReactor* AssessmentGrpcService::ImportProfiles(
    grpc::CallbackServerContext* c, const av1::ImportProfilesRequest* req,
    av1::ImportProfilesResponse* resp) {
  MGI_AUTHORIZE(principal, Permission::kWriteDrafts);
  Caller caller{principal->name, authorizer_->Allows(*principal, Permission::kReadDrafts),
                authorizer_->Allows(*principal, Permission::kPublish)};
  return Offload(c, *executor_, [this, req, resp, caller] {
    return Answer(manager_->ImportProfiles(*req, caller), resp);
  });
}

grpc::ServerUnaryReactor* AssessmentGrpcService::DeleteProfile(grpc::CallbackServerContext* c,
                                                               const av1::DeleteProfileRequest* req,
                                                               google::protobuf::Empty*) {
  MGI_AUTHORIZE(principal, Permission::kWriteDrafts);
  std::string actor = principal->name;
  return Offload(c, *executor_,
                 [this, req, actor] { return manager_->DeleteProfile(*req, actor); });
}

grpc::ServerUnaryReactor* AssessmentGrpcService::ListRevisions(grpc::CallbackServerContext* c,
                                                               const av1::ListRevisionsRequest* req,
                                                               av1::ListRevisionsResponse* resp) {
  MGI_AUTHORIZE(principal, Permission::kReadDrafts);
  return Offload(c, *executor_,
                 [this, req, resp] { return Answer(manager_->ListRevisions(*req), resp); });
}

grpc::ServerUnaryReactor* AssessmentGrpcService::GetRevision(grpc::CallbackServerContext* c,
                                                             const av1::GetRevisionRequest* req,
                                                             av1::Revision* resp) {
  MGI_AUTHORIZE(principal, Permission::kReadDrafts);
  return Offload(c, *executor_,
                 [this, req, resp] { return Answer(manager_->GetRevision(*req), resp); });
}

// Reads: anyone may read published data (with public read on); drafts need read-drafts.

grpc::ServerUnaryReactor* AssessmentGrpcService::ListProfiles(grpc::CallbackServerContext* c,
                                                              const av1::ListProfilesRequest* req,
                                                              av1::ListProfilesResponse* resp) {
  MGI_AUTHORIZE(principal, Permission::kReadPublished);
  av1::ListProfilesRequest narrowed = *req;
  if (!authorizer_->Allows(*principal, Permission::kReadDrafts)) {
    auto filter = PublishedOnlyFilter(req->filter());
    if (!filter) return FinishNow(c, authorizer_->Require(*principal, Permission::kReadDrafts));
    narrowed.set_filter(*filter);
  }
  return Offload(c, *executor_,
                 [this, narrowed, resp] { return Answer(manager_->ListProfiles(narrowed), resp); });
}

grpc::ServerUnaryReactor* AssessmentGrpcService::GetProfile(grpc::CallbackServerContext* c,
                                                            const av1::GetProfileRequest* req,
                                                            av1::Profile* resp) {
  MGI_AUTHORIZE(principal, Permission::kReadPublished);
  Principal who = *principal;
  return Offload(c, *executor_, [this, req, resp, who] {
    auto profile = manager_->GetProfile(*req);
    if (profile.ok() && profile->state() == av1::PROFILE_STATE_DRAFT) {
      if (auto st = authorizer_->Require(who, Permission::kReadDrafts); !st.ok()) return st;
    }
    return Answer(std::move(profile), resp);
  });
}

grpc::ServerUnaryReactor* AssessmentGrpcService::CompareProfiles(
    grpc::CallbackServerContext* c, const av1::CompareProfilesRequest* req,
    av1::CompareProfilesResponse* resp) {
  MGI_AUTHORIZE(principal, Permission::kReadPublished);
  Principal who = *principal;
  return Offload(c, *executor_, [this, req, resp, who] {
    if (!authorizer_->Allows(who, Permission::kReadDrafts)) {
      for (const std::string& name : {req->name(), req->other()}) {
        av1::GetProfileRequest get;
        get.set_name(name);
        auto profile = manager_->GetProfile(get);
        if (profile.ok() && profile->state() == av1::PROFILE_STATE_DRAFT) {
          return authorizer_->Require(who, Permission::kReadDrafts);
        }
      }
    }
    return Answer(manager_->CompareProfiles(*req), resp);
  });
}

grpc::ServerUnaryReactor* AssessmentGrpcService::ExportProfiles(
    grpc::CallbackServerContext* c, const av1::ExportProfilesRequest* req,
    av1::ProfileDocument* resp) {
  MGI_AUTHORIZE(principal, Permission::kReadPublished);
  Principal who = *principal;
  av1::ExportProfilesRequest narrowed = *req;
  if (!authorizer_->Allows(who, Permission::kReadDrafts) && req->name().empty()) {
    auto filter = PublishedOnlyFilter(req->filter());
    if (!filter) return FinishNow(c, authorizer_->Require(who, Permission::kReadDrafts));
    narrowed.set_filter(*filter);
  }
  return Offload(c, *executor_, [this, narrowed, resp, who] {
    auto document = manager_->ExportProfiles(narrowed);
    if (document.ok()) {
      for (const auto& p : document->profiles()) {
        if (p.state() != av1::PROFILE_STATE_DRAFT) continue;
        if (auto st = authorizer_->Require(who, Permission::kReadDrafts); !st.ok()) return st;
      }
    }
    return Answer(std::move(document), resp);
  });
}

}  // namespace mgi::assessment
