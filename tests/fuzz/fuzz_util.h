// Helpers shared by the libFuzzer targets: a property check that aborts (so libFuzzer keeps the
// input) with the property's text, and the line-oriented input format the seed corpora use.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "mgi/assessment/v1/assessment_service.pb.h"
#include "mgi/catalog/v1/catalog_service.pb.h"
#include "mgi/report/v1/report_service.pb.h"

namespace mgi::fuzz {

// Aborts with `what` when a property does not hold.
#define MGI_REQUIRE(condition, what)                                                    \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      std::fprintf(stderr, "property failed: %s (%s) at %s:%d\n", what, #condition,     \
                   __FILE__, __LINE__);                                                 \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits off the first line of `*rest` (without its '\n'); the whole rest when there is none.
inline std::string TakeLine(std::string_view* rest) {
  size_t end = rest->find('\n');
  std::string line(rest->substr(0, end));
  rest->remove_prefix(end == std::string_view::npos ? rest->size() : end + 1);
  return line;
}

// The suite's annotated services, as the mgi-gateway binary serves them.
inline std::vector<const google::protobuf::ServiceDescriptor*> SuiteServices() {
  return {mgi::catalog::v1::GetCountryRequest::descriptor()->file()->FindServiceByName(
              "CatalogService"),
          mgi::assessment::v1::GetProfileRequest::descriptor()->file()->FindServiceByName(
              "AssessmentService"),
          mgi::report::v1::GetReportRequest::descriptor()->file()->FindServiceByName(
              "ReportService")};
}

}  // namespace mgi::fuzz
