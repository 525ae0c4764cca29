// Text for readers in any language, on ICU: search keys (case-, accent- and width-insensitive in
// every script) and locale-aware alphabetical order. Generic: used by the catalog's indicator
// search and meant for any other search or list of the suite.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mgi::text {

// The search key of `utf8`: decomposed (NFD), nonspacing marks removed, Latin letters without a
// decomposition spelled in ASCII (ł -> l, ø -> o, æ -> ae, ß -> ss, ı -> i), then NFKC case folded
// (fullwidth and compatibility forms, Greek final sigma, ...). Characters that are neither
// letters, digits nor marks become single spaces; no leading or trailing space. "MIGRACIÓN",
// "migracion" and a decomposed "migración" all give "migracion"; "ΑΘΗΝΑ" and "Αθήνα" give
// "αθηνα"; "İSTANBUL" and "ıstanbul" give "istanbul". Invalid UTF-8 bytes are replaced by
// separators.
std::string SearchKey(std::string_view utf8);

// The words of SearchKey(utf8), in order.
std::vector<std::string> SearchWords(std::string_view utf8);

// The number of Unicode code points in `utf8` (invalid bytes count as one each).
size_t CodePointCount(std::string_view utf8);

// How well `words` (search keys) match the query words `terms` (search keys), in [0, 1]: each
// term scores 3 when it equals a word, 2 when it starts one, 1 when it occurs inside one (terms of
// 3+ characters), and the sum is divided by 3 per term. 0 means no term matched.
double MatchScore(const std::vector<std::string>& terms, const std::vector<std::string>& words);

// Alphabetical order for readers of one language (ICU Collator, tertiary strength): "Émirats
// arabes unis" sorts among the E's in French, "Ñ" after "N" in Spanish, "Ç" after "C" in Turkish,
// Cyrillic in its alphabet's order. Thread-safe after construction.
class Collation {
 public:
  // The collation of a BCP 47 language tag ("fr", "es-419", "tr"); the root collation when ICU
  // knows nothing more specific.
  explicit Collation(const std::string& language);
  ~Collation();
  Collation(const Collation&) = delete;
  Collation& operator=(const Collation&) = delete;

  // A binary key of `utf8`: keys compare (as byte strings) as the texts collate.
  std::string SortKey(std::string_view utf8) const;
  // True when `a` sorts before `b`.
  bool Less(std::string_view a, std::string_view b) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mgi::text
