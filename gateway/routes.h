// The route table: one route per google.api.http rule (and additional binding) of every linked
// annotated service, and matching of an HTTP method and path against them. Descriptors only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

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
  int specificity = 0;        // path.Specificity(), computed once
  std::string label;          // "GET /v1/{name=countries/*}": its metrics label
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
  // Routes for every annotated method of `services`. A malformed annotation is an error, and so
  // are a `response_body` that names no top-level response field and two routes that would
  // answer the same request (route_checks.h).
  static absl::StatusOr<RouteTable> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  struct Match {
    const Route* route = nullptr;         // null: no route for this method
    PathTemplate::Bindings bindings;      // when route is set
    std::vector<std::string> allowed;     // methods that match the path (for 405 / Allow)
  };
  Match Find(const std::string& http_method, const std::string& path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  // How multi-segment variables are percent-decoded (default: reserved characters kept).
  void set_unescape_mode(UnescapeMode mode) { mode_ = mode; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  UnescapeMode mode_ = UnescapeMode::kAllExceptReserved;
};

}  // namespace mgi::gateway
