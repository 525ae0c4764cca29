#include "services/common/access.h"

#include <google/protobuf/descriptor.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status.h"
#include "mgi/api/v1/access.pb.h"

namespace mgi {
namespace {

namespace apiv1 = ::mgi::api::v1;

std::optional<Permission> FromProto(apiv1::Permission permission) {
  switch (permission) {
    case apiv1::PERMISSION_READ_PUBLISHED:
      return Permission::kReadPublished;
    case apiv1::PERMISSION_READ_DRAFTS:
      return Permission::kReadDrafts;
    case apiv1::PERMISSION_WRITE_DRAFTS:
      return Permission::kWriteDrafts;
    case apiv1::PERMISSION_PUBLISH:
      return Permission::kPublish;
    default:
      return std::nullopt;
  }
}

// The decisions of the calls in progress, by server context. An entry lives from the call's
// initial metadata to the end of the call (the interceptor's destruction).
class Decisions {
 public:
  void Put(const grpc::ServerContextBase* context, absl::StatusOr<CallContext> decision) {
    std::lock_guard<std::mutex> lock(mu_);
    map_.insert_or_assign(context, std::move(decision));
  }
  void Erase(const grpc::ServerContextBase* context) {
    std::lock_guard<std::mutex> lock(mu_);
    map_.erase(context);
  }
  std::optional<absl::StatusOr<CallContext>> Get(const grpc::ServerContextBase* context) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(context);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::mutex mu_;
  std::unordered_map<const grpc::ServerContextBase*, absl::StatusOr<CallContext>> map_
      ABSL_GUARDED_BY(mu_);
};

Decisions& AllDecisions() {
  static auto* decisions = new Decisions();
  return *decisions;
}

bool IsGrpcOwn(const std::string& full_method_or_service) {
  return absl::StartsWith(full_method_or_service, "/grpc.") ||
         absl::StartsWith(full_method_or_service, "grpc.");
}

class AccessInterceptor final : public grpc::experimental::Interceptor {
 public:
  AccessInterceptor(grpc::experimental::ServerRpcInfo* info, const AccessControl* access)
      : context_(info->server_context()), method_(info->method()), access_(access) {}
  ~AccessInterceptor() override { AllDecisions().Erase(context_); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA) &&
        !IsGrpcOwn(method_)) {
      AllDecisions().Put(context_, access_->Decide(method_, *methods->GetRecvInitialMetadata()));
    }
    methods->Proceed();
  }

 private:
  const grpc::ServerContextBase* context_;
  std::string method_;
  const AccessControl* access_;
};

class AccessInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AccessInterceptorFactory(const AccessControl* access) : access_(access) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new AccessInterceptor(info, access_);
  }

 private:
  const AccessControl* access_;
};

}  // namespace

std::optional<Permission> DeclaredPermission(const google::protobuf::MethodDescriptor& method) {
  if (!method.options().HasExtension(apiv1::access)) return std::nullopt;
  return FromProto(method.options().GetExtension(apiv1::access).permission());
}

std::optional<Permission> DeclaredPermission(const std::string& full_method) {
  const auto* method = FindMethod(full_method);
  return method ? DeclaredPermission(*method) : std::nullopt;
}

const google::protobuf::MethodDescriptor* FindMethod(const std::string& full_method) {
  // "/pkg.Service/Method" -> "pkg.Service.Method"
  if (full_method.size() < 2 || full_method[0] != '/') return nullptr;
  std::string name = full_method.substr(1);
  size_t slash = name.find('/');
  if (slash == std::string::npos) return nullptr;
  name[slash] = '.';
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
}

absl::Status CheckAccessDeclared(const std::vector<std::string>& service_names) {
  std::vector<std::string> problems;
  for (const std::string& name : service_names) {
    if (IsGrpcOwn(name)) continue;
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) {
      problems.push_back(absl::StrCat(name, " (no descriptor: its access cannot be read)"));
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      if (!DeclaredPermission(*service->method(i))) problems.push_back(service->method(i)->full_name());
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "every RPC must declare its access with option (mgi.api.v1.access) = {permission: ...}; "
      "none declared by: ",
      absl::StrJoin(problems, ", ")));
}

bool CallContext::Allows(Permission permission) const {
  return authorizer_ != nullptr && authorizer_->Allows(principal_, permission);
}

absl::Status CallContext::Require(Permission permission) const {
  if (authorizer_ == nullptr) return absl::PermissionDeniedError("no access policy");
  return authorizer_->Require(principal_, permission);
}

CallContext CallContext::ForTesting(Principal principal, const Authorizer* authorizer,
                                    PeerCredentials credentials) {
  return CallContext(std::move(principal), authorizer, std::move(credentials));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
AccessControl::InterceptorFactory() const {
  return std::make_unique<AccessInterceptorFactory>(this);
}

absl::StatusOr<CallContext> AccessControl::Decide(
    const std::string& full_method,
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
  const google::protobuf::MethodDescriptor* method = FindMethod(full_method);
  std::optional<Permission> permission = method ? DeclaredPermission(*method) : std::nullopt;
  if (!permission) {
    return absl::FailedPreconditionError(
        absl::StrCat(full_method, " declares no access permission"));
  }
  auto principal = authorizer_->Authenticate(metadata);
  if (!principal.ok()) return principal.status();
  if (auto st = authorizer_->Require(*principal, *permission); !st.ok()) return st;
  return CallContext(*std::move(principal), authorizer_, PeerCredentials::Forward(metadata));
}

absl::StatusOr<CallContext> CallAccess(const grpc::ServerContextBase* context) {
  auto decision = AllDecisions().Get(context);
  if (!decision) {
    return absl::FailedPreconditionError(
        "no access decision for this call: the server was started without access control");
  }
  return *std::move(decision);
}

}  // namespace mgi
