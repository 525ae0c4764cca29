// Writes the HTML reports the browser test opens: the Guatemala 2022 profile in English and a
// hostile profile. Usage: report_render_fixture <output-dir>
#include <filesystem>
#include <iostream>

#include "report_fixtures.h"

int main(int argc, char** argv) {
  using namespace mgi::report::testing;
  if (argc != 2) {
    std::cerr << "usage: report_render_fixture <output-dir>\n";
    return 2;
  }
  std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  for (const auto& [name, profile] :
       {std::pair{std::string("gtm-2022.en.html"), Guatemala()},
        std::pair{std::string("hostile.en.html"), Hostile()}}) {
    auto r = TheRenderer().Render(Inputs(profile, "en"), "html");
    if (!r.ok()) {
      std::cerr << r.status() << "\n";
      return 1;
    }
    WriteFile(dir + "/" + name, r->data);
  }
  return 0;
}
