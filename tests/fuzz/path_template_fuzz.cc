// libFuzzer target over google.api.http path templates and percent-decoding (gateway/
// path_template.h) and the suite's route table (gateway/routes.h).
// Input: line 1 a path template, line 2 a request path (still percent-encoded), the rest raw bytes
// for the round trips. Properties:
//   - percent-encoding any bytes and decoding gives them back (with keep_slash, "/" stays "%2F");
//     a successful decode is never longer than its input;
//   - a template that parses matches the path made from it with encoded variable values, binding
//     exactly those values (literals holding ':' excepted: a path's last ':' starts its verb);
//   - the suite's route table finds a route only when that route's template matches the path,
//     and any method it allows is a method of a route matching the path.
#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fuzz_util.h"
#include "gateway/path_template.h"
#include "gateway/routes.h"

namespace {

using mgi::gateway::PathTemplate;
using mgi::gateway::PercentDecode;
using mgi::gateway::RouteTable;

std::string Encode(std::string_view bytes, bool keep_slash_raw) {
  std::string out;
  for (unsigned char c : bytes) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slash_raw && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      static const char kHex[] = "0123456789ABCDEF";
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

const RouteTable& Routes() {
  static const RouteTable* table = [] {
    auto built = RouteTable::Build(mgi::fuzz::SuiteServices());
    MGI_REQUIRE(built.ok(), "the suite's route table builds");
    return new RouteTable(*std::move(built));
  }();
  return *table;
}

void RoundTrips(std::string_view bytes) {
  std::string decoded;
  MGI_REQUIRE(PercentDecode(Encode(bytes, false), &decoded), "an encoding decodes");
  MGI_REQUIRE(decoded == bytes, "decode(encode(x)) == x");
  MGI_REQUIRE(PercentDecode(Encode(bytes, false), &decoded, /*keep_slash=*/true),
              "an encoding decodes keeping slashes");
  std::string expected;
  for (char c : bytes) expected += c == '/' ? std::string("%2F") : std::string(1, c);
  MGI_REQUIRE(decoded == expected, "with keep_slash, '/' stays %2F");
  std::string raw(bytes);
  if (PercentDecode(raw, &decoded, false, true)) {
    MGI_REQUIRE(decoded.size() <= raw.size(), "decoding never grows");
  }
}

// A value as a match binds it after Encode: a multi-segment variable keeps the escapes of RFC 6570's
// reserved characters (UnescapeMode::kAllExceptReserved, the default, as grpc-gateway's), as
// Encode wrote them; any other variable is decoded whole.
std::string KeptEncoded(std::string_view value, bool multi_var) {
  static constexpr std::string_view kReserved = ":/?#[]@!$&'()*+,;=";
  std::string out;
  for (char c : value) {
    if (multi_var && kReserved.find(c) != std::string_view::npos) {
      out += Encode(std::string_view(&c, 1), false);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A literal inside a multi-segment variable as a match binds it: escapes of reserved characters as
// written, every other escape decoded (the literal is valid: each '%' starts two hex digits).
std::string KeptLiteral(std::string_view literal) {
  static constexpr std::string_view kReserved = ":/?#[]@!$&'()*+,;=";
  std::string out;
  for (size_t i = 0; i < literal.size(); ++i) {
    if (literal[i] != '%' || i + 2 >= literal.size()) {
      out.push_back(literal[i]);
      continue;
    }
    char c = static_cast<char>(std::stoi(std::string(literal.substr(i + 1, 2)), nullptr, 16));
    if (kReserved.find(c) != std::string_view::npos) {
      out += literal.substr(i, 3);
    } else {
      out.push_back(c);
    }
    i += 2;
  }
  return out;
}

// Instantiates `t` with variable values taken from `bytes` and matches the path made.
void TemplateRoundTrip(const PathTemplate& t, std::string_view bytes) {
  for (const auto& seg : t.segments()) {
    if (seg.kind == PathTemplate::Segment::kLiteral &&
        seg.literal.find(':') != std::string::npos) {
      return;
    }
  }
  std::vector<std::string> parts;  // encoded path segments
  std::vector<std::string> segment_values(t.segments().size());
  size_t used = 0;
  for (size_t k = 0; k < t.segments().size(); ++k) {
    const auto& seg = t.segments()[k];
    bool multi_var = false;
    for (const auto& v : t.variables()) {
      if (k >= v.begin && k < v.end && v.multi) multi_var = true;
    }
    if (seg.kind == PathTemplate::Segment::kLiteral) {
      // Inside a variable, a literal's escapes are decoded like the rest of the value.
      parts.push_back(seg.literal);
      MGI_REQUIRE(PercentDecode(seg.literal, &segment_values[k], multi_var),
                  "a literal of a parsed template decodes");
      if (multi_var) segment_values[k] = KeptLiteral(seg.literal);
      continue;
    }
    // A non-empty value of up to 8 bytes from the input (or "x").
    std::string value(bytes.substr(std::min(used, bytes.size()), 1 + (k % 8)));
    used += value.size();
    if (value.empty()) value = "x";
    if (seg.kind == PathTemplate::Segment::kMulti) {
      // "**" takes one or more raw segments; each is kept '/'-free by encoding.
      parts.push_back(Encode(value, false));
      segment_values[k] = KeptEncoded(value, true);
      continue;
    }
    parts.push_back(Encode(value, false));
    segment_values[k] = KeptEncoded(value, multi_var);
  }
  std::string path = "/" + absl::StrJoin(parts, "/");
  if (!t.verb().empty()) absl::StrAppend(&path, ":", t.verb());
  PathTemplate::Bindings bindings;
  MGI_REQUIRE(t.Match(path, &bindings), "a template matches a path made from it");
  MGI_REQUIRE(bindings.size() == t.variables().size(), "one binding per variable");
  for (size_t i = 0; i < t.variables().size(); ++i) {
    const auto& v = t.variables()[i];
    std::vector<std::string> pieces(segment_values.begin() + v.begin,
                                    segment_values.begin() + v.end);
    MGI_REQUIRE(bindings[i].first == v.field_path, "bindings in variable order");
    MGI_REQUIRE(bindings[i].second == absl::StrJoin(pieces, "/"), "a binding is its value");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest = mgi::fuzz::AsView(data, size);
  std::string text = mgi::fuzz::TakeLine(&rest);
  std::string path = mgi::fuzz::TakeLine(&rest);
  RoundTrips(rest);
  RoundTrips(path);

  auto t = PathTemplate::Parse(text);
  if (t.ok()) {
    for (const auto& v : t->variables()) {
      MGI_REQUIRE(v.begin < v.end && v.end <= t->segments().size(), "a variable spans segments");
    }
    PathTemplate::Bindings bindings;
    if (t->Match(path, &bindings)) {
      MGI_REQUIRE(bindings.size() == t->variables().size(), "one binding per variable");
    }
    TemplateRoundTrip(*t, rest);
  }

  for (const char* method : {"GET", "POST", "PATCH", "DELETE"}) {
    RouteTable::Match m = Routes().Find(method, path);
    if (m.route != nullptr) {
      MGI_REQUIRE(m.route->http_method == method, "the route found is of the method asked");
      PathTemplate::Bindings again;
      MGI_REQUIRE(m.route->path.Match(path, &again), "the route found matches the path");
      MGI_REQUIRE(again == m.bindings, "the bindings are the route's own");
      MGI_REQUIRE(std::find(m.allowed.begin(), m.allowed.end(), method) != m.allowed.end(),
                  "the method found is allowed");
    }
    for (const std::string& allowed : m.allowed) {
      bool some = false;
      for (const auto& r : Routes().routes()) {
        some = some || (r->http_method == allowed && r->path.Match(path, nullptr));
      }
      MGI_REQUIRE(some, "an allowed method has a route matching the path");
    }
  }
  return 0;
}
