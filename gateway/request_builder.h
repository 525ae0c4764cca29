// Request building (transcoding in): HTTP request parts -> the request message of a route (body,
// path variables, query, If-Match, Accept-Language), strict about unknown or conflicting input.
// Protobuf only, no gRPC or HTTP library types.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "gateway/path_template.h"
#include "gateway/routes.h"

namespace mgi::gateway {

// The field of `d` named `name` in proto (snake_case) or JSON (lowerCamelCase) spelling; null when
// there is none.
const google::protobuf::FieldDescriptor* FindField(const google::protobuf::Descriptor* d,
                                                   const std::string& name);

// What the request builder takes from the HTTP request.
struct HttpInput {
  std::string query;            // raw query string, without '?'
  std::string body;
  std::string content_type;     // "" when absent
  std::string if_match;         // raw If-Match header, "" when absent
  std::string default_language; // from Accept-Language, "" when absent
  // Query parameter names skipped as if absent (--ignored-query-params); null: none.
  const std::set<std::string>* ignored_query_params = nullptr;
};

// `language_from_header` (when given) tells whether Accept-Language chooses the language: the
// request has a `language` field the query and body left empty (the response then varies by it).
// Builds the request message of `route`: body, then path variables, then query parameters, then
// If-Match (into an `etag` field), then the default language (into an empty `language` field).
// Errors are INVALID_ARGUMENT with a BadRequest field violation naming the offending parameter or
// field, or UNIMPLEMENTED-free plain statuses; the caller maps them.
absl::Status BuildRequest(const Route& route, const PathTemplate::Bindings& bindings,
                          const HttpInput& input, google::protobuf::Message* request,
                          bool* language_from_header = nullptr);

// Parses one query string into a message with the proto3 rules of http.proto: `a.b=1` walks
// nested messages, repeated scalars repeat the key, a field set twice or unknown is an error.
// `bound` are field paths already bound by the path or body: naming them (or their children) is an
// error too.
// `labels[k]=v` adds a map entry (query_extras.h); names in `ignored` are skipped.
absl::Status ApplyQuery(const std::string& query, const std::vector<std::string>& bound,
                        google::protobuf::Message* request,
                        const std::set<std::string>* ignored = nullptr);

// Sets the field at dotted `field_path` (proto or JSON names) of `message` from a text value.
absl::Status SetFieldFromText(google::protobuf::Message* message, const std::string& field_path,
                              const std::string& value, bool allow_repeated = false);

// A JSON parser's error message fit to show a client: its first line, printable ASCII, at most
// about 200 bytes, quoted names (fields, types) kept and any other quoted text (the input's own
// bytes) replaced by "...".
std::string SafeJsonError(std::string_view message);

// A JSON request body's Content-Type: absent, application/json or any +json type. Otherwise
// BuildRequest fails with reason UNSUPPORTED_MEDIA_TYPE (HTTP 415).
bool JsonContentType(const std::string& content_type);

// The preferred language of an Accept-Language header (highest q, first on ties), normalised;
// "" when none is usable.
std::string PreferredLanguage(const std::string& accept_language);

// The depth of nested JSON arrays/objects in `json` exceeds `max_depth` (strings are skipped).
bool JsonTooDeep(const std::string& json, int max_depth);

}  // namespace mgi::gateway
