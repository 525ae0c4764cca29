#include "gateway/routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <google/api/annotations.pb.h>
#include <google/api/http.pb.h>
#include <google/protobuf/descriptor_database.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/route_checks.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;

// The field at dotted `path` (proto or JSON names) of `d`, through non-repeated messages; null
// when there is none.
const pb::FieldDescriptor* FieldAt(const pb::Descriptor* d, const std::string& path) {
  const pb::FieldDescriptor* f = nullptr;
  for (const auto& part : absl::StrSplit(path, '.')) {
    if (d == nullptr) return nullptr;
    std::string name(part);
    f = d->FindFieldByName(name);
    for (int i = 0; f == nullptr && i < d->field_count(); ++i) {
      if (d->field(i)->json_name() == name) f = d->field(i);
    }
    if (f == nullptr) return nullptr;
    d = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()
            ? f->message_type()
            : nullptr;
  }
  return f;
}

// The HTTP method and path template of a rule.
absl::Status MethodAndPath(const google::api::HttpRule& rule, std::string* method,
                           std::string* path) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet: *method = "GET"; *path = rule.get(); break;
    case google::api::HttpRule::kPut: *method = "PUT"; *path = rule.put(); break;
    case google::api::HttpRule::kPost: *method = "POST"; *path = rule.post(); break;
    case google::api::HttpRule::kDelete: *method = "DELETE"; *path = rule.delete_(); break;
    case google::api::HttpRule::kPatch: *method = "PATCH"; *path = rule.patch(); break;
    case google::api::HttpRule::kCustom:
      *method = absl::AsciiStrToUpper(rule.custom().kind());
      *path = rule.custom().path();
      break;
    default: return absl::InvalidArgumentError("google.api.http rule without a pattern");
  }
  return absl::OkStatus();
}

// Every path variable is a non-repeated scalar field; the body field exists.
absl::Status CheckBindings(const Route& route) {
  const pb::Descriptor* input = route.method->input_type();
  for (const auto& var : route.path.variables()) {
    const pb::FieldDescriptor* leaf = FieldAt(input, var.field_path);
    if (leaf == nullptr || leaf->is_repeated() ||
        leaf->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(absl::StrCat("path variable '", var.field_path,
                                                     "' is not a non-repeated scalar field of ",
                                                     input->full_name()));
    }
  }
  if (!route.body.empty() && route.body != "*" && input->FindFieldByName(route.body) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("body field '", route.body, "' does not exist"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Route>> MakeRoute(const pb::MethodDescriptor* method,
                                                 const google::api::HttpRule& rule, int index) {
  auto route = std::make_unique<Route>();
  std::string path;
  if (auto s = MethodAndPath(rule, &route->http_method, &path); !s.ok()) return s;
  auto parsed = PathTemplate::Parse(path);
  if (!parsed.ok()) return parsed.status();
  route->path = *std::move(parsed);
  route->method = method;
  route->body = rule.body();
  route->response_body = rule.response_body();
  route->rpc_path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
  route->binding_index = index;
  route->specificity = route->path.Specificity();
  route->label = absl::StrCat(route->http_method, " ", route->path.text());
  route->creates = route->http_method == "POST" && route->path.verb().empty() &&
                   absl::StartsWith(method->name(), "Create");
  route->empty_response = method->output_type()->full_name() == "google.protobuf.Empty";
  if (auto s = CheckBindings(*route); !s.ok()) return s;
  if (auto s = CheckResponseBody(*route); !s.ok()) return s;
  return route;
}

}  // namespace

std::vector<const pb::ServiceDescriptor*> LinkedAnnotatedServices() {
  std::vector<std::string> files;
  pb::DescriptorPool::internal_generated_database()->FindAllFileNames(&files);
  std::vector<const pb::ServiceDescriptor*> out;
  for (const std::string& name : files) {
    const pb::FileDescriptor* file = pb::DescriptorPool::generated_pool()->FindFileByName(name);
    if (file == nullptr) continue;
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* svc = file->service(s);
      for (int m = 0; m < svc->method_count(); ++m) {
        if (svc->method(m)->options().HasExtension(google::api::http)) {
          out.push_back(svc);
          break;
        }
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](auto* a, auto* b) { return a->full_name() < b->full_name(); });
  return out;
}

absl::StatusOr<RouteTable> RouteTable::Build(
    const std::vector<const pb::ServiceDescriptor*>& services) {
  RouteTable table;
  for (const pb::ServiceDescriptor* svc : services) {
    for (int m = 0; m < svc->method_count(); ++m) {
      const pb::MethodDescriptor* method = svc->method(m);
      if (!method->options().HasExtension(google::api::http)) continue;
      // Unary and server-streaming methods (the latter as streaming responses,
      // stream_writer.h); client streaming has no HTTP mapping here.
      if (method->client_streaming()) {
        spdlog::warn("{}: client-streaming methods are not served over HTTP", method->full_name());
        continue;
      }
      const google::api::HttpRule& main = method->options().GetExtension(google::api::http);
      std::vector<const google::api::HttpRule*> rules = {&main};
      for (const auto& extra : main.additional_bindings()) rules.push_back(&extra);
      for (size_t i = 0; i < rules.size(); ++i) {
        auto route = MakeRoute(method, *rules[i], static_cast<int>(i));
        if (!route.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(method->full_name(), ": ", route.status().message()));
        }
        table.routes_.push_back(*std::move(route));
      }
    }
  }
  if (auto s = CheckRouteConflicts(table.routes_); !s.ok()) return s;
  return table;
}

RouteTable::Match RouteTable::Find(const std::string& http_method, const std::string& path) const {
  Match result;
  int best = -1;
  // The path is split once; Match allocates only for a template of the path's shape (its
  // variables decoded, which may still fail on a malformed escape).
  PathTemplate::SplitPath split = PathTemplate::Split(path);
  PathTemplate::Bindings bindings;
  for (const auto& route : routes_) {
    if (!route->path.Match(split, &bindings, mode_)) continue;
    if (std::find(result.allowed.begin(), result.allowed.end(), route->http_method) ==
        result.allowed.end()) {
      result.allowed.push_back(route->http_method);
    }
    if (route->http_method != http_method) continue;
    int specificity = route->specificity;
    if (specificity > best) {
      best = specificity;
      result.route = route.get();
      result.bindings = std::move(bindings);
      bindings = {};
    }
  }
  std::sort(result.allowed.begin(), result.allowed.end());
  return result;
}

}  // namespace mgi::gateway
