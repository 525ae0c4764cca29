// A reader of GNU gettext .mo files (the compiled message catalogs of Debian's iso-codes).
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace mgi::catalog {

// Parses the bytes of a .mo file (either byte order) into msgid -> msgstr. The header entry (empty
// msgid), untranslated entries (empty msgstr) and entries with a context are skipped; for plural
// entries the singular msgid gives the first form. A truncated or malformed file is
// INVALID_ARGUMENT naming `origin` (a path, for messages).
absl::StatusOr<std::map<std::string, std::string>> ParseMo(const std::string& bytes,
                                                           const std::string& origin);

// Reads and parses a .mo file.
absl::StatusOr<std::map<std::string, std::string>> ReadMoFile(const std::string& path);

}  // namespace mgi::catalog
