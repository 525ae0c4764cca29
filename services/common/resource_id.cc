#include "services/common/resource_id.h"

namespace mgi {

bool IsResourceId(std::string_view id, IdStart start) {
  if (id.empty() || id.size() > kMaxResourceIdLength) return false;
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!lower(id[0]) && !(start == IdStart::kLetterOrDigit && digit(id[0]))) return false;
  for (char c : id) {
    if (!lower(c) && !digit(c) && c != '-') return false;
  }
  return true;
}

}  // namespace mgi
