#include "services/assessment/revision_action.h"

#include <array>
#include <utility>

namespace mgi::assessment {
namespace {

using Action = mgi::assessment::v1::Revision;
constexpr std::array<std::pair<mgi::assessment::v1::Revision::Action, std::string_view>, 6> kWords{{
    {Action::ACTION_CREATE, "create"},
    {Action::ACTION_UPDATE, "update"},
    {Action::ACTION_PUBLISH, "publish"},
    {Action::ACTION_ARCHIVE, "archive"},
    {Action::ACTION_IMPORT, "import"},
    {Action::ACTION_NEW_EDITION, "new-edition"},
}};

}  // namespace

std::string ActionWord(mgi::assessment::v1::Revision::Action action) {
  for (const auto& [a, word] : kWords) {
    if (a == action) return std::string(word);
  }
  return "";
}

mgi::assessment::v1::Revision::Action ActionFromWord(std::string_view word) {
  for (const auto& [a, w] : kWords) {
    if (w == word) return a;
  }
  return mgi::assessment::v1::Revision::ACTION_UNSPECIFIED;
}

}  // namespace mgi::assessment
