// The catalog's data as loaded from the data directory: the MiGOF framework with its domains and
// sub-areas, and the indicators. Loading validates everything and reports every problem at once,
// each naming its file and entry. The format is documented in docs/catalog-data.md.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <ostream>

#include "absl/status/statusor.h"
#include "services/common/config.h"
#include "mgi/catalog/v1/resources.pb.h"

namespace mgi::catalog {

// v1:: below is the generated mgi::catalog::v1 (no alias: clang refuses an alias that redefines
// the namespace it names).

// The only data format version this build reads.
inline constexpr int kDataFormatVersion = 1;

// A text in one language; `unverified` marks a translation not checked against an IOM source.
struct Text {
  std::string text;
  bool unverified = false;
};
// Texts by normalized BCP 47 tag ("en", "fr", "pt-BR"). English is present whenever required.
using LocalizedText = std::map<std::string, Text>;

struct SubAreaData {
  std::string id;
  LocalizedText display_name;
  std::vector<v1::Level> levels;
  bool levels_unverified = false;  // "levels_unverified": true: no IOM source for `levels`
};

struct DomainData {
  std::string id;  // "migrants-rights"; the resource name is "domains/" + id
  int number = 0;  // 1-based display order
  LocalizedText display_name;
  LocalizedText local_display_name;  // may be empty: then display_name applies
  LocalizedText national_description;
  LocalizedText local_description;
  std::vector<SubAreaData> sub_areas;
};

struct MigofElementData {
  v1::MigofElementKind kind = v1::MIGOF_ELEMENT_KIND_UNSPECIFIED;
  int number = 0;
  LocalizedText statement;
  LocalizedText short_form;
  std::string domain_id;
};

struct FrameworkData {
  std::string edition;
  LocalizedText display_name;
  LocalizedText introduction;
  std::vector<MigofElementData> principles;
  std::vector<MigofElementData> objectives;
  std::vector<DomainData> domains;
};

struct ScalePointData {
  v1::ScaleValue value = v1::SCALE_VALUE_UNSPECIFIED;
  LocalizedText label;
};

struct IndicatorData {
  std::string id;  // "n-1-01"; the resource name is "indicators/" + id
  std::string domain_id;
  std::string sub_area_id;
  v1::Level level = v1::LEVEL_UNSPECIFIED;
  LocalizedText text;
  std::vector<ScalePointData> scale;
  std::string framework_edition;
  bool sample = false;
  std::string source_note;
  std::string file;        // where it was loaded from
  int domain_index = 0;    // position of its domain in FrameworkData::domains
  int sub_area_index = 0;  // position of its sub-area in that domain
};

struct CatalogData {
  FrameworkData framework;
  std::vector<IndicatorData> indicators;  // catalog order: domain, sub-area, id
};

// Loads `dir`/framework.json and every `dir`/indicators/*.json (in file-name order). Any problem
// (malformed JSON, wrong format_version, unknown domain or sub-area, duplicate id, missing English
// text, bad scale...) makes the whole load fail with FAILED_PRECONDITION whose message lists every
// problem as "<file>: <entry>: <what>", one per line.
absl::StatusOr<CatalogData> LoadCatalogData(const std::string& dir);

// Checks a data directory the way the service loads it and reports to `out` (a summary: domains,
// sub-areas, indicators per level, languages, sample or not, unverified texts) or to `err` (every
// problem, one per line). Returns the process exit code: 0 valid, 1 invalid.
int CheckDataDirectory(const std::string& dir, std::ostream& out, std::ostream& err);

// `mgi-catalog --check-data DIR`: check the data and exit without serving.
class DataCheckFlag {
 public:
  // Registers --check-data on `config`.
  explicit DataCheckFlag(Config& config);
  bool requested() const { return !dir_.empty(); }
  // CheckDataDirectory on stdout and stderr.
  int Run() const;

 private:
  std::string dir_;
};

}  // namespace mgi::catalog
