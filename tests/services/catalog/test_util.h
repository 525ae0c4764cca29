// Helpers for the catalog tests: fixture paths and throwaway data directories.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mgi::catalog::testing {

inline std::string SourcePath(const std::string& rel) {
  return std::string(MGI_SOURCE_DIR) + "/" + rel;
}
inline std::string Fixture(const std::string& rel) {
  return SourcePath("tests/services/catalog/testdata/" + rel);
}
inline std::string RealDataDir() { return SourcePath("data/catalog"); }

// A fresh directory holding `framework` as framework.json and `indicator_files` under indicators/.
inline std::string MakeDataDir(const std::string& framework,
                               const std::vector<std::string>& indicator_files) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "mgi-catalog-test-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  fs::create_directories(fs::path(dir) / "indicators");
  fs::copy_file(framework, fs::path(dir) / "framework.json");
  for (const auto& f : indicator_files) {
    fs::copy_file(f, fs::path(dir) / "indicators" / fs::path(f).filename());
  }
  return dir;
}

}  // namespace mgi::catalog::testing
