#include "services/common/filter.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status.h"

namespace mgi {
namespace {

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= s_.size();
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // A bare word: letters, digits, '_', '-', '.', '/'.
  std::string Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '_' || s_[pos_] == '-' || s_[pos_] == '.' ||
                                s_[pos_] == '/')) {
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  absl::StatusOr<std::string> Quoted() {
    std::string out;
    ++pos_;  // opening quote
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) return InvalidArgument("filter", "has an unterminated string");
    ++pos_;
    return out;
  }
  bool PeekQuote() {
    SkipSpace();
    return pos_ < s_.size() && s_[pos_] == '"';
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<FilterTerm>> ParseFilter(std::string_view filter,
                                                    const std::vector<std::string>& allowed) {
  std::vector<FilterTerm> terms;
  if (filter.size() > 1024) return InvalidArgument("filter", "is longer than 1024 characters");
  Lexer lex(filter);
  if (lex.AtEnd()) return terms;
  for (;;) {
    std::string field = lex.Word();
    if (field.empty()) {
      return InvalidArgument("filter", absl::StrCat("expected a field name at position ", lex.pos(),
                                                    "; the syntax is `field = value AND ...`"));
    }
    if (std::find(allowed.begin(), allowed.end(), field) == allowed.end()) {
      return InvalidArgument("filter", absl::StrCat("unknown field '", field,
                                                    "'; filterable fields: ",
                                                    absl::StrJoin(allowed, ", ")));
    }
    if (!lex.Consume('=')) {
      return InvalidArgument("filter", absl::StrCat("expected '=' after '", field,
                                                    "' (only equality and AND are supported)"));
    }
    std::string value;
    if (lex.PeekQuote()) {
      auto q = lex.Quoted();
      if (!q.ok()) return q.status();
      value = *q;
    } else {
      value = lex.Word();
      if (value.empty()) {
        return InvalidArgument("filter", absl::StrCat("expected a value for '", field, "'"));
      }
    }
    for (const auto& t : terms) {
      if (t.field == field) {
        return InvalidArgument("filter", absl::StrCat("'", field, "' appears twice"));
      }
    }
    terms.push_back({field, value});
    if (lex.AtEnd()) break;
    if (lex.Word() != "AND") {
      return InvalidArgument("filter", "terms must be joined by AND");
    }
  }
  return terms;
}

}  // namespace mgi
