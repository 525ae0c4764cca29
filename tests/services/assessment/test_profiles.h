// Profiles for the assessment tests.
#pragma once

#include <string>

#include "mgi/assessment/v1/resources.pb.h"

namespace mgi::assessment::testing {

// A complete national draft for Guatemala: six domains, one finding in each list, English text.
inline mgi::assessment::v1::Profile CompleteDraft() {
  mgi::assessment::v1::Profile p;
  p.set_country("countries/GTM");
  p.set_level(mgi::catalog::v1::LEVEL_NATIONAL);
  p.set_edition(1);
  p.mutable_publication_month()->set_year(2018);
  p.mutable_publication_month()->set_month(9);
  p.add_languages("en");
  const char* domains[] = {
      "migrants-rights", "whole-of-government",           "partnerships",
      "well-being",      "mobility-dimensions-of-crises", "safe-orderly-regular-migration"};
  int n = 0;
  for (const char* d : domains) {
    auto* df = p.add_domains();
    df->set_domain(std::string("domains/") + d);
    auto* w = df->add_well_developed();
    w->set_finding_id("w" + std::to_string(++n));
    (*w->mutable_text())["en"] = std::string("Well developed in ") + d + ".";
    auto* f = df->add_further_development();
    f->set_finding_id("f" + std::to_string(n));
    (*f->mutable_text())["en"] = std::string("Room to grow in ") + d + ".";
  }
  return p;
}

}  // namespace mgi::assessment::testing
