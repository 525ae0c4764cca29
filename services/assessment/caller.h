// Who is calling an operation of the assessment logic, passed in explicitly by the adapter.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "services/common/peer_auth.h"
#include "mgi/assessment/v1/assessment_service.pb.h"

namespace mgi::assessment {

namespace av1 = mgi::assessment::v1;

// Who is calling and what they may do, decided by the adapter from the caller's token and passed
// into every operation: the manager enforces the rules that depend on the data (a draft's
// visibility, the states an import writes); the method's own permission is enforced before.
struct Caller {
  std::string actor = "anonymous";  // recorded in revisions
  // OK when the caller may read drafts, else the refusal to answer (UNAUTHENTICATED for an
  // anonymous caller, PERMISSION_DENIED naming the role needed).
  absl::Status read_drafts = absl::PermissionDeniedError("drafts need the role viewer or higher");
  bool may_publish = false;  // publish and archive, and write published or archived profiles
  // The credentials of the catalog calls made for this caller.
  PeerCredentials credentials = PeerCredentials::Anonymous();

  bool may_read_drafts() const { return read_drafts.ok(); }
  // The service itself (seeding) and tests: every right, with `credentials` for the catalog.
  static Caller System(std::string actor, PeerCredentials credentials) {
    return Caller{std::move(actor), absl::OkStatus(), true, std::move(credentials)};
  }
};

}  // namespace mgi::assessment
