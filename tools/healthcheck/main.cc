// mgi-healthcheck: see healthcheck.h for usage and exit codes.
#include <cstdlib>
#include <iostream>

#include "healthcheck.h"

int main(int argc, char** argv) {
  using namespace mgi::healthcheck;
  std::string error;
  auto options = ParseArgs(std::vector<std::string>(argv + 1, argv + argc), error,
                           [](const char* name) -> const char* { return std::getenv(name); });
  if (!options) {
    std::cerr << "mgi-healthcheck: " << error << "\n";
    return kUsage;
  }
  std::string reason;
  int code = options->mode == Mode::kGrpc ? RunGrpc(*options, reason) : RunHttp(*options, reason);
  if (code != kHealthy) std::cerr << "mgi-healthcheck: " << reason << "\n";
  return code;
}
