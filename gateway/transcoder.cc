#include "gateway/transcoder.h"

#include <algorithm>
#include <set>

#include <google/api/annotations.pb.h>
#include <google/api/http.pb.h>
#include <google/api/httpbody.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;

const pb::FieldDescriptor* FindField(const pb::Descriptor* d, const std::string& name) {
  const pb::FieldDescriptor* f = d->FindFieldByName(name);
  for (int i = 0; f == nullptr && i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == name) f = d->field(i);
  }
  return f;
}

bool IsWellKnownScalarMessage(const pb::Descriptor* d) {
  static const std::set<std::string> kTypes = {
      "google.protobuf.Timestamp",   "google.protobuf.Duration",    "google.protobuf.FieldMask",
      "google.protobuf.StringValue", "google.protobuf.BytesValue",  "google.protobuf.Int32Value",
      "google.protobuf.Int64Value",  "google.protobuf.UInt32Value", "google.protobuf.UInt64Value",
      "google.protobuf.FloatValue",  "google.protobuf.DoubleValue", "google.protobuf.BoolValue"};
  return kTypes.count(d->full_name()) > 0;
}

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += absl::StrCat("\\u00", absl::Hex(c, absl::kZeroPad2));
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

absl::Status SetScalar(pb::Message* msg, const pb::FieldDescriptor* f, const std::string& value,
                       const std::string& path) {
  const pb::Reflection* r = msg->GetReflection();
  bool rep = f->is_repeated();
  auto bad = [&](const std::string& what) {
    return mgi::InvalidArgument(path, absl::StrCat("'", value, "' is not ", what));
  };
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string v = value;
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES &&
          !absl::WebSafeBase64Unescape(value, &v) && !absl::Base64Unescape(value, &v)) {
        return bad("base64");
      }
      rep ? r->AddString(msg, f, v) : r->SetString(msg, f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("a 32-bit integer");
      rep ? r->AddInt32(msg, f, v) : r->SetInt32(msg, f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("a 64-bit integer");
      rep ? r->AddInt64(msg, f, v) : r->SetInt64(msg, f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("an unsigned 32-bit integer");
      rep ? r->AddUInt32(msg, f, v) : r->SetUInt32(msg, f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("an unsigned 64-bit integer");
      rep ? r->AddUInt64(msg, f, v) : r->SetUInt64(msg, f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return bad("a number");
      rep ? r->AddDouble(msg, f, v) : r->SetDouble(msg, f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      float v;
      if (!absl::SimpleAtof(value, &v)) return bad("a number");
      rep ? r->AddFloat(msg, f, v) : r->SetFloat(msg, f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (value == "true" || value == "1") {
        v = true;
      } else if (value == "false" || value == "0") {
        v = false;
      } else {
        return bad("true or false");
      }
      rep ? r->AddBool(msg, f, v) : r->SetBool(msg, f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* ev = f->enum_type()->FindValueByName(value);
      int n;
      if (ev == nullptr && absl::SimpleAtoi(value, &n)) ev = f->enum_type()->FindValueByNumber(n);
      if (ev == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < f->enum_type()->value_count(); ++i) {
          names.push_back(f->enum_type()->value(i)->name());
        }
        return bad(absl::StrCat("one of ", absl::StrJoin(names, ", ")));
      }
      rep ? r->AddEnum(msg, f, ev) : r->SetEnum(msg, f, ev);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      if (!IsWellKnownScalarMessage(f->message_type())) {
        return mgi::InvalidArgument(
            path, "is a message: set its fields one by one, e.g. " + path + ".<field>=...");
      }
      std::unique_ptr<pb::Message> tmp(
          pb::MessageFactory::generated_factory()->GetPrototype(f->message_type())->New());
      pb::util::JsonParseOptions opts;
      if (!pb::util::JsonStringToMessage(JsonQuote(value), tmp.get(), opts).ok() &&
          !pb::util::JsonStringToMessage(value, tmp.get(), opts).ok()) {
        return bad(absl::StrCat("a valid ", f->message_type()->full_name()));
      }
      pb::Message* target = rep ? r->AddMessage(msg, f) : r->MutableMessage(msg, f);
      target->CopyFrom(*tmp);
      return absl::OkStatus();
    }
  }
  return bad("settable");
}

// Walks `field_path`, returning the message holding the leaf and the leaf field.
absl::Status Walk(pb::Message* root, const std::string& field_path, pb::Message** holder,
                  const pb::FieldDescriptor** leaf, std::string* proto_path) {
  std::vector<std::string> parts = absl::StrSplit(field_path, '.');
  pb::Message* msg = root;
  std::vector<std::string> proto_parts;
  for (size_t i = 0; i < parts.size(); ++i) {
    const pb::FieldDescriptor* f = FindField(msg->GetDescriptor(), parts[i]);
    std::string so_far = absl::StrJoin(proto_parts, ".");
    if (f == nullptr) {
      return mgi::InvalidArgument(
          field_path, absl::StrCat("unknown parameter: ", msg->GetDescriptor()->full_name(),
                                   " has no field '", parts[i], "'"));
    }
    proto_parts.push_back(f->name());
    if (i + 1 == parts.size()) {
      *holder = msg;
      *leaf = f;
      *proto_path = absl::StrJoin(proto_parts, ".");
      return absl::OkStatus();
    }
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated() ||
        IsWellKnownScalarMessage(f->message_type())) {
      return mgi::InvalidArgument(field_path,
                                  absl::StrCat("'", parts[i], "' is not a non-repeated message"));
    }
    msg = msg->GetReflection()->MutableMessage(msg, f);
  }
  return mgi::InvalidArgument(field_path, "empty field path");
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

}  // namespace

std::string SafeJsonError(std::string_view message) {
  message = message.substr(0, message.find('\n'));  // protobuf quotes the input below
  std::string out;
  for (size_t i = 0; i < message.size() && out.size() < 200; ++i) {
    char c = message[i];
    if (c == '"' || c == '\'') {
      size_t close = message.find(c, i + 1);
      if (close == std::string_view::npos) break;
      std::string_view inner = message.substr(i + 1, close - i - 1);
      bool name = !inner.empty() && inner.size() <= 64 &&
                  std::all_of(inner.begin(), inner.end(), IsNameChar);
      out.push_back(c);
      out += name ? inner : std::string_view("...");
      out.push_back(c);
      i = close;
    } else if (c >= 0x20 && c <= 0x7e) {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

bool Covers(const std::string& bound, const std::string& path) {
  return bound == "*" || path == bound || absl::StartsWith(path, bound + ".");
}

std::string StripEtag(std::string v) {
  v = std::string(absl::StripAsciiWhitespace(v));
  if (absl::StartsWith(v, "W/")) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
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
      if (method->client_streaming() || method->server_streaming()) continue;  // unary only
      const google::api::HttpRule& main = method->options().GetExtension(google::api::http);
      std::vector<const google::api::HttpRule*> rules = {&main};
      for (const auto& extra : main.additional_bindings()) rules.push_back(&extra);
      for (size_t i = 0; i < rules.size(); ++i) {
        const google::api::HttpRule& rule = *rules[i];
        auto route = std::make_unique<Route>();
        std::string path;
        switch (rule.pattern_case()) {
          case google::api::HttpRule::kGet: route->http_method = "GET"; path = rule.get(); break;
          case google::api::HttpRule::kPut: route->http_method = "PUT"; path = rule.put(); break;
          case google::api::HttpRule::kPost: route->http_method = "POST"; path = rule.post(); break;
          case google::api::HttpRule::kDelete:
            route->http_method = "DELETE";
            path = rule.delete_();
            break;
          case google::api::HttpRule::kPatch:
            route->http_method = "PATCH";
            path = rule.patch();
            break;
          case google::api::HttpRule::kCustom:
            route->http_method = absl::AsciiStrToUpper(rule.custom().kind());
            path = rule.custom().path();
            break;
          default:
            return absl::InvalidArgumentError(
                absl::StrCat(method->full_name(), ": google.api.http rule without a pattern"));
        }
        auto parsed = PathTemplate::Parse(path);
        if (!parsed.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(method->full_name(), ": ", parsed.status().message()));
        }
        route->path = *std::move(parsed);
        route->method = method;
        route->body = rule.body();
        route->response_body = rule.response_body();
        route->rpc_path = absl::StrCat("/", svc->full_name(), "/", method->name());
        route->binding_index = static_cast<int>(i);
        route->creates = route->http_method == "POST" && route->path.verb().empty() &&
                         absl::StartsWith(method->name(), "Create");
        route->empty_response = method->output_type()->full_name() == "google.protobuf.Empty";
        // Check that every bound field exists.
        for (const auto& var : route->path.variables()) {
          std::unique_ptr<pb::Message> probe(
              pb::MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
          pb::Message* holder;
          const pb::FieldDescriptor* leaf;
          std::string proto_path;
          if (!Walk(probe.get(), var.field_path, &holder, &leaf, &proto_path).ok() ||
              leaf->is_repeated() || leaf->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
            return absl::InvalidArgumentError(absl::StrCat(
                method->full_name(), ": path variable '", var.field_path,
                "' is not a non-repeated scalar field of ", method->input_type()->full_name()));
          }
        }
        if (!route->body.empty() && route->body != "*" &&
            method->input_type()->FindFieldByName(route->body) == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat(method->full_name(), ": body field '",
                                                         route->body, "' does not exist"));
        }
        table.routes_.push_back(std::move(route));
      }
    }
  }
  return table;
}

RouteTable::Match RouteTable::Find(const std::string& http_method, const std::string& path) const {
  Match result;
  int best = -1;
  PathTemplate::Bindings bindings;
  for (const auto& route : routes_) {
    if (!route->path.Match(path, &bindings)) continue;
    if (std::find(result.allowed.begin(), result.allowed.end(), route->http_method) ==
        result.allowed.end()) {
      result.allowed.push_back(route->http_method);
    }
    if (route->http_method != http_method) continue;
    int specificity = route->path.Specificity();
    if (specificity > best) {
      best = specificity;
      result.route = route.get();
      result.bindings = bindings;
    }
  }
  std::sort(result.allowed.begin(), result.allowed.end());
  return result;
}

absl::Status SetFieldFromText(pb::Message* message, const std::string& field_path,
                              const std::string& value, bool allow_repeated) {
  pb::Message* holder;
  const pb::FieldDescriptor* leaf;
  std::string proto_path;
  if (auto s = Walk(message, field_path, &holder, &leaf, &proto_path); !s.ok()) return s;
  if (leaf->is_map() || (leaf->is_repeated() && !allow_repeated)) {
    return mgi::InvalidArgument(field_path, "cannot be set from a single value");
  }
  if (leaf->is_repeated() && leaf->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
      !IsWellKnownScalarMessage(leaf->message_type())) {
    return mgi::InvalidArgument(field_path, "is a repeated message: send it in a JSON body");
  }
  return SetScalar(holder, leaf, value, field_path);
}

absl::Status ApplyQuery(const std::string& query, const std::vector<std::string>& bound,
                        pb::Message* request) {
  std::set<std::string> seen;
  for (const auto& part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::string item(part);
    size_t eq = item.find('=');
    std::string raw_key = item.substr(0, eq);
    std::string raw_value = eq == std::string::npos ? "" : item.substr(eq + 1);
    std::string key, value;
    if (!PercentDecode(raw_key, &key, false, true) ||
        !PercentDecode(raw_value, &value, false, true)) {
      return mgi::InvalidArgument(raw_key, "malformed percent-encoding in the query string");
    }
    if (key.empty()) return mgi::InvalidArgument("", "empty query parameter name");
    pb::Message* holder;
    const pb::FieldDescriptor* leaf;
    std::string proto_path;
    if (auto s = Walk(request, key, &holder, &leaf, &proto_path); !s.ok()) {
      return mgi::InvalidArgument(key, absl::StrCat("unknown query parameter '", key, "'"));
    }
    for (const std::string& b : bound) {
      if (Covers(b, proto_path) || Covers(proto_path, b)) {
        return mgi::InvalidArgument(
            key, absl::StrCat("query parameter '", key, "' is already bound by the ",
                              b == "*" ? "body" : "path or body"));
      }
    }
    if (!leaf->is_repeated() && !seen.insert(proto_path).second) {
      return mgi::InvalidArgument(key, absl::StrCat("query parameter '", key, "' given twice"));
    }
    if (auto s = SetFieldFromText(request, key, value, /*allow_repeated=*/true); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status BuildRequest(const Route& route, const PathTemplate::Bindings& bindings,
                          const HttpInput& input, pb::Message* request) {
  const pb::Descriptor* desc = request->GetDescriptor();
  std::vector<std::string> bound;
  // 1. Body.
  if (route.body.empty()) {
    if (!input.body.empty()) {
      return mgi::InvalidArgument("body", absl::StrCat(route.http_method, " ", route.path.text(),
                                                       " takes no request body"));
    }
  } else {
    bound.push_back(route.body);
    const pb::FieldDescriptor* body_field =
        route.body == "*" ? nullptr : desc->FindFieldByName(route.body);
    bool raw_body = body_field != nullptr &&
                    body_field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
                    body_field->message_type()->full_name() == "google.api.HttpBody";
    if (raw_body) {
      auto* hb = static_cast<google::api::HttpBody*>(
          request->GetReflection()->MutableMessage(request, body_field));
      hb->set_content_type(input.content_type);
      hb->set_data(input.body);
    } else if (!input.body.empty()) {
      std::string ct = absl::AsciiStrToLower(input.content_type);
      if (!ct.empty() && !absl::StartsWith(ct, "application/json") &&
          !absl::StrContains(ct, "+json")) {
        return absl::Status(absl::StatusCode::kInvalidArgument,
                            absl::StrCat("unsupported content type '", input.content_type,
                                         "': send application/json"));
      }
      pb::util::JsonParseOptions opts;
      opts.ignore_unknown_fields = false;
      std::string json = body_field == nullptr
                             ? input.body
                             : absl::StrCat("{", JsonQuote(body_field->json_name()), ":",
                                            input.body, "}");
      std::unique_ptr<pb::Message> tmp(request->New());
      auto s = pb::util::JsonStringToMessage(json, tmp.get(), opts);
      if (!s.ok()) {
        return mgi::InvalidArgument(route.body == "*" ? "body" : route.body,
                                    absl::StrCat("malformed JSON body: ",
                                                 SafeJsonError(s.message().ToString())));
      }
      request->MergeFrom(*tmp);
    }
  }
  // 2. Path variables (they win over the body only when the body left them empty or agrees).
  for (const auto& [path, value] : bindings) {
    pb::Message* holder;
    const pb::FieldDescriptor* leaf;
    std::string proto_path;
    if (auto s = Walk(request, path, &holder, &leaf, &proto_path); !s.ok()) return s;
    if (leaf->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      std::string existing = holder->GetReflection()->GetString(*holder, leaf);
      if (!existing.empty() && existing != value) {
        return mgi::InvalidArgument(
            proto_path, absl::StrCat("the body says '", existing, "' but the path says '", value,
                                     "'"));
      }
    }
    if (auto s = SetFieldFromText(request, path, value); !s.ok()) return s;
    bound.push_back(proto_path);
  }
  // 3. Query parameters.
  if (auto s = ApplyQuery(input.query, bound, request); !s.ok()) return s;
  // 4. If-Match -> etag (top level, or in the body message).
  if (!input.if_match.empty()) {
    std::string etag = StripEtag(input.if_match);
    pb::Message* holder = nullptr;
    const pb::FieldDescriptor* f = desc->FindFieldByName("etag");
    if (f != nullptr) {
      holder = request;
    } else if (!route.body.empty() && route.body != "*") {
      const pb::FieldDescriptor* bf = desc->FindFieldByName(route.body);
      if (bf->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !bf->is_repeated()) {
        holder = request->GetReflection()->MutableMessage(request, bf);
        f = holder->GetDescriptor()->FindFieldByName("etag");
      }
    }
    if (f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING &&
        !f->is_repeated()) {
      std::string existing = holder->GetReflection()->GetString(*holder, f);
      if (!existing.empty() && existing != etag) {
        return mgi::InvalidArgument("etag", "the If-Match header and the etag field disagree");
      }
      holder->GetReflection()->SetString(holder, f, etag);
    }
  }
  // 5. Accept-Language -> an empty top-level `language` field.
  if (!input.default_language.empty()) {
    const pb::FieldDescriptor* f = desc->FindFieldByName("language");
    if (f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING &&
        !f->is_repeated() && request->GetReflection()->GetString(*request, f).empty()) {
      request->GetReflection()->SetString(request, f, input.default_language);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RenderedBody> RenderResponse(const Route& route, const pb::Message& response) {
  RenderedBody out;
  out.http_status = route.creates ? 201 : 200;
  const pb::Descriptor* desc = response.GetDescriptor();
  const pb::Reflection* r = response.GetReflection();
  if (const pb::FieldDescriptor* f = desc->FindFieldByName("etag");
      f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING && !f->is_repeated()) {
    out.resource_etag = r->GetString(response, f);
  }
  if (const pb::FieldDescriptor* f = desc->FindFieldByName("state");
      f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM && !f->is_repeated()) {
    const std::string& name = r->GetEnum(response, f)->name();
    out.published = name == "PUBLISHED" || absl::EndsWith(name, "_PUBLISHED");
  }
  const pb::Message* body = &response;
  if (!route.response_body.empty()) {
    const pb::FieldDescriptor* f = desc->FindFieldByName(route.response_body);
    if (f == nullptr) {
      return absl::InternalError(absl::StrCat("response_body field '", route.response_body,
                                              "' is not in ", desc->full_name()));
    }
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      body = &r->GetMessage(response, f);
    }
  }
  if (body->GetDescriptor()->full_name() == "google.api.HttpBody") {
    const auto& hb = static_cast<const google::api::HttpBody&>(*body);
    out.content_type = hb.content_type().empty() ? "application/octet-stream" : hb.content_type();
    out.body = hb.data();
    return out;
  }
  if (route.empty_response && route.response_body.empty()) {
    out.http_status = 204;
    return out;
  }
  pb::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = false;
  auto s = pb::util::MessageToJsonString(*body, &out.body, opts);
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat("cannot print the response: ", s.message().ToString()));
  }
  out.content_type = "application/json";
  return out;
}

bool JsonTooDeep(const std::string& json, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace mgi::gateway
