// google.api.http path templates: parsing and matching, with no gRPC or protobuf types.
//
// Grammar (google/api/http.proto): Template = "/" Segments [":" Verb]; Segment = "*" | "**" |
// LITERAL | "{" FieldPath ["=" Segments] "}". "{x}" is "{x=*}". "**" must be the last segment.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"

namespace mgi::gateway {

// How a multi-segment variable ("{name=shelves/*/books/*}", "{path=**}") is percent-decoded.
// Single-segment variables are always fully decoded (http.proto).
enum class UnescapeMode {
  // Default, as Envoy's ALL_CHARACTERS_EXCEPT_RESERVED: escapes of RFC 6570 reserved characters
  // (":/?#[]@!$&'()*+,;=") stay escaped, so "%2F" never becomes a segment separator and "%3A"
  // never a verb separator in the resource name a backend sees.
  kAllExceptReserved,
  // http.proto's rule (grpc-gateway's AllExceptSlash): everything but "%2F" is decoded.
  kAllExceptSlash,
  // Everything is decoded ("%2F" too).
  kAll,
};

class PathTemplate {
 public:
  // A variable binds segments [begin, end) of the template to a request field path.
  struct Variable {
    std::string field_path;  // e.g. "profile.name"
    size_t begin = 0;
    size_t end = 0;
    bool multi = false;  // ends with "**" or spans several segments: "/" is kept when decoding
  };
  struct Segment {
    enum Kind { kLiteral, kSingle, kMulti } kind = kLiteral;
    std::string literal;
  };
  using Bindings = std::vector<std::pair<std::string, std::string>>;  // field path -> value

  static absl::StatusOr<PathTemplate> Parse(const std::string& text);

  // A request path split once into its segments, to be matched against many templates without
  // copying (views into the path, which must outlive it).
  struct SplitPath {
    bool valid = false;  // starts with "/"
    std::string_view rest;  // the path without its leading "/"
    size_t colon = std::string_view::npos;  // of a verb in the last segment, in `rest`
    absl::InlinedVector<std::string_view, 8> parts;
  };
  static SplitPath Split(std::string_view path);

  // Matches a request path (no query string, still percent-encoded). Fills `bindings` with the
  // decoded variable values. A path whose last segment holds ":" only matches a template with
  // that verb.
  bool Match(const std::string& path, Bindings* bindings,
             UnescapeMode mode = UnescapeMode::kAllExceptReserved) const;
  bool Match(const SplitPath& path, Bindings* bindings,
             UnescapeMode mode = UnescapeMode::kAllExceptReserved) const;

  const std::string& text() const { return text_; }
  const std::string& verb() const { return verb_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  // More literal segments = more specific; used to choose between two matching templates.
  int Specificity() const;

 private:
  // Parses "{field=pattern}"'s inside into a variable and its segments; `text` for errors.
  absl::Status AddVariable(const std::string& inner, const std::string& text);
  std::string text_;
  std::string verb_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
};

// Percent-decodes `text`. With `keep_slash`, "%2F" stays encoded. With `plus_as_space`, "+" is a
// space (query strings). Returns false on a malformed escape.
bool PercentDecode(const std::string& text, std::string* out, bool keep_slash = false,
                   bool plus_as_space = false);

// Percent-decodes `text`, leaving the escapes of the characters in `keep` as they are. Returns
// false on a malformed escape.
bool PercentDecodeExcept(const std::string& text, std::string_view keep, std::string* out);

}  // namespace mgi::gateway
