// libFuzzer target over JSON request bodies as the gateway handles them (gateway.cc: the depth
// limit, then request_builder.h), on the suite's real routes.
// Input: line 1 "<METHOD> <path>" (a route of the suite, e.g. "POST /v1/profiles"), line 2 the
// Content-Type, the rest the body. Properties:
//   - JsonTooDeep is exact on valid JSON without NUL bytes: too deep for a limit exactly when the
//     nesting exceeds it;
//   - a body within the gateway's limit (32) is either built into a request that survives the
//     wire and a proto3 JSON round trip, or refused with INVALID_ARGUMENT naming a field (or 415)
//     in a well-formed error response; nothing else (no crash, no stack exhaustion).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <nlohmann/json.hpp>

#include <memory>

#include "fuzz_util.h"
#include "gateway/request_builder.h"
#include "gateway/routes.h"
#include "refusal.h"

namespace {

namespace pb = google::protobuf;
using mgi::gateway::RouteTable;
constexpr int kMaxDepth = 32;  // GatewayOptions::max_json_depth

const RouteTable& Routes() {
  static const RouteTable* table = [] {
    auto built = RouteTable::Build(mgi::fuzz::SuiteServices());
    MGI_REQUIRE(built.ok(), "the suite's route table builds");
    return new RouteTable(*std::move(built));
  }();
  return *table;
}

// The nesting depth of a valid JSON text, by nlohmann's iterative SAX parser.
struct DepthSax : nlohmann::json_sax<nlohmann::json> {
  int depth = 0, max = 0;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return Open(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }
  bool Open() {
    max = std::max(max, ++depth);
    return true;
  }
  bool Close() {
    --depth;
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest = mgi::fuzz::AsView(data, size);
  std::string first = mgi::fuzz::TakeLine(&rest);
  mgi::gateway::HttpInput input;
  input.content_type = mgi::fuzz::TakeLine(&rest);
  input.body = std::string(rest);

  // nlohmann's lexer takes a NUL byte for the end of its input, so on a body with one its depth
  // is not the whole body's (JsonTooDeep counts past it, and protobuf's parser refuses the NUL).
  DepthSax sax;
  if (input.body.find('\0') == std::string::npos &&
      nlohmann::json::sax_parse(input.body, &sax, nlohmann::json::input_format_t::json,
                                /*strict=*/true)) {
    for (int limit : {0, 1, sax.max - 1, sax.max, kMaxDepth}) {
      if (limit < 0) continue;
      MGI_REQUIRE(mgi::gateway::JsonTooDeep(input.body, limit) == (sax.max > limit),
                  "JsonTooDeep is exact on valid JSON");
    }
  }
  if (mgi::gateway::JsonTooDeep(input.body, kMaxDepth)) return 0;  // the gateway refuses it

  size_t space = first.find(' ');
  if (space == std::string::npos) return 0;
  RouteTable::Match m = Routes().Find(first.substr(0, space), first.substr(space + 1));
  if (m.route == nullptr) return 0;
  const pb::Message* prototype =
      pb::MessageFactory::generated_factory()->GetPrototype(m.route->method->input_type());
  std::unique_ptr<pb::Message> request(prototype->New());
  absl::Status s = mgi::gateway::BuildRequest(*m.route, m.bindings, input, request.get());
  if (!s.ok()) {
    mgi::fuzz::CheckRefusal(s);
    return 0;
  }
  std::string wire;
  MGI_REQUIRE(request->SerializeToString(&wire), "a built request serializes");
  std::unique_ptr<pb::Message> back(prototype->New());
  MGI_REQUIRE(back->ParseFromString(wire) && pb::util::MessageDifferencer::Equals(*request, *back),
              "a built request survives the wire");
  std::string json;
  if (pb::util::MessageToJsonString(*request, &json).ok()) {
    std::unique_ptr<pb::Message> again(prototype->New());
    MGI_REQUIRE(pb::util::JsonStringToMessage(json, again.get()).ok(),
                "a built request's JSON parses back");
  }
  return 0;
}
