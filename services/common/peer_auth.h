// The authorization a service's calls to its peers carry (see docs/security.md):
//
// - while serving a call (inside a CallerScope), the end caller's `authorization` metadata is
//   forwarded unchanged, or none when the caller sent none: a peer decides with the caller's
//   rights, never more;
// - outside any call (work a service does on its own behalf, e.g. seeding at start), the service
//   token from --service-token-file (suite-wide MGI_SERVICE_TOKEN_FILE), if one is configured.
//
// The token is held in memory only and never logged.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <string>

#include "absl/status/status.h"
#include "common/config.h"

namespace mgi {

// Registers service-token-file (suite-wide) into `path`.
void RegisterServiceTokenFlag(Config& config, std::string* path);

// Reads the service token (the file's content, surrounding whitespace stripped) and installs it
// for the whole process. An empty path installs none. Errors name the option, never the content.
absl::Status LoadServiceToken(const std::string& path);

// Marks the current thread as serving the call of `context` until destroyed: peer calls made on
// this thread forward that caller's authorization. Scopes nest (the innermost wins).
class CallerScope {
 public:
  explicit CallerScope(const grpc::ServerContextBase& context);
  // For callers that already hold the header values (tests, non-gRPC front ends).
  explicit CallerScope(std::string authorization);
  ~CallerScope();
  CallerScope(const CallerScope&) = delete;
  CallerScope& operator=(const CallerScope&) = delete;

 private:
  friend void AttachPeerAuthorization(grpc::ClientContext& context);
  std::string authorization_;
  const CallerScope* previous_;
};

// Adds the authorization described above to a peer call's context.
void AttachPeerAuthorization(grpc::ClientContext& context);

}  // namespace mgi
