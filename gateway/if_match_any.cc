#include "gateway/if_match_any.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/status.h"
#include "gateway/errors.h"
#include "gateway/request_builder.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;

bool HasEtagField(const pb::Descriptor* d) {
  const pb::FieldDescriptor* f = d->FindFieldByName("etag");
  return f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING && !f->is_repeated();
}

// `path` without a trailing ":verb" in its last segment.
std::string WithoutVerb(const std::string& path) {
  size_t slash = path.rfind('/');
  size_t colon = path.find(':', slash == std::string::npos ? 0 : slash);
  return colon == std::string::npos ? path : path.substr(0, colon);
}

absl::Status NoTag(const std::string& path) {
  return mgi::InvalidArgument(
      "If-Match", absl::StrCat("If-Match: * needs the current etag of ", path,
                               ", which no GET route gives: send the etag itself"));
}

}  // namespace

bool IsIfMatchAny(const std::string& if_match) {
  return absl::StripAsciiWhitespace(if_match) == "*";
}

bool RouteTakesEtag(const Route& route) {
  const pb::Descriptor* input = route.method->input_type();
  if (HasEtagField(input)) return true;
  if (route.body.empty() || route.body == "*") return false;
  const pb::FieldDescriptor* body = input->FindFieldByName(route.body);
  return body != nullptr && body->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
         !body->is_repeated() && HasEtagField(body->message_type());
}

void CurrentEtag(const RouteTable& routes, Backends* backends, const std::string& path,
                 std::vector<MetadataEntry> metadata, const DispatchOptions& options,
                 std::function<void(absl::StatusOr<std::string>)> done) {
  std::string resource = WithoutVerb(path);
  RouteTable::Match match = routes.Find("GET", resource);
  if (match.route == nullptr || !HasEtagField(match.route->method->output_type()) ||
      !match.route->response_body.empty()) {
    return done(NoTag(resource));
  }
  std::unique_ptr<pb::Message> request(pb::MessageFactory::generated_factory()
                                           ->GetPrototype(match.route->method->input_type())
                                           ->New());
  for (const auto& [field, value] : match.bindings) {
    if (auto s = SetFieldFromText(request.get(), field, value); !s.ok()) return done(s);
  }
  auto call = MakeCall(*match.route, *request, "", std::move(metadata), options);
  if (!call.ok()) return done(call.status());
  const Route* get = match.route;
  backends->Call(*std::move(call), [get, resource, done](BackendReply reply) {
    if (reply.code == 5) {
      return done(absl::FailedPreconditionError(
          absl::StrCat("If-Match: * failed: ", resource, " does not exist")));
    }
    if (reply.code != 0) {  // a transport error's text names addresses: not for the client
      std::string message = reply.details.empty()
                                ? absl::StrCat("cannot read the current etag of ", resource)
                                : reply.message;
      return done(absl::Status(static_cast<absl::StatusCode>(reply.code), message));
    }
    std::unique_ptr<pb::Message> response(pb::MessageFactory::generated_factory()
                                              ->GetPrototype(get->method->output_type())
                                              ->New());
    const pb::FieldDescriptor* f = get->method->output_type()->FindFieldByName("etag");
    std::string etag;
    if (response->ParseFromString(reply.response)) {
      etag = response->GetReflection()->GetString(*response, f);
    }
    if (etag.empty()) return done(NoTag(resource));
    if (etag.front() != '"' && etag.rfind("W/", 0) != 0) etag = absl::StrCat("\"", etag, "\"");
    done(etag);
  });
}

}  // namespace mgi::gateway
