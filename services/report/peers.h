// The report service's peers, as small interfaces: the assessment service (profiles and their
// comparison) and the catalog (domains, framework, countries). gRPC clients implement them in
// production; fakes in tests. Every call takes the credentials it is made with (the end caller's,
// from its CallContext): there is no peer call without them.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/digest.h"
#include "services/common/peer_auth.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "mgi/catalog/v1/resources.pb.h"

namespace mgi::report {

// Answers of the assessment service with the digest of their content, shared: a copy kept by
// version may serve many reports, and a rendering's key names the digest, not the bytes.
using FetchedProfile = Digested<mgi::assessment::v1::Profile>;
using FetchedComparison = Digested<mgi::assessment::v1::CompareProfilesResponse>;

class AssessmentPeer {
 public:
  using ProfileDone = std::function<void(absl::StatusOr<std::shared_ptr<const FetchedProfile>>)>;
  virtual ~AssessmentPeer() = default;
  // NOT_FOUND when the profile does not exist. Never null when OK.
  virtual absl::StatusOr<std::shared_ptr<const FetchedProfile>> GetProfile(
      const std::string& name, const std::string& language, const PeerCredentials& credentials) = 0;
  // The same without blocking: `done` gets the answer, on a thread where it must not block
  // (gRPC's, for the gRPC peer), by `deadline` at the latest (the caller's own; the peer's
  // configured deadline may be sooner). By default GetProfile, then `done` on the calling thread.
  virtual void GetProfileAsync(const std::string& name, const std::string& language,
                               const PeerCredentials& credentials,
                               std::chrono::system_clock::time_point deadline, ProfileDone done) {
    (void)deadline;
    done(GetProfile(name, language, credentials));
  }
  virtual absl::StatusOr<std::shared_ptr<const FetchedComparison>> CompareProfiles(
      const std::string& name, const std::string& other, const std::string& language,
      const PeerCredentials& credentials) = 0;
};

class CatalogPeer {
 public:
  virtual ~CatalogPeer() = default;
  // The six domains in catalog order.
  virtual absl::StatusOr<std::vector<mgi::catalog::v1::Domain>> ListDomains(
      const std::string& language, const PeerCredentials& credentials) = 0;
  virtual absl::StatusOr<mgi::catalog::v1::Framework> GetFramework(
      const std::string& language, const PeerCredentials& credentials) = 0;
  virtual absl::StatusOr<mgi::catalog::v1::Country> GetCountry(
      const std::string& name, const std::string& language,
      const PeerCredentials& credentials) = 0;
};

}  // namespace mgi::report
