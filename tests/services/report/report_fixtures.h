// Test inputs for the report renderer: the Guatemala 2022 profile from data/profiles, a catalog
// snapshot (fixtures/catalog.json), hostile content, and fake peers.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "services/report/peers.h"
#include "services/report/renderer.h"
#include "services/report/report_view.h"

namespace mgi::report::testing {

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);

// The renderer over the project's data/report templates and messages.
const Renderer& TheRenderer();

mgi::assessment::v1::Profile Guatemala();
// Catalog data for one language ("en", "fr", "es").
struct CatalogData {
  std::vector<mgi::catalog::v1::Domain> domains;
  mgi::catalog::v1::Framework framework;
  mgi::catalog::v1::Country country;
};
CatalogData Catalog(const std::string& language);
ReportInputs Inputs(const mgi::assessment::v1::Profile& profile, const std::string& language);

// The profile with every finding multiplied `factor` times (distinct texts).
mgi::assessment::v1::Profile Scaled(const mgi::assessment::v1::Profile& profile, int factor);
// Hostile findings: markup, quotes, RTL text, emoji, Markdown syntax, a 5,000-character text.
std::vector<std::string> HostileTexts();
mgi::assessment::v1::Profile Hostile();

class FakeAssessment final : public AssessmentPeer {
 public:
  std::map<std::string, mgi::assessment::v1::Profile> profiles;
  mgi::assessment::v1::CompareProfilesResponse comparison;
  int get_calls = 0;
  int compare_calls = 0;
  // The credentials of the last call (each call must carry the caller's).
  PeerCredentials last_credentials = PeerCredentials::Anonymous();
  absl::StatusOr<std::shared_ptr<const FetchedProfile>> GetProfile(
      const std::string& name, const std::string& language,
      const PeerCredentials& credentials) override;
  absl::StatusOr<std::shared_ptr<const FetchedComparison>> CompareProfiles(
      const std::string& name, const std::string& other, const std::string& language,
      const PeerCredentials& credentials) override;
};

class FakeCatalog final : public CatalogPeer {
 public:
  absl::Status fail;  // returned by every call when not OK
  int calls = 0;      // every call, failed or not
  absl::StatusOr<std::vector<mgi::catalog::v1::Domain>> ListDomains(
      const std::string& language, const PeerCredentials&) override;
  absl::StatusOr<mgi::catalog::v1::Framework> GetFramework(const std::string& language,
                                                           const PeerCredentials&) override;
  absl::StatusOr<mgi::catalog::v1::Country> GetCountry(const std::string& name,
                                                       const std::string& language,
                                                       const PeerCredentials&) override;
};

// Runs a command, returns its stdout; the exit code goes to *code.
std::string RunCommand(const std::string& command, int* code = nullptr);

}  // namespace mgi::report::testing
