// libFuzzer target over the catalog's data files (services/catalog/catalog_data.h: framework.json
// and indicators/*.json, docs/catalog-data.md) and the gettext catalogs of country names
// (mo_file.h), then the catalog built on data that loads.
// Input: the first byte picks the file: 'F' framework.json (with the sample's d1 indicators),
// 'I' an indicators file (with the sample's framework.json), anything else a .mo file; the rest
// is the file. Properties:
//   - a data directory either loads or fails with FAILED_PRECONDITION listing its problems;
//   - loaded data is consistent: unique indicator ids, each indicator's domain and sub-area
//     indexes point at its own domain and sub-area, English text present; the Catalog built on it
//     serves the framework, the domains and every indicator, in English and French;
//   - a .mo file parses into entries with a msgid and a msgstr, or is INVALID_ARGUMENT.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "services/catalog/catalog.h"
#include "services/catalog/mo_file.h"
#include "fuzz_util.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = mgi::catalog::v1;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Fixture {
  std::string dir;
  std::string framework = Slurp(std::string(MGI_SOURCE_DIR) + "/data/catalog/framework.json");
  std::string indicators = Slurp(std::string(MGI_SOURCE_DIR) +
                                 "/data/catalog/indicators/d1-migrants-rights.json");
  mgi::catalog::Countries countries;
  Fixture() {
    const char* shm = fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    dir = std::string(shm) + "/mgi-fuzz-catalog-" + std::to_string(getpid());
    fs::create_directories(dir + "/indicators");
    auto c = mgi::catalog::Countries::Load("/usr/share/iso-codes/json", "/usr/share/locale", {"fr"});
    MGI_REQUIRE(c.ok(), "iso-codes loads (apt-get install iso-codes)");
    countries = *std::move(c);
  }
  ~Fixture() { fs::remove_all(dir); }
  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir + "/" + name, std::ios::binary | std::ios::trunc) << content;
  }
};

Fixture& TheFixture() {
  static Fixture* f = new Fixture();
  return *f;
}

void CheckLoaded(const mgi::catalog::CatalogData& data) {
  std::set<std::string> ids;
  const auto& domains = data.framework.domains;
  for (const auto& ind : data.indicators) {
    MGI_REQUIRE(ids.insert(ind.id).second, "indicator ids are unique");
    MGI_REQUIRE(ind.domain_index >= 0 && static_cast<size_t>(ind.domain_index) < domains.size(),
                "an indicator's domain index is a domain");
    const auto& domain = domains[ind.domain_index];
    MGI_REQUIRE(domain.id == ind.domain_id, "an indicator's domain index is its domain");
    MGI_REQUIRE(ind.sub_area_index >= 0 &&
                    static_cast<size_t>(ind.sub_area_index) < domain.sub_areas.size(),
                "an indicator's sub-area index is a sub-area of its domain");
    MGI_REQUIRE(domain.sub_areas[ind.sub_area_index].id == ind.sub_area_id,
                "an indicator's sub-area index is its sub-area");
    MGI_REQUIRE(ind.text.count("en") == 1, "an indicator has English text");
  }
  mgi::catalog::Catalog catalog(data, TheFixture().countries);
  for (const char* language : {"en", "fr"}) {
    v1::GetFrameworkRequest fw;
    fw.set_language(language);
    MGI_REQUIRE(catalog.GetFramework(fw).ok(), "the framework is served");
    v1::ListDomainsRequest ld;
    ld.set_language(language);
    auto listed = catalog.ListDomains(ld);
    MGI_REQUIRE(listed.ok(), "the domains are listed");
    for (const auto& d : listed->domains()) {
      v1::GetDomainRequest gd;
      gd.set_name(d.name());
      gd.set_language(language);
      MGI_REQUIRE(catalog.GetDomain(gd).ok(), "a listed domain is served");
    }
    for (const auto& ind : data.indicators) {
      v1::GetIndicatorRequest gi;
      gi.set_name("indicators/" + ind.id);
      gi.set_language(language);
      MGI_REQUIRE(catalog.GetIndicator(gi).ok(), "every indicator is served");
    }
    v1::ListIndicatorsRequest li;
    li.set_language(language);
    li.set_page_size(1000);
    auto all = catalog.ListIndicators(li);
    MGI_REQUIRE(all.ok(), "the indicators are listed");
    v1::SearchIndicatorsRequest si;
    si.set_query("migrant");
    si.set_language(language);
    (void)catalog.SearchIndicators(si);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string file(mgi::fuzz::AsView(data + 1, size - 1));
  Fixture& f = TheFixture();
  if (data[0] == 'F' || data[0] == 'I') {
    f.Write("framework.json", data[0] == 'F' ? file : f.framework);
    f.Write("indicators/x.json", data[0] == 'I' ? file : f.indicators);
    auto loaded = mgi::catalog::LoadCatalogData(f.dir);
    if (!loaded.ok()) {
      MGI_REQUIRE(loaded.status().code() == absl::StatusCode::kFailedPrecondition,
                  "bad data is FAILED_PRECONDITION");
      return 0;
    }
    CheckLoaded(*loaded);
    return 0;
  }
  auto mo = mgi::catalog::ParseMo(file, "fuzz.mo");
  if (!mo.ok()) {
    MGI_REQUIRE(mo.status().code() == absl::StatusCode::kInvalidArgument,
                "a bad .mo is INVALID_ARGUMENT");
    return 0;
  }
  for (const auto& [id, str] : *mo) {
    MGI_REQUIRE(!id.empty() && !str.empty(), "entries have a msgid and a msgstr");
  }
  return 0;
}
