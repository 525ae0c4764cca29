// The authorization a service's calls to its peers carry (see docs/security.md). It is always
// explicit: every peer call takes a PeerCredentials, and there is no default one.
//
// - While serving a call, the handler's CallContext (common/access.h) holds the end caller's
//   credentials: its `authorization` metadata, forwarded unchanged (or none when it sent none), so
//   a peer decides with the caller's rights, never more.
// - Work a service does on its own behalf (e.g. seeding at start) uses the service token from
//   --service-token-file (suite-wide MGI_SERVICE_TOKEN_FILE), loaded at start and passed by main
//   to that work only.
//
// A token is held in memory only and never logged.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/config.h"

namespace mgi {

class PeerCredentials {
 public:
  // The caller's own credentials, from the metadata of the call being served.
  static PeerCredentials Forward(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);
  // The service's own token from `path` (its content, surrounding whitespace stripped); an empty
  // path gives Anonymous(). Errors name the option, never the content.
  static absl::StatusOr<PeerCredentials> FromServiceTokenFile(const std::string& path);
  // No credentials at all (public reads only). Explicit, for work that needs no rights.
  static PeerCredentials Anonymous() { return PeerCredentials(""); }

  // Adds the `authorization` metadata (if any) to a peer call.
  void Attach(grpc::ClientContext& context) const;
  bool empty() const { return authorization_.empty(); }
  // Whether two credentials are the same (tests; never print them).
  bool operator==(const PeerCredentials& other) const = default;

 private:
  explicit PeerCredentials(std::string authorization) : authorization_(std::move(authorization)) {}
  std::string authorization_;  // "Bearer <token>" or empty
};

// Registers service-token-file (suite-wide) into `path`.
void RegisterServiceTokenFlag(Config& config, std::string* path);

}  // namespace mgi
