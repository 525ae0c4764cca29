// The report service's peers, as small interfaces: the assessment service (profiles and their
// comparison) and the catalog (domains, framework, countries). gRPC clients implement them in
// production; fakes in tests. Every call takes the credentials it is made with (the end caller's,
// from its CallContext): there is no peer call without them.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/peer_auth.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "mgi/catalog/v1/resources.pb.h"

namespace mgi::report {

class AssessmentPeer {
 public:
  virtual ~AssessmentPeer() = default;
  // NOT_FOUND when the profile does not exist.
  virtual absl::StatusOr<mgi::assessment::v1::Profile> GetProfile(
      const std::string& name, const std::string& language, const PeerCredentials& credentials) = 0;
  virtual absl::StatusOr<mgi::assessment::v1::CompareProfilesResponse> CompareProfiles(
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
