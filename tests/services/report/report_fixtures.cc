#include "report_fixtures.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "services/common/status.h"

namespace mgi::report::testing {

namespace av1 = mgi::assessment::v1;
namespace cv1 = mgi::catalog::v1;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  if (!out) throw std::runtime_error("cannot write " + path);
}

template <typename M>
M Parse(const std::string& json) {
  M message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  if (!status.ok()) throw std::runtime_error("bad fixture JSON: " + status.ToString());
  return message;
}

const Renderer& TheRenderer() {
  static const Renderer* renderer = [] {
    auto r = Renderer::Load(MGI_SOURCE_DIR "/data/report/templates",
                            MGI_SOURCE_DIR "/data/report/messages");
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    return r->release();
  }();
  return *renderer;
}

av1::Profile Guatemala() {
  auto doc = Parse<av1::ProfileDocument>(ReadFile(MGI_SOURCE_DIR "/data/profiles/gtm-2022.json"));
  for (const auto& p : doc.profiles()) {
    if (p.name() == "profiles/gtm-2022") return p;
  }
  throw std::runtime_error("gtm-2022 missing from data/profiles/gtm-2022.json");
}

CatalogData Catalog(const std::string& language) {
  static const nlohmann::json all = nlohmann::json::parse(
      ReadFile(MGI_SOURCE_DIR "/tests/services/report/fixtures/catalog.json"));
  const auto& j = all.contains(language) ? all.at(language) : all.at("en");
  CatalogData out;
  for (const auto& d : j.at("domains")) out.domains.push_back(Parse<cv1::Domain>(d.dump()));
  out.framework = Parse<cv1::Framework>(j.at("framework").dump());
  out.country = Parse<cv1::Country>(j.at("country").dump());
  return out;
}

ReportInputs Inputs(const av1::Profile& profile, const std::string& language) {
  CatalogData catalog = Catalog(language);
  ReportInputs inputs;
  inputs.language = language;
  inputs.profile = MakeDigested(profile);
  inputs.domains = catalog.domains;
  inputs.framework = catalog.framework;
  inputs.country = catalog.country;
  return inputs;
}

av1::Profile Scaled(const av1::Profile& profile, int factor) {
  av1::Profile out = profile;
  for (auto& d : *out.mutable_domains()) {
    for (auto* group : {d.mutable_well_developed(), d.mutable_further_development()}) {
      auto original = *group;
      group->Clear();
      for (int i = 0; i < factor; ++i) {
        for (const auto& f : original) {
          auto* copy = group->Add();
          *copy = f;
          for (auto& [lang, text] : *copy->mutable_text()) {
            text = "[" + std::to_string(i + 1) + "] " + text;
          }
        }
      }
    }
  }
  return out;
}

std::vector<std::string> HostileTexts() {
  std::string long_text;
  while (long_text.size() < 5000) long_text += "Longword" + std::to_string(long_text.size()) + " ";
  long_text.resize(5000);
  return {
      "<script>alert(\"x\")</script> & <b>bold</b> 'single' \"double\"",
      "# Heading *emphasis* _under_ [link](http://evil.example) `code` | pipe | ![img](x.png)",
      "1. not a list\n- nor this\n\n> quote",
      "قانون الهجرة العربي الجديد (2021) يحمي حقوق المهاجرين",
      "Emoji 🌍🧳👨‍👩‍👧 and CJK 移民治理 and combining é",
      "</li></ul><img src=x onerror=alert(1)>]]><!--",
      long_text,
  };
}

av1::Profile Hostile() {
  av1::Profile p = Guatemala();
  auto texts = HostileTexts();
  for (int d = 0; d < p.domains_size(); ++d) {
    auto* f = p.mutable_domains(d)->add_well_developed();
    f->set_finding_id("hostile-" + std::to_string(d));
    (*f->mutable_text())["en"] = texts[static_cast<size_t>(d) % texts.size()];
  }
  auto* last = p.mutable_domains(0)->add_further_development();
  (*last->mutable_text())["en"] = texts.back();
  return p;
}

absl::StatusOr<std::shared_ptr<const FetchedProfile>> FakeAssessment::GetProfile(const std::string& name,
                                                        const std::string&,
                                                        const PeerCredentials& credentials) {
  ++get_calls;
  last_credentials = credentials;
  auto it = profiles.find(name);
  if (it == profiles.end()) return NotFound(name);
  return MakeDigested(it->second);
}

absl::StatusOr<std::shared_ptr<const FetchedComparison>> FakeAssessment::CompareProfiles(
    const std::string& name, const std::string& other, const std::string&,
    const PeerCredentials& credentials) {
  last_credentials = credentials;
  ++compare_calls;
  if (!profiles.count(name)) return NotFound(name);
  if (!profiles.count(other)) return NotFound(other);
  return MakeDigested(comparison);
}

absl::StatusOr<std::vector<cv1::Domain>> FakeCatalog::ListDomains(const std::string& language,
                                                                  const PeerCredentials&) {
  ++calls;
  if (!fail.ok()) return fail;
  return Catalog(language).domains;
}

absl::StatusOr<cv1::Framework> FakeCatalog::GetFramework(const std::string& language,
                                                          const PeerCredentials&) {
  ++calls;
  if (!fail.ok()) return fail;
  return Catalog(language).framework;
}

absl::StatusOr<cv1::Country> FakeCatalog::GetCountry(const std::string& name,
                                                     const std::string& language,
                                                     const PeerCredentials&) {
  ++calls;
  if (!fail.ok()) return fail;
  if (name != "countries/GTM") return NotFound(name);
  return Catalog(language).country;
}

std::string RunCommand(const std::string& command, int* code) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int status = pclose(pipe);
  if (code != nullptr) *code = WEXITSTATUS(status);
  return out;
}

}  // namespace mgi::report::testing
