#include "catalog/text_fold.h"

#include <algorithm>
#include <cstdint>

namespace mgi::catalog {
namespace {

// Base letters of U+00C0..U+00FF; '*' marks a non-letter (× and ÷), uppercase letters are folded
// too. Multi-letter foldings (Æ, Þ, ß) are handled apart.
constexpr char kLatin1[] =
    "aaaaaa*ceeeeiiii"   // C0-CF  (C6 Æ handled apart)
    "dnooooo*ouuuuy**"   // D0-DF  (D7 ×, DE Þ, DF ß apart)
    "aaaaaa*ceeeeiiii"   // E0-EF  (E6 æ apart)
    "dnooooo*ouuuuy*y";  // F0-FF  (F7 ÷, FE þ apart)

// Base letters of U+0100..U+017F; '*' marks the two-letter foldings (Ĳ ĳ Œ œ) handled apart.
constexpr char kLatinExtA[] =
    "aaaaaaccccccccdd"   // 100-10F
    "ddeeeeeeeeeegggg"   // 110-11F
    "gggghhhhiiiiiiii"   // 120-12F
    "ii**jjkkklllllll"   // 130-13F
    "lllnnnnnnnnnoooo"   // 140-14F
    "oo**rrrrrrssssss"   // 150-15F
    "ssttttttuuuuuuuu"   // 160-16F
    "uuuuwwyyyzzzzzzs";  // 170-17F

// Decodes one code point at s[i]; returns its length (0 for an invalid sequence).
size_t Decode(const std::string& s, size_t i, uint32_t* cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < len; ++k) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    v = (v << 6) | (d & 0x3F);
  }
  *cp = v;
  return len;
}

// The folded form of one code point, or "" for a separator.
std::string FoldCodePoint(uint32_t cp, const std::string& raw) {
  if (cp < 0x80) {
    char c = static_cast<char>(cp);
    if (c >= 'A' && c <= 'Z') return std::string(1, static_cast<char>(c - 'A' + 'a'));
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return std::string(1, c);
    return "";
  }
  if (cp >= 0xC0 && cp <= 0xFF) {
    switch (cp) {
      case 0xC6:
      case 0xE6:
        return "ae";
      case 0xDE:
      case 0xFE:
        return "th";
      case 0xDF:
        return "ss";
      default:
        break;
    }
    char b = kLatin1[cp - 0xC0];
    return b == '*' ? "" : std::string(1, b);
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    switch (cp) {
      case 0x132:
      case 0x133:
        return "ij";
      case 0x152:
      case 0x153:
        return "oe";
      default:
        break;
    }
    return std::string(1, kLatinExtA[cp - 0x100]);
  }
  if (cp == 0xAA) return "a";                   // ª
  if (cp == 0xBA) return "o";                   // º
  if (cp < 0xC0) return "";                     // Latin-1 punctuation and symbols
  if (cp >= 0x2000 && cp <= 0x206F) return "";  // general punctuation: ’ “ ” – …
  return raw;                                   // other scripts: kept as they are
}

}  // namespace

std::string FoldText(const std::string& utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp = 0;
    size_t len = Decode(utf8, i, &cp);
    if (len == 0) {
      ++i;
      continue;
    }
    std::string folded = FoldCodePoint(cp, utf8.substr(i, len));
    if (folded.empty()) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out += folded;
    }
    i += len;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> FoldedWords(const std::string& utf8) {
  std::vector<std::string> words;
  std::string folded = FoldText(utf8);
  size_t start = 0;
  while (start < folded.size()) {
    size_t end = folded.find(' ', start);
    if (end == std::string::npos) end = folded.size();
    if (end > start) words.push_back(folded.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

size_t CodePointCount(const std::string& utf8) {
  size_t n = 0;
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp = 0;
    size_t len = Decode(utf8, i, &cp);
    i += len == 0 ? 1 : len;
    ++n;
  }
  return n;
}

double MatchScore(const std::vector<std::string>& terms, const std::vector<std::string>& words) {
  if (terms.empty()) return 0;
  int total = 0;
  for (const auto& term : terms) {
    int best = 0;
    for (const auto& word : words) {
      if (word == term) {
        best = 3;
        break;
      }
      if (word.rfind(term, 0) == 0) {
        best = std::max(best, 2);
      } else if (term.size() >= 3 && word.find(term) != std::string::npos) {
        best = std::max(best, 1);
      }
    }
    total += best;
  }
  return static_cast<double>(total) / (3.0 * static_cast<double>(terms.size()));
}

}  // namespace mgi::catalog
