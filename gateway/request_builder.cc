#include "gateway/request_builder.h"

#include <algorithm>
#include <optional>
#include <set>

#include <google/api/annotations.pb.h>
#include <google/api/http.pb.h>
#include <google/api/httpbody.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/language.h"
#include "services/common/status.h"
#include "gateway/http_semantics.h"
#include "gateway/query_extras.h"

namespace mgi::gateway {

const google::protobuf::FieldDescriptor* FindField(const google::protobuf::Descriptor* d,
                                                   const std::string& name) {
  const google::protobuf::FieldDescriptor* f = d->FindFieldByName(name);
  for (int i = 0; f == nullptr && i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == name) f = d->field(i);
  }
  return f;
}

namespace {

namespace pb = google::protobuf;

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

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool ValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (n < 0 || i + static_cast<size_t>(n) >= s.size()) return false;
    uint32_t cp = n == 0 ? c : c & (0x3F >> n);
    for (int k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// Sets (or adds) a numeric or bool field from text; on failure, what the value should be.
std::optional<std::string> SetNumeric(pb::Message* msg, const pb::FieldDescriptor* f,
                                      const std::string& value) {
  const pb::Reflection* r = msg->GetReflection();
  bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v)) return "a 32-bit integer";
      rep ? r->AddInt32(msg, f, v) : r->SetInt32(msg, f, v);
      return std::nullopt;
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return "a 64-bit integer";
      rep ? r->AddInt64(msg, f, v) : r->SetInt64(msg, f, v);
      return std::nullopt;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v)) return "an unsigned 32-bit integer";
      rep ? r->AddUInt32(msg, f, v) : r->SetUInt32(msg, f, v);
      return std::nullopt;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v)) return "an unsigned 64-bit integer";
      rep ? r->AddUInt64(msg, f, v) : r->SetUInt64(msg, f, v);
      return std::nullopt;
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return "a number";
      rep ? r->AddDouble(msg, f, v) : r->SetDouble(msg, f, v);
      return std::nullopt;
    }
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      float v;
      if (!absl::SimpleAtof(value, &v)) return "a number";
      rep ? r->AddFloat(msg, f, v) : r->SetFloat(msg, f, v);
      return std::nullopt;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      if (value != "true" && value != "1" && value != "false" && value != "0") {
        return "true or false";
      }
      bool v = value == "true" || value == "1";
      rep ? r->AddBool(msg, f, v) : r->SetBool(msg, f, v);
      return std::nullopt;
    }
    default: return "settable";
  }
}

// Sets (or adds) an enum field by name or number; on failure, the names it accepts.
std::optional<std::string> SetEnum(pb::Message* msg, const pb::FieldDescriptor* f,
                                   const std::string& value) {
  const pb::EnumValueDescriptor* ev = f->enum_type()->FindValueByName(value);
  int n;
  if (ev == nullptr && absl::SimpleAtoi(value, &n)) ev = f->enum_type()->FindValueByNumber(n);
  if (ev == nullptr) {
    std::vector<std::string> names;
    for (int i = 0; i < f->enum_type()->value_count(); ++i) {
      names.push_back(f->enum_type()->value(i)->name());
    }
    return absl::StrCat("one of ", absl::StrJoin(names, ", "));
  }
  const pb::Reflection* r = msg->GetReflection();
  f->is_repeated() ? r->AddEnum(msg, f, ev) : r->SetEnum(msg, f, ev);
  return std::nullopt;
}

// Sets (or adds) a well-known message field (Timestamp, Duration, FieldMask, wrappers) from its
// JSON string form; on failure, what it should be.
std::optional<std::string> SetWellKnown(pb::Message* msg, const pb::FieldDescriptor* f,
                                        const std::string& value) {
  std::unique_ptr<pb::Message> tmp(
      pb::MessageFactory::generated_factory()->GetPrototype(f->message_type())->New());
  if (f->message_type()->full_name() == "google.protobuf.FieldMask") {
    // Split here: the JSON parser's own reading of a mask is looser than its spec.
    pb::FieldMask mask;
    if (!ParseFieldMaskText(value, &mask).ok()) return "a comma-separated list of field paths";
    tmp->ParseFromString(mask.SerializeAsString());
  } else {
    pb::util::JsonParseOptions opts;
    if (!pb::util::JsonStringToMessage(JsonQuote(value), tmp.get(), opts).ok() &&
        !pb::util::JsonStringToMessage(value, tmp.get(), opts).ok()) {
      return absl::StrCat("a valid ", f->message_type()->full_name());
    }
  }
  const pb::Reflection* r = msg->GetReflection();
  pb::Message* target = f->is_repeated() ? r->AddMessage(msg, f) : r->MutableMessage(msg, f);
  target->CopyFrom(*tmp);
  return std::nullopt;
}

absl::Status SetScalar(pb::Message* msg, const pb::FieldDescriptor* f, const std::string& value,
                       const std::string& path) {
  std::optional<std::string> problem;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string v = value;
      if (f->type() != pb::FieldDescriptor::TYPE_BYTES && !ValidUtf8(value)) {
        return mgi::InvalidArgument(path, "is not valid UTF-8 once percent-decoded");
      }
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES &&
          !absl::WebSafeBase64Unescape(value, &v) && !absl::Base64Unescape(value, &v)) {
        problem = "base64";
        break;
      }
      const pb::Reflection* r = msg->GetReflection();
      f->is_repeated() ? r->AddString(msg, f, v) : r->SetString(msg, f, v);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: problem = SetEnum(msg, f, value); break;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      if (!IsWellKnownScalarMessage(f->message_type())) {
        return mgi::InvalidArgument(
            path, "is a message: set its fields one by one, e.g. " + path + ".<field>=...");
      }
      problem = SetWellKnown(msg, f, value);
      break;
    default: problem = SetNumeric(msg, f, value);
  }
  if (!problem) return absl::OkStatus();
  return mgi::InvalidArgument(path, absl::StrCat("'", value, "' is not ", *problem));
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


}  // namespace

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
                        pb::Message* request, const std::set<std::string>* ignored) {
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
    if (ignored != nullptr && ignored->count(key) > 0) continue;
    if (IsMapParam(key)) {
      if (auto s = ApplyMapParam(request, key, value, bound, &seen); !s.ok()) return s;
      continue;
    }
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

namespace {

// The body: one field ("field") or the whole message ("*"); a google.api.HttpBody field takes the
// raw bytes. Appends what it bound to `bound`.
absl::Status ApplyBody(const Route& route, const HttpInput& input, pb::Message* request,
                       std::vector<std::string>* bound) {
  if (route.body.empty()) {
    if (input.body.empty()) return absl::OkStatus();
    return mgi::InvalidArgument("body", absl::StrCat(route.http_method, " ", route.path.text(),
                                                     " takes no request body"));
  }
  bound->push_back(route.body);
  if (route.body == "*" && request->GetDescriptor()->full_name() == "google.api.HttpBody") {
    auto* hb = static_cast<google::api::HttpBody*>(request);  // the whole request is the body
    hb->set_content_type(input.content_type);
    hb->set_data(input.body);
    return absl::OkStatus();
  }
  const pb::FieldDescriptor* body_field =
      route.body == "*" ? nullptr : request->GetDescriptor()->FindFieldByName(route.body);
  if (body_field != nullptr && body_field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
      body_field->message_type()->full_name() == "google.api.HttpBody") {
    auto* hb = static_cast<google::api::HttpBody*>(
        request->GetReflection()->MutableMessage(request, body_field));
    hb->set_content_type(input.content_type);
    hb->set_data(input.body);
    return absl::OkStatus();
  }
  if (input.body.empty()) return absl::OkStatus();
  std::string field = route.body == "*" ? "body" : route.body;
  // One JSON value and nothing after it: for `body: "field"` the bytes are spliced into an
  // object, so trailing text would set other fields of the request (smuggling).
  if (!nlohmann::json::accept(input.body)) {
    return mgi::InvalidArgument(field, "malformed JSON body: it must be exactly one JSON value");
  }
  if (!JsonContentType(input.content_type)) {
    return mgi::WithReason(absl::InvalidArgumentError(absl::StrCat(
                               "unsupported content type '", input.content_type,
                               "': send application/json")),
                           "UNSUPPORTED_MEDIA_TYPE");
  }
  pb::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  std::string json = body_field == nullptr ? input.body
                                           : absl::StrCat("{", JsonQuote(body_field->json_name()),
                                                          ":", input.body, "}");
  std::unique_ptr<pb::Message> tmp(request->New());
  auto s = pb::util::JsonStringToMessage(json, tmp.get(), opts);
  if (!s.ok()) {
    return mgi::InvalidArgument(
        field, absl::StrCat("malformed JSON body: ", SafeJsonError(s.message().ToString())));
  }
  request->MergeFrom(*tmp);
  return absl::OkStatus();
}

// Path variables: they win over the body only when the body left them empty or agrees.
absl::Status ApplyBindings(const PathTemplate::Bindings& bindings, pb::Message* request,
                           std::vector<std::string>* bound) {
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
    bound->push_back(proto_path);
  }
  return absl::OkStatus();
}

// If-Match -> the `etag` field (top level, or in the body message), the entity-tag exactly as sent
// (AIP-154: the field holds the quoted tag the gateway sent as ETag). `*` (any current
// representation) sets nothing. A route without an etag field cannot honour If-Match: 400.
absl::Status ApplyIfMatch(const Route& route, const std::string& if_match, pb::Message* request) {
  // The tag of a representation (";lang=fr", ";gzip") names the resource's own tag.
  std::string etag = ResourceEtags(std::string(absl::StripAsciiWhitespace(if_match)));
  if (etag.empty()) return absl::OkStatus();
  // The tag goes into a proto3 string: bytes that are not UTF-8 would make the request unparsable
  // at the backend (found by the query_request fuzz target).
  if (!ValidUtf8(etag)) return mgi::InvalidArgument("If-Match", "is not valid UTF-8");
  const pb::Descriptor* desc = request->GetDescriptor();
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
  if (f == nullptr || f->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING || f->is_repeated()) {
    return mgi::InvalidArgument(
        "If-Match", absl::StrCat(route.http_method, " ", route.path.text(),
                                 " has no etag: If-Match cannot be honoured, send it without"));
  }
  if (etag == "*") return absl::OkStatus();  // resolved by the gateway (if_match_any.h)
  std::string existing = holder->GetReflection()->GetString(*holder, f);
  if (!existing.empty() && existing != etag) {
    return mgi::InvalidArgument("etag", "the If-Match header and the etag field disagree");
  }
  holder->GetReflection()->SetString(holder, f, etag);
  return absl::OkStatus();
}

// Accept-Language -> an empty top-level `language` field.
void ApplyLanguage(const std::string& language, pb::Message* request) {
  if (language.empty()) return;
  const pb::FieldDescriptor* f = request->GetDescriptor()->FindFieldByName("language");
  if (f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING && !f->is_repeated() &&
      request->GetReflection()->GetString(*request, f).empty()) {
    request->GetReflection()->SetString(request, f, language);
  }
}

}  // namespace

absl::Status BuildRequest(const Route& route, const PathTemplate::Bindings& bindings,
                          const HttpInput& input, pb::Message* request,
                          bool* language_from_header) {
  std::vector<std::string> bound;
  if (auto s = ApplyBody(route, input, request, &bound); !s.ok()) return s;
  if (auto s = ApplyBindings(bindings, request, &bound); !s.ok()) return s;
  if (auto s = ApplyQuery(input.query, bound, request, input.ignored_query_params); !s.ok()) {
    return s;
  }
  if (auto s = ApplyIfMatch(route, input.if_match, request); !s.ok()) return s;
  if (language_from_header != nullptr) {
    const pb::FieldDescriptor* f = request->GetDescriptor()->FindFieldByName("language");
    *language_from_header = f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING &&
                            !f->is_repeated() &&
                            request->GetReflection()->GetString(*request, f).empty();
  }
  ApplyLanguage(input.default_language, request);
  return absl::OkStatus();
}

bool JsonContentType(const std::string& content_type) {
  std::string ct = absl::AsciiStrToLower(content_type);
  return ct.empty() || absl::StartsWith(ct, "application/json") || absl::StrContains(ct, "+json");
}

std::string PreferredLanguage(const std::string& accept_language) {
  std::string best;
  double best_q = 0;
  for (const auto& part : absl::StrSplit(accept_language, ',', absl::SkipWhitespace())) {
    std::vector<std::string> pieces = absl::StrSplit(part, ';');
    std::string tag(absl::StripAsciiWhitespace(pieces[0]));
    double q = 1;
    for (size_t i = 1; i < pieces.size(); ++i) {
      std::string p(absl::StripAsciiWhitespace(pieces[i]));
      if (absl::StartsWith(p, "q=") && !absl::SimpleAtod(p.substr(2), &q)) q = 0;
    }
    if (tag == "*" || q <= best_q) continue;
    auto normalized = NormalizeLanguage(tag);
    if (!normalized.ok()) continue;
    best = *normalized;
    best_q = q;
  }
  return best;
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
