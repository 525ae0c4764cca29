// Folding text for search: lower case, Latin accents removed ("Migración" -> "migracion"), split
// into words. Only Latin letters are folded; other scripts are kept as they are.
#pragma once

#include <string>
#include <vector>

namespace mgi::catalog {

// Lower-cases ASCII and Latin-1/Latin Extended-A letters and strips their accents (ß -> ss,
// œ -> oe). Everything that is not a letter or digit becomes a space. Invalid UTF-8 bytes are
// dropped.
std::string FoldText(const std::string& utf8);

// The words of FoldText(utf8), in order.
std::vector<std::string> FoldedWords(const std::string& utf8);

// The number of Unicode code points in `utf8` (invalid bytes count as one each).
size_t CodePointCount(const std::string& utf8);

// How well `words` (folded) match the folded query `terms`, in [0, 1]: each term scores 3 when it
// equals a word, 2 when it starts one, 1 when it occurs inside one (terms of 3+ characters), and
// the sum is divided by 3 per term. 0 means no term matched.
double MatchScore(const std::vector<std::string>& terms, const std::vector<std::string>& words);

}  // namespace mgi::catalog
