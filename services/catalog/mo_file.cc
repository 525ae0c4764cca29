#include "services/catalog/mo_file.h"

#include <cstdint>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace mgi::catalog {
namespace {

constexpr uint32_t kMagic = 0x950412de;
constexpr uint32_t kMagicSwapped = 0xde120495;

uint32_t ReadU32(const std::string& b, size_t at, bool swap) {
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k) {
    uint32_t byte = static_cast<unsigned char>(b[at + k]);
    v |= swap ? byte << (8 * (3 - k)) : byte << (8 * k);
  }
  return v;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseMo(const std::string& bytes,
                                                           const std::string& origin) {
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": not a valid .mo file: ", what));
  };
  if (bytes.size() < 20) return bad("shorter than the 20-byte header");
  uint32_t magic = ReadU32(bytes, 0, false);
  if (magic != kMagic && magic != kMagicSwapped) return bad("bad magic number");
  bool swap = magic == kMagicSwapped;
  uint32_t revision = ReadU32(bytes, 4, swap);
  if ((revision >> 16) > 1) return bad(absl::StrCat("unsupported major revision ", revision >> 16));
  uint64_t count = ReadU32(bytes, 8, swap);
  uint64_t originals = ReadU32(bytes, 12, swap);
  uint64_t translations = ReadU32(bytes, 16, swap);
  if (originals + count * 8 > bytes.size() || translations + count * 8 > bytes.size()) {
    return bad("string tables run past the end of the file");
  }
  auto string_at = [&](uint64_t table, uint64_t i, std::string* out) {
    uint64_t len = ReadU32(bytes, table + i * 8, swap);
    uint64_t off = ReadU32(bytes, table + i * 8 + 4, swap);
    if (off + len > bytes.size()) return false;
    *out = bytes.substr(off, len);
    return true;
  };
  std::map<std::string, std::string> messages;
  for (uint64_t i = 0; i < count; ++i) {
    std::string id, str;
    if (!string_at(originals, i, &id) || !string_at(translations, i, &str)) {
      return bad(absl::StrCat("string ", i, " runs past the end of the file"));
    }
    if (id.find('\x04') != std::string::npos) continue;  // has a context
    id = id.substr(0, id.find('\0'));
    str = str.substr(0, str.find('\0'));
    // The header (empty msgid), and an msgid that is empty before its plural's NUL (found by the
    // catalog_data fuzz target: it became an entry with an empty msgid).
    if (id.empty() || str.empty()) continue;
    messages.emplace(std::move(id), std::move(str));
  }
  return messages;
}

absl::StatusOr<std::map<std::string, std::string>> ReadMoFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseMo(ss.str(), path);
}

}  // namespace mgi::catalog
