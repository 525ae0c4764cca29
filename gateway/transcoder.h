// The transcoding core: routes built from the google.api.http annotations of every linked service,
// HTTP request parts -> request message, response message -> HTTP body. Protobuf only, no gRPC or
// HTTP library types.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "gateway/path_template.h"

namespace mgi::gateway {

struct Route {
  std::string http_method;  // "GET", "POST", "PATCH", "PUT", "DELETE" or a custom kind
  PathTemplate path;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string body;           // "" (no body), "*" or a top-level field name
  std::string response_body;  // "" or a top-level response field name
  std::string rpc_path;       // "/mgi.catalog.v1.CatalogService/GetCountry"
  int binding_index = 0;      // 0 for the main rule, 1.. for additional_bindings
  // 201 on success: a POST without a verb to an RPC named Create*.
  bool creates = false;
  // 204 on success: the response is google.protobuf.Empty.
  bool empty_response = false;
};

// The services with google.api.http annotations among the proto files linked into the binary
// (the generated pool), sorted by name.
std::vector<const google::protobuf::ServiceDescriptor*> LinkedAnnotatedServices();

class RouteTable {
 public:
  // Routes for every annotated method of `services`. A malformed annotation is an error.
  static absl::StatusOr<RouteTable> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  struct Match {
    const Route* route = nullptr;         // null: no route for this method
    PathTemplate::Bindings bindings;      // when route is set
    std::vector<std::string> allowed;     // methods that match the path (for 405 / Allow)
  };
  Match Find(const std::string& http_method, const std::string& path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

// What the request builder takes from the HTTP request.
struct HttpInput {
  std::string query;            // raw query string, without '?'
  std::string body;
  std::string content_type;     // "" when absent
  std::string if_match;         // raw If-Match header, "" when absent
  std::string default_language; // from Accept-Language, "" when absent
};

// Builds the request message of `route`: body, then path variables, then query parameters, then
// If-Match (into an `etag` field), then the default language (into an empty `language` field).
// Errors are INVALID_ARGUMENT with a BadRequest field violation naming the offending parameter or
// field, or UNIMPLEMENTED-free plain statuses; the caller maps them.
absl::Status BuildRequest(const Route& route, const PathTemplate::Bindings& bindings,
                          const HttpInput& input, google::protobuf::Message* request);

// Parses one query string into a message with the proto3 rules of http.proto: `a.b=1` walks
// nested messages, repeated scalars repeat the key, a field set twice or unknown is an error.
// `bound` are field paths already bound by the path or body: naming them (or their children) is an
// error too.
absl::Status ApplyQuery(const std::string& query, const std::vector<std::string>& bound,
                        google::protobuf::Message* request);

// Sets the field at dotted `field_path` (proto or JSON names) of `message` from a text value.
absl::Status SetFieldFromText(google::protobuf::Message* message, const std::string& field_path,
                              const std::string& value, bool allow_repeated = false);

struct RenderedBody {
  int http_status = 200;
  std::string content_type;
  std::string body;
  std::string resource_etag;  // the response's top-level `etag` field, "" when none
  bool published = false;     // top-level `state` enum is *_PUBLISHED
};

// Turns a response message into an HTTP body: google.api.HttpBody as raw bytes with its content
// type, Empty as 204, anything else as proto3 JSON.
absl::StatusOr<RenderedBody> RenderResponse(const Route& route,
                                            const google::protobuf::Message& response);

// A JSON parser's error message fit to show a client: its first line, printable ASCII, at most
// about 200 bytes, quoted names (fields, types) kept and any other quoted text (the input's own
// bytes) replaced by "...".
std::string SafeJsonError(std::string_view message);

// The depth of nested JSON arrays/objects in `json` exceeds `max_depth` (strings are skipped).
bool JsonTooDeep(const std::string& json, int max_depth);

}  // namespace mgi::gateway
