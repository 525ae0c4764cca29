// The resource-id rule of the suite (AIP-122): 1 to 63 of [a-z0-9-], never starting with '-'.
// One rule for every collection: catalog ids (domains, sub-areas, indicators), profile ids and
// finding ids; profile ids (chosen by clients, AIP-122's own rule) must start with a letter.
#pragma once

#include <string_view>

namespace mgi {

enum class IdStart {
  kLetter,         // "gtm-2022": a lower-case letter first
  kLetterOrDigit,  // "1-rights", "n-1-01": a lower-case letter or a digit first
};

inline constexpr size_t kMaxResourceIdLength = 63;

bool IsResourceId(std::string_view id, IdStart start = IdStart::kLetter);

}  // namespace mgi
