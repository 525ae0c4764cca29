// Per-language fixed wording of the reports (headings, month names, title patterns), read from
// data/report/messages/<language>.json. A language is supported when its file exists: nothing
// here names a language except English, the fallback.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mgi::report {

class Messages {
 public:
  // The text of `key`, or the key itself in brackets when the file lacks it (visible, never empty).
  std::string Get(const std::string& key) const;
  // `key` with every "{name}" replaced by its value.
  std::string Format(const std::string& key, const std::map<std::string, std::string>& args) const;
  // The name of month 1..12.
  std::string Month(int month) const;
  // The edition's name for edition >= 2 ("Second Profile"), from "editions" or "edition_other".
  std::string Edition(int edition) const;
  // The name of the language `tag` in this language, from "language_names" (exact tag, then its
  // primary language); the tag itself when the file does not name it.
  std::string LanguageName(const std::string& tag) const;

 private:
  friend class MessageCatalog;
  std::map<std::string, std::string> strings_;
  std::vector<std::string> months_;
  std::map<std::string, std::string> editions_;
  std::map<std::string, std::string> language_names_;
};

class MessageCatalog {
 public:
  // Reads every <language>.json in `dir`. An unreadable or malformed file is an error naming it;
  // a directory without en.json is an error (English is the fallback).
  static absl::StatusOr<MessageCatalog> Load(const std::string& dir);
  // The languages with a message file, sorted.
  std::vector<std::string> Languages() const;
  // The messages of `language` (exact tag, then its primary subtag); null when unsupported.
  const Messages* Find(const std::string& language) const;

 private:
  std::map<std::string, Messages> by_language_;
};

// Replaces every "{name}" in `pattern` by its value (single pass; values are not re-scanned).
std::string Substitute(const std::string& pattern, const std::map<std::string, std::string>& args);

}  // namespace mgi::report
