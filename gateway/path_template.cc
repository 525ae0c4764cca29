#include "gateway/path_template.h"

#include <cctype>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mgi::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A literal segment is RFC 3986 pchars (unreserved, sub-delims, ':', '@' and %XX escapes): a
// request path is compared with it before decoding, so anything else could never match (the
// path_template fuzz target found "prof\xcales%", which parsed and matched nothing).
bool ValidLiteral(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      if (i + 2 >= s.size()) return false;
      if (HexValue(s[i + 1]) < 0 || HexValue(s[i + 2]) < 0) return false;
      i += 2;
      continue;
    }
    if (!(std::isalnum(c) && c < 0x80) && std::string_view("-._~!$&'()*+,;=:@").find(c) ==
                                              std::string_view::npos) {
      return false;
    }
  }
  return true;
}

absl::Status ParseSegments(const std::string& text, const std::string& whole,
                           std::vector<PathTemplate::Segment>* out) {
  for (const auto& part : absl::StrSplit(text, '/')) {
    std::string s(part);
    PathTemplate::Segment seg;
    if (s.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("empty segment in path template ", whole));
    } else if (s == "*") {
      seg.kind = PathTemplate::Segment::kSingle;
    } else if (s == "**") {
      seg.kind = PathTemplate::Segment::kMulti;
    } else {
      if (s.find_first_of("{}*=") != std::string::npos || !ValidLiteral(s)) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad segment '", s, "' in path template ", whole));
      }
      seg.literal = s;
    }
    out->push_back(std::move(seg));
  }
  return absl::OkStatus();
}

}  // namespace

bool PercentDecode(const std::string& text, std::string* out, bool keep_slash,
                   bool plus_as_space) {
  out->clear();
  out->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return false;
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return false;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (keep_slash && decoded == '/') {
        out->append(text, i, 3);
      } else {
        out->push_back(decoded);
      }
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

bool PercentDecodeExcept(const std::string& text, std::string_view keep, std::string* out) {
  out->clear();
  out->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return false;
    int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return false;
    char decoded = static_cast<char>(hi * 16 + lo);
    if (keep.find(decoded) != std::string_view::npos) {
      out->append(text, i, 3);
    } else {
      out->push_back(decoded);
    }
    i += 2;
  }
  return true;
}

namespace {
// The index of the verb's ':' (the last one outside braces), npos when none.
size_t VerbColon(const std::string& rest) {
  int depth = 0;
  size_t verb_at = std::string::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '{') ++depth;
    if (rest[i] == '}') --depth;
    if (rest[i] == ':' && depth == 0) verb_at = i;
  }
  return verb_at;
}
}  // namespace

absl::Status PathTemplate::AddVariable(const std::string& inner, const std::string& text) {
  Variable var;
  std::string pattern = "*";
  if (size_t eq = inner.find('='); eq != std::string::npos) {
    var.field_path = inner.substr(0, eq);
    pattern = inner.substr(eq + 1);
  } else {
    var.field_path = inner;
  }
  if (var.field_path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("empty variable in path template ", text));
  }
  var.begin = segments_.size();
  if (auto s = ParseSegments(pattern, text, &segments_); !s.ok()) return s;
  var.end = segments_.size();
  var.multi = var.end - var.begin > 1 || segments_[var.begin].kind == Segment::kMulti;
  variables_.push_back(var);
  return absl::OkStatus();
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(const std::string& text) {
  PathTemplate t;
  t.text_ = text;
  if (text.empty() || text[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("path template must start with '/': ", text));
  }
  std::string rest = text.substr(1);
  if (size_t verb_at = VerbColon(rest); verb_at != std::string::npos) {
    t.verb_ = rest.substr(verb_at + 1);
    rest = rest.substr(0, verb_at);
    if (t.verb_.empty() || t.verb_.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("bad verb in path template ", text));
    }
  }
  size_t i = 0;
  while (i < rest.size()) {
    if (rest[i] == '{') {
      size_t close = rest.find('}', i);
      if (close == std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat("unclosed '{' in path template ", text));
      }
      if (auto s = t.AddVariable(rest.substr(i + 1, close - i - 1), text); !s.ok()) return s;
      i = close + 1;
    } else {
      size_t slash = rest.find('/', i);
      size_t end = slash == std::string::npos ? rest.size() : slash;
      if (rest.find('{', i) < end) {
        return absl::InvalidArgumentError(absl::StrCat("bad variable in path template ", text));
      }
      if (auto s = ParseSegments(rest.substr(i, end - i), text, &t.segments_); !s.ok()) return s;
      i = end;
    }
    if (i < rest.size()) {
      if (rest[i] != '/') {
        return absl::InvalidArgumentError(absl::StrCat("expected '/' in path template ", text));
      }
      ++i;
      if (i == rest.size()) {
        return absl::InvalidArgumentError(absl::StrCat("trailing '/' in path template ", text));
      }
    }
  }
  for (size_t k = 0; k < t.segments_.size(); ++k) {
    if (t.segments_[k].kind == Segment::kMulti && k + 1 != t.segments_.size()) {
      return absl::InvalidArgumentError(absl::StrCat("'**' must be last in path template ", text));
    }
  }
  return t;
}

namespace {
// The characters whose escapes a variable keeps (see UnescapeMode).
std::string_view KeptEscapes(bool multi, UnescapeMode mode) {
  if (!multi || mode == UnescapeMode::kAll) return "";
  if (mode == UnescapeMode::kAllExceptSlash) return "/";
  return ":/?#[]@!$&'()*+,;=";
}
}  // namespace

int PathTemplate::Specificity() const {
  int n = 0;
  for (const auto& s : segments_) n += s.kind == Segment::kLiteral ? 2 : (s.kind == Segment::kSingle ? 1 : 0);
  return n + (verb_.empty() ? 0 : 1);
}

PathTemplate::SplitPath PathTemplate::Split(std::string_view path) {
  SplitPath out;
  if (path.empty() || path[0] != '/') return out;
  out.valid = true;
  std::string_view rest = path.substr(1);
  size_t last_slash = rest.rfind('/');
  out.colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash + 1);
  out.rest = rest;
  if (!rest.empty()) {
    size_t from = 0;
    while (true) {
      size_t slash = rest.find('/', from);
      if (slash == std::string_view::npos) {
        out.parts.push_back(rest.substr(from));
        break;
      }
      out.parts.push_back(rest.substr(from, slash - from));
      from = slash + 1;
    }
  }
  return out;
}

bool PathTemplate::Match(const std::string& path, Bindings* bindings, UnescapeMode mode) const {
  return Match(Split(path), bindings, mode);
}

bool PathTemplate::Match(const SplitPath& path, Bindings* bindings, UnescapeMode mode) const {
  if (!path.valid) return false;
  // The parts before the verb: all of them, except that the last one loses ":verb".
  size_t count = path.parts.size();
  std::string_view last;  // the last part without its verb (when the template has one)
  if (verb_.empty()) {
    if (path.colon != std::string_view::npos) return false;
  } else {
    if (path.colon == std::string_view::npos || path.rest.substr(path.colon + 1) != verb_) {
      return false;
    }
    std::string_view before = path.rest.substr(0, path.colon);
    if (before.empty()) {
      count = 0;
    } else {
      size_t slash = before.rfind('/');
      last = slash == std::string_view::npos ? before : before.substr(slash + 1);
    }
  }
  auto part = [&](size_t i) {
    return !verb_.empty() && i + 1 == count ? last : path.parts[i];
  };
  // Match segment by segment; "**" (always last) takes the remainder. Nothing is allocated
  // unless the path matches and bindings are asked for.
  size_t p = 0;
  size_t multi_from = count;  // the first part a "**" took
  for (size_t k = 0; k < segments_.size(); ++k) {
    const Segment& seg = segments_[k];
    if (seg.kind == Segment::kMulti) {
      multi_from = p;
      p = count;
      break;
    }
    if (p >= count || part(p).empty()) return false;
    if (seg.kind == Segment::kLiteral && part(p) != seg.literal) return false;
    ++p;
  }
  if (p != count) return false;
  if (bindings == nullptr) return true;
  bindings->clear();
  for (const Variable& var : variables_) {
    // Segment k covers part k, except a trailing "**", which covers [multi_from, count).
    size_t from = var.begin;
    size_t to = segments_[var.end - 1].kind == Segment::kMulti ? count : var.end;
    if (segments_[var.begin].kind == Segment::kMulti) from = multi_from;
    std::string value;
    std::string decoded;
    for (size_t q = from; q < to; ++q) {
      if (!PercentDecodeExcept(std::string(part(q)), KeptEscapes(var.multi, mode), &decoded)) {
        return false;
      }
      if (q > from) value.push_back('/');
      value += decoded;
    }
    bindings->emplace_back(var.field_path, std::move(value));
  }
  return true;
}

}  // namespace mgi::gateway
