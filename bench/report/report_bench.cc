// mgi-report-bench: render time per format for the Guatemala 2022 profile (33 findings) and for
// a synthetic profile with ten times its findings, with the growth ratio.
// Usage: mgi-report-bench [--seconds=S]   (time budget per measurement, default 1)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "report_fixtures.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Result {
  double median_ms = 0;
  size_t bytes = 0;
  int runs = 0;
};

Result Measure(const mgi::report::ReportInputs& inputs, const std::string& format, double budget) {
  const auto& renderer = mgi::report::testing::TheRenderer();
  std::vector<double> samples;
  size_t bytes = 0;
  auto start = Clock::now();
  while (samples.size() < 3 ||
         (std::chrono::duration<double>(Clock::now() - start).count() < budget &&
          samples.size() < 2000)) {
    auto t0 = Clock::now();
    auto r = renderer.Render(inputs, format);
    auto t1 = Clock::now();
    if (!r.ok()) {
      std::fprintf(stderr, "render failed: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    bytes = r->data.size();
    samples.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], bytes, static_cast<int>(samples.size())};
}

}  // namespace

int main(int argc, char** argv) {
  double budget = 1.0;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) budget = std::atof(argv[i] + 10);
  }
  using namespace mgi::report::testing;
  auto base = Inputs(Guatemala(), "en");
  auto big = Inputs(Scaled(Guatemala(), 10), "en");
  std::printf("%-9s %14s %10s %16s %10s %7s\n", "format", "gtm-2022 ms", "bytes", "gtm-2022x10 ms",
              "bytes", "ratio");
  for (const char* format : {"html", "markdown", "svg", "pdf"}) {
    Result a = Measure(base, format, budget);
    Result b = Measure(big, format, budget);
    std::printf("%-9s %14.3f %10zu %16.3f %10zu %6.1fx\n", format, a.median_ms, a.bytes,
                b.median_ms, b.bytes, b.median_ms / a.median_ms);
  }
  std::printf("(median of repeated renders; findings: 33 and 330; renderer %s)\n",
              mgi::report::kRendererVersion);
  return 0;
}
