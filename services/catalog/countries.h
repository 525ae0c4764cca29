// ISO 3166-1 countries from Debian's iso-codes, with names translated by its gettext catalogs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mgi::catalog {

struct CountryRecord {
  std::string alpha2;
  std::string alpha3;
  std::string numeric;
  std::string name;           // English short name
  std::string official_name;  // English official name; "" when ISO 3166-1 gives none
};

class Countries {
 public:
  // Reads `iso_codes_dir`/iso_3166-1.json and the translations
  // `locale_dir`/<lang>/LC_MESSAGES/iso_3166-1.mo. `languages` names the translations to load
  // (BCP 47 tags, e.g. "fr", "pt-BR"); empty loads every one found. A named language without a
  // catalog is an error; so is a missing or malformed iso_3166-1.json or .mo file.
  static absl::StatusOr<Countries> Load(const std::string& iso_codes_dir,
                                        const std::string& locale_dir,
                                        const std::vector<std::string>& languages);

  // Ordered by alpha-3 code.
  const std::vector<CountryRecord>& records() const { return records_; }
  // The record for an alpha-3 code, or null.
  const CountryRecord* Find(const std::string& alpha3) const;
  // The loaded translation languages (normalized tags), sorted.
  std::vector<std::string> languages() const;
  // The translation of English `msgid` in `language` (a key of languages()), or null.
  const std::string* Translate(const std::string& language, const std::string& msgid) const;

 private:
  std::vector<CountryRecord> records_;
  std::map<std::string, size_t> by_alpha3_;
  std::map<std::string, std::map<std::string, std::string>> translations_;
};

// The BCP 47 tag for a gettext locale directory name: "pt_BR" -> "pt-BR", "sr@latin" ->
// "sr-Latn"; "" when the name is not a language (e.g. "C", "en@shaw").
std::string LocaleDirToTag(const std::string& dir_name);

}  // namespace mgi::catalog
