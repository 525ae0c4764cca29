#include "services/common/text.h"

#include <unicode/coll.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <stdexcept>

#include "absl/strings/str_cat.h"

namespace mgi::text {
namespace {

// Accents off, Latin letters without a decomposition spelled in ASCII, recomposed (Hangul).
constexpr char kStripRules[] = "NFD; [:Nonspacing Mark:] Remove; Latin-ASCII; NFC";

// ICU transliterators are not documented as safe to share between threads: one per thread.
const icu::Transliterator& Stripper() {
  thread_local std::unique_ptr<icu::Transliterator> t = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> made(icu::Transliterator::createInstance(
        icu::UnicodeString::fromUTF8(kStripRules), UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !made) {
      throw std::runtime_error(absl::StrCat("ICU transliterator \"", kStripRules,
                                            "\" is unavailable: ", u_errorName(status)));
    }
    return made;
  }();
  return *t;
}

const icu::Normalizer2& CaseFolder() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status) || n == nullptr) {
    throw std::runtime_error(absl::StrCat("ICU NFKC_Casefold is unavailable: ", u_errorName(status)));
  }
  return *n;
}

bool IsWordChar(UChar32 c) { return u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0; }

}  // namespace

std::string SearchKey(std::string_view utf8) {
  icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2& fold = CaseFolder();
  u = fold.normalize(u, status);  // "İ" -> "i̇", "ΣΑΣ" -> "σασ", "ﬁ" -> "fi", "Ａ" -> "a"
  Stripper().transliterate(u);    // "i̇" -> "i", "ó" -> "o", "ł" -> "l", "ı" -> "i"
  u = fold.normalize(u, status);  // case again, for what Latin-ASCII spelled in capitals
  if (U_FAILURE(status)) return "";
  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < u.length();) {
    UChar32 c = u.char32At(i);
    i += U16_LENGTH(c);
    if (!IsWordChar(c)) {
      pending_space = !out.isEmpty();
      continue;
    }
    if (pending_space) out.append(static_cast<UChar>(' '));
    pending_space = false;
    out.append(c);
  }
  std::string key;
  out.toUTF8String(key);
  return key;
}

std::vector<std::string> SearchWords(std::string_view utf8) {
  std::vector<std::string> words;
  std::string key = SearchKey(utf8);
  size_t start = 0;
  while (start < key.size()) {
    size_t end = key.find(' ', start);
    if (end == std::string::npos) end = key.size();
    if (end > start) words.push_back(key.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

size_t CodePointCount(std::string_view utf8) {
  size_t n = 0;
  int32_t i = 0, len = static_cast<int32_t>(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  while (i < len) {
    UChar32 c;
    U8_NEXT(s, i, len, c);  // an invalid sequence advances by at least one byte
    (void)c;
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
      } else if (CodePointCount(term) >= 3 && word.find(term) != std::string::npos) {
        best = std::max(best, 1);
      }
    }
    total += best;
  }
  return static_cast<double>(total) / (3.0 * static_cast<double>(terms.size()));
}

struct Collation::Impl {
  std::unique_ptr<icu::Collator> collator;
  mutable std::mutex mu;  // ICU collators are cheap to lock and not documented as shareable
};

Collation::Collation(const std::string& language) : impl_(std::make_unique<Impl>()) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale = icu::Locale::forLanguageTag(language, status);
  if (U_FAILURE(status)) {
    status = U_ZERO_ERROR;
    locale = icu::Locale::getRoot();
  }
  impl_->collator.reset(icu::Collator::createInstance(locale, status));
  if (U_FAILURE(status) || !impl_->collator) {
    status = U_ZERO_ERROR;
    impl_->collator.reset(icu::Collator::createInstance(icu::Locale::getRoot(), status));
  }
  if (U_FAILURE(status) || !impl_->collator) {
    throw std::runtime_error(absl::StrCat("ICU has no collation: ", u_errorName(status)));
  }
  impl_->collator->setStrength(icu::Collator::TERTIARY);
}

Collation::~Collation() = default;

std::string Collation::SortKey(std::string_view utf8) const {
  icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  std::lock_guard lock(impl_->mu);
  int32_t n = impl_->collator->getSortKey(u, nullptr, 0);
  std::string key(static_cast<size_t>(n), '\0');
  impl_->collator->getSortKey(u, reinterpret_cast<uint8_t*>(key.data()), n);
  if (!key.empty() && key.back() == '\0') key.pop_back();
  return key;
}

bool Collation::Less(std::string_view a, std::string_view b) const {
  std::lock_guard lock(impl_->mu);
  UErrorCode status = U_ZERO_ERROR;
  return impl_->collator->compareUTF8(icu::StringPiece(a.data(), static_cast<int32_t>(a.size())),
                                      icu::StringPiece(b.data(), static_cast<int32_t>(b.size())),
                                      status) == UCOL_LESS;
}

}  // namespace mgi::text
