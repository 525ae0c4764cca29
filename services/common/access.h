// Access control declared once, in the contracts: every RPC carries the method option
// `(mgi.api.v1.access) = {permission: ...}` (protos/mgi/api/v1/access.proto). This file reads it
// from the method descriptors and enforces it for every call, knowing no service and no RPC:
//
// - CheckAccessDeclared, called by the server bootstrap, refuses to start a server one of whose
//   methods declares no permission;
// - AccessControl's interceptor authenticates each call and checks the declared permission
//   before the handler runs; the handler gets the outcome through Offload/Serve
//   (common/executor.h): a CallContext (who is calling, what they may do, the credentials for
//   peer calls), or the refusal, which finishes the call without running the handler's body.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "services/common/peer_auth.h"

namespace google::protobuf {
class MethodDescriptor;
}  // namespace google::protobuf

namespace mgi {

// The permission `method` declares with (mgi.api.v1.access); nullopt when it declares none (or
// PERMISSION_UNSPECIFIED).
std::optional<Permission> DeclaredPermission(const google::protobuf::MethodDescriptor& method);
// The same by full gRPC path ("/pkg.Service/Method"); nullopt for an unknown method too.
std::optional<Permission> DeclaredPermission(const std::string& full_method);
// The method of a full gRPC path ("/pkg.Service/Method") in the generated descriptor pool.
const google::protobuf::MethodDescriptor* FindMethod(const std::string& full_method);

// OK when every method of every service in `service_names` (full names; gRPC's own "grpc.*"
// services are skipped) declares a permission; else FAILED_PRECONDITION naming each method that
// does not, or a service the descriptor pool does not know.
absl::Status CheckAccessDeclared(const std::vector<std::string>& service_names);

// What the handler of one call knows about its caller. Made by AccessControl only (and by
// ForTesting in unit tests of adapters' logic).
class CallContext {
 public:
  const Principal& principal() const { return principal_; }
  // Whether the caller has `permission` (e.g. read-drafts, for data-dependent checks).
  bool Allows(Permission permission) const;
  // OK, or the refusal (UNAUTHENTICATED / PERMISSION_DENIED) naming what is missing.
  absl::Status Require(Permission permission) const;
  // The caller's own credentials, for the peer calls made on its behalf.
  const PeerCredentials& credentials() const { return credentials_; }

  static CallContext ForTesting(Principal principal, const Authorizer* authorizer,
                                PeerCredentials credentials);

 private:
  friend class AccessControl;
  CallContext(Principal principal, const Authorizer* authorizer, PeerCredentials credentials)
      : principal_(std::move(principal)),
        authorizer_(authorizer),
        credentials_(std::move(credentials)) {}
  Principal principal_;
  const Authorizer* authorizer_;
  PeerCredentials credentials_;
};

// Enforces the declared permissions of a server's methods. Thread-safe; must outlive the server.
class AccessControl {
 public:
  explicit AccessControl(const Authorizer* authorizer) : authorizer_(authorizer) {}

  // The interceptor to install on the server (RunningServer does it).
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory() const;

  // The decision for a call of `full_method` with `metadata`: the caller's context, or why it is
  // refused (UNAUTHENTICATED, PERMISSION_DENIED; FAILED_PRECONDITION for a method declaring no
  // permission, which CheckAccessDeclared keeps from ever serving).
  absl::StatusOr<CallContext> Decide(
      const std::string& full_method,
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;

  const Authorizer* authorizer() const { return authorizer_; }

 private:
  const Authorizer* authorizer_;
};

// The decision the interceptor recorded for the call of `context`; FAILED_PRECONDITION when none
// was (a server without AccessControl: nothing is served unchecked).
absl::StatusOr<CallContext> CallAccess(const grpc::ServerContextBase* context);

}  // namespace mgi
