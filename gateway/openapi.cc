#include "gateway/openapi.h"

#include <set>

#include <google/api/field_behavior.pb.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/proto_comments.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;
using nlohmann::json;

json ErrorSchema() {
  return {{"type", "object"},
          {"properties",
           {{"error",
             {{"type", "object"},
              {"properties",
               {{"code", {{"type", "integer"}}},
                {"status", {{"type", "string"}}},
                {"message", {{"type", "string"}}},
                {"details", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}}}}}};
}

// The proto comment of an element (proto_comments.h), "" when none was embedded.
std::string Comment(const std::string& full_name) {
  return ProtoComments::Linked().For(full_name);
}

std::string Ref(const pb::Descriptor* d) { return "#/components/schemas/" + d->full_name(); }

class Schemas {
 public:
  json& components() { return components_; }

  json ForMessage(const pb::Descriptor* d) {
    const std::string& n = d->full_name();
    if (n == "google.protobuf.Timestamp") return {{"type", "string"}, {"format", "date-time"}};
    if (n == "google.protobuf.Duration" || n == "google.protobuf.FieldMask") {
      return {{"type", "string"}};
    }
    if (n == "google.protobuf.Empty") return {{"type", "object"}};
    if (n == "google.protobuf.Struct") {
      return {{"type", "object"}, {"additionalProperties", true}};
    }
    // Any JSON value (an empty schema), or an array of them.
    if (n == "google.protobuf.Value") return {{"description", "Any JSON value"}};
    if (n == "google.protobuf.ListValue") return {{"type", "array"}, {"items", json::object()}};
    if (n == "google.protobuf.Any") {
      return {{"type", "object"},
              {"properties", {{"@type", {{"type", "string"}}}}},
              {"additionalProperties", true}};
    }
    if (n == "google.protobuf.StringValue") return {{"type", "string"}};
    if (n == "google.protobuf.BoolValue") return {{"type", "boolean"}};
    if (n == "google.protobuf.Int32Value" || n == "google.protobuf.UInt32Value") {
      return {{"type", "integer"}};
    }
    if (n == "google.protobuf.DoubleValue" || n == "google.protobuf.FloatValue") {
      return {{"type", "number"}};
    }
    if (n == "google.protobuf.Int64Value" || n == "google.protobuf.UInt64Value" ||
        n == "google.protobuf.BytesValue") {
      return {{"type", "string"}};
    }
    Define(d);
    return {{"$ref", Ref(d)}};
  }

  json ForField(const pb::FieldDescriptor* f) {
    if (f->is_map()) {
      return {{"type", "object"},
              {"additionalProperties", ForSingle(f->message_type()->map_value())}};
    }
    json single = ForSingle(f);
    if (f->is_repeated()) return {{"type", "array"}, {"items", single}};
    return single;
  }

 private:
  json ForSingle(const pb::FieldDescriptor* f) {
    switch (f->type()) {
      case pb::FieldDescriptor::TYPE_STRING: return {{"type", "string"}};
      case pb::FieldDescriptor::TYPE_BYTES: return {{"type", "string"}, {"format", "byte"}};
      case pb::FieldDescriptor::TYPE_BOOL: return {{"type", "boolean"}};
      case pb::FieldDescriptor::TYPE_DOUBLE: return {{"type", "number"}, {"format", "double"}};
      case pb::FieldDescriptor::TYPE_FLOAT: return {{"type", "number"}, {"format", "float"}};
      case pb::FieldDescriptor::TYPE_INT64:
      case pb::FieldDescriptor::TYPE_SINT64:
      case pb::FieldDescriptor::TYPE_SFIXED64:
      case pb::FieldDescriptor::TYPE_UINT64:
      case pb::FieldDescriptor::TYPE_FIXED64: return {{"type", "string"}, {"format", "int64"}};
      case pb::FieldDescriptor::TYPE_UINT32:
      case pb::FieldDescriptor::TYPE_FIXED32:
        return {{"type", "integer"}, {"format", "int64"}, {"minimum", 0},
                {"maximum", 4294967295LL}};
      case pb::FieldDescriptor::TYPE_ENUM: {
        if (f->enum_type()->full_name() == "google.protobuf.NullValue") {
          return {{"nullable", true}, {"enum", json::array({nullptr})}};
        }
        json values = json::array();
        for (int i = 0; i < f->enum_type()->value_count(); ++i) {
          values.push_back(f->enum_type()->value(i)->name());
        }
        return {{"type", "string"}, {"enum", values}};
      }
      case pb::FieldDescriptor::TYPE_MESSAGE:
      case pb::FieldDescriptor::TYPE_GROUP: return ForMessage(f->message_type());
      default: return {{"type", "integer"}, {"format", "int32"}};
    }
  }

  void Define(const pb::Descriptor* d) {
    if (defined_.count(d->full_name())) return;
    defined_.insert(d->full_name());
    json props = json::object();
    json required = json::array();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      json schema = ForField(f);
      const auto& behaviors = f->options().GetRepeatedExtension(google::api::field_behavior);
      for (int b : behaviors) {
        if (b == google::api::REQUIRED) required.push_back(f->json_name());
        if (b == google::api::OUTPUT_ONLY && !schema.contains("$ref")) schema["readOnly"] = true;
      }
      // A description beside a $ref would be ignored (OpenAPI 3.0): only plain schemas get one.
      if (std::string doc = Comment(f->full_name()); !doc.empty() && !schema.contains("$ref")) {
        schema["description"] = doc;
      }
      props[f->json_name()] = schema;
    }
    json def = {{"type", "object"}, {"properties", props}};
    if (std::string doc = Comment(d->full_name()); !doc.empty()) def["description"] = doc;
    if (!required.empty()) def["required"] = required;
    components_[d->full_name()] = def;
  }

  json components_ = json::object();
  std::set<std::string> defined_;
};

// Query parameters: scalar leaves not bound by the path or body, nested messages dotted.
void QueryParams(const pb::Descriptor* d, const std::string& prefix,
                 const std::set<std::string>& bound, int depth, Schemas& schemas, json* out) {
  if (depth > 3) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    std::string path = prefix.empty() ? f->name() : prefix + "." + f->name();
    if (bound.count(path) || bound.count("*")) continue;
    if (f->is_map()) continue;
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      json s = schemas.ForField(f);
      bool scalar_like = !s.contains("$ref") && !(s.contains("items") && s["items"].contains("$ref"));
      if (!scalar_like) {
        if (!f->is_repeated()) QueryParams(f->message_type(), path, bound, depth + 1, schemas, out);
        continue;
      }
    }
    json schema = schemas.ForField(f);
    json p = {{"name", path}, {"in", "query"}, {"required", false}, {"schema", schema}};
    if (std::string doc = Comment(f->full_name()); !doc.empty()) p["description"] = doc;
    if (f->is_repeated()) {
      p["style"] = "form";
      p["explode"] = true;
    }
    out->push_back(p);
  }
}

// The OpenAPI path of a template ("/v1/{name=profiles/*}:publish" ->
// "/v1/profiles/{profilesId}:publish"), its path parameters, and the fields they bind.
std::string OpenApiPath(const PathTemplate& t, json* params, std::set<std::string>* bound) {
  std::vector<std::string> segs(t.segments().size());
  std::vector<std::string> names(t.segments().size());
  for (size_t i = 0; i < t.segments().size(); ++i) {
    const auto& s = t.segments()[i];
    if (s.kind == PathTemplate::Segment::kLiteral) {
      segs[i] = s.literal;
      continue;
    }
    std::string base = i > 0 && t.segments()[i - 1].kind == PathTemplate::Segment::kLiteral
                           ? t.segments()[i - 1].literal
                           : "param" + std::to_string(i);
    names[i] = base + "Id";
    segs[i] = "{" + names[i] + "}";
  }
  for (const auto& var : t.variables()) {
    bound->insert(var.field_path);
    bool single_wildcard = var.end - var.begin == 1 &&
                           t.segments()[var.begin].kind != PathTemplate::Segment::kLiteral;
    if (single_wildcard && t.segments()[var.begin].kind == PathTemplate::Segment::kMulti) {
      // "{path=**}": one parameter that may hold several segments ("a/b/c").
      names[var.begin] = var.field_path;
      segs[var.begin] = "{" + var.field_path + "}";
      params->push_back(
          {{"name", var.field_path},
           {"in", "path"},
           {"required", true},
           {"description", absl::StrCat("The `", var.field_path, "` field: zero or more path "
                                        "segments separated by '/' (", t.text(), ")")},
           {"schema", {{"type", "string"}}}});
      continue;
    }
    for (size_t i = var.begin; i < var.end; ++i) {
      if (names[i].empty()) continue;
      if (single_wildcard) {
        names[i] = var.field_path;
        segs[i] = "{" + var.field_path + "}";
      }
      params->push_back({{"name", names[i]},
                         {"in", "path"},
                         {"required", true},
                         {"description", absl::StrCat("A segment of the `", var.field_path,
                                                      "` field (", t.text(), ")")},
                         {"schema", {{"type", "string"}}}});
    }
  }
  std::string path = "/" + absl::StrJoin(segs, "/");
  if (!t.verb().empty()) path += ":" + t.verb();
  return path;
}

json Responses(const Route& route, Schemas& schemas) {
  const pb::MethodDescriptor* m = route.method;
  json responses = json::object();
  if (route.empty_response) {
    responses["204"] = {{"description", "Deleted"}};
  } else if (m->output_type()->full_name() == "google.api.HttpBody") {
    responses["200"] = {
        {"description", "The document, with its own content type"},
        {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
  } else if (m->server_streaming()) {
    // A stream of messages (gateway/stream_writer.h): Server-Sent Events when the request accepts
    // text/event-stream (each event's data is one message), else NDJSON (one message a line).
    json item = schemas.ForMessage(m->output_type());
    responses["200"] = {
        {"description",
         "A stream of messages, one per event (SSE: `id` = the message's resume_token, `event` = "
         "its type, `data` = the message as JSON; Last-Event-ID resumes) or per line (NDJSON); an "
         "error after the first byte ends it with an error object in the same framing"},
        {"content",
         {{"text/event-stream", {{"schema", {{"type", "string"}}}, {"x-mgi-item", item}}},
          {"application/x-ndjson", {{"schema", item}}}}}};
    responses["429"] = {
        {"description", "Too many open streams (for this client, or in all)"},
        {"content",
         {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  } else {
    // With response_body, the body is that field's value (a message, array, map or scalar).
    const pb::FieldDescriptor* rb = route.response_body.empty()
                                        ? nullptr
                                        : m->output_type()->FindFieldByName(route.response_body);
    json schema = rb != nullptr ? schemas.ForField(rb) : schemas.ForMessage(m->output_type());
    responses[route.creates ? "201" : "200"] = {
        {"description", "OK"}, {"content", {{"application/json", {{"schema", schema}}}}}};
  }
  responses["default"] = {
      {"description", "An error (AIP-193)"},
      {"content",
       {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  return responses;
}

json Operation(const Route& route, json params, const std::string& op_id, Schemas& schemas) {
  const pb::MethodDescriptor* m = route.method;
  json op = {{"operationId", op_id},
             {"tags", {m->service()->name()}},
             {"summary", absl::StrCat(m->full_name())},
             {"parameters", std::move(params)}};
  if (std::string doc = Comment(m->full_name()); !doc.empty()) op["description"] = doc;
  if (!route.body.empty()) {
    const pb::FieldDescriptor* field =
        route.body == "*" ? nullptr : m->input_type()->FindFieldByName(route.body);
    const pb::Descriptor* type = field == nullptr ? m->input_type() : field->message_type();
    if (type != nullptr && type->full_name() == "google.api.HttpBody") {
      // The raw bytes with their own Content-Type.
      op["requestBody"] = {
          {"required", true},
          {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
    } else {
      json schema = field == nullptr ? schemas.ForMessage(m->input_type()) : schemas.ForField(field);
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", schema}}}}}};
    }
  }
  op["responses"] = Responses(route, schemas);
  return op;
}

}  // namespace

std::string BuildOpenApi(const RouteTable& routes, const std::string& title,
                         const std::string& version) {
  Schemas schemas;
  json paths = json::object();
  std::set<std::string> operation_ids;
  for (const auto& route : routes.routes()) {
    json params = json::array();
    std::set<std::string> bound;
    std::string path = OpenApiPath(route->path, &params, &bound);
    const pb::MethodDescriptor* m = route->method;
    if (!route->body.empty()) bound.insert(route->body);
    QueryParams(m->input_type(), "", bound, 0, schemas, &params);
    std::string op_id = m->name();
    if (route->binding_index > 0) op_id += "_" + std::to_string(route->binding_index + 1);
    while (operation_ids.count(op_id)) op_id += "_";
    operation_ids.insert(op_id);
    std::string method = route->http_method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // A custom HTTP method (`custom: {kind: "SEARCH"}`) has no OpenAPI 3.0 field: it goes in an
    // extension of the path item ("x-search").
    static const std::set<std::string> kStandard = {"get",     "put",  "post",   "delete",
                                                    "options", "head", "patch", "trace"};
    if (!kStandard.count(method)) method = "x-" + method;
    paths[path][method] = Operation(*route, std::move(params), op_id, schemas);
  }
  schemas.components()["Error"] = ErrorSchema();
  // Every operation may be called with a bearer token; the services decide which need one (an
  // anonymous caller gets 401 where one is required), hence the empty alternative.
  json security_schemes = {
      {"bearerAuth",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"description", "Authorization: Bearer <token>, checked by each service"}}}};
  json doc = {{"openapi", "3.0.3"},
              {"info", {{"title", title}, {"version", version}}},
              {"servers", json::array({{{"url", "/"}, {"description", "This gateway"}}})},
              {"security", json::array({json::object(), {{"bearerAuth", json::array()}}})},
              {"paths", paths},
              {"components",
               {{"schemas", schemas.components()}, {"securitySchemes", security_schemes}}}};
  return doc.dump(2);
}

}  // namespace mgi::gateway
