// Revision.Action as stores keep it: a word ("create", "update", "publish", "archive", "import",
// "new-edition"), stable across versions of the contract, so stored history never needs
// rewriting when the enum grows.
#pragma once

#include <string>
#include <string_view>

#include "mgi/assessment/v1/resources.pb.h"

namespace mgi::assessment {

// The stored word of `action`; "" for ACTION_UNSPECIFIED.
std::string ActionWord(mgi::assessment::v1::Revision::Action action);
// The action a stored word names; ACTION_UNSPECIFIED for a word this version does not know.
mgi::assessment::v1::Revision::Action ActionFromWord(std::string_view word);

}  // namespace mgi::assessment
