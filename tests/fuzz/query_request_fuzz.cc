// libFuzzer target over the query string -> request message mapping (gateway/request_builder.h)
// on the suite's real routes.
// Input: line 1 "<METHOD> <path>" (a route of the suite, e.g. "GET /v1/indicators"), line 2 the
// raw query string (without '?'), line 3 an If-Match value, line 4 an Accept-Language value.
// Properties:
//   - building is deterministic, and a built request survives a serialize/parse round trip;
//   - a refusal is INVALID_ARGUMENT naming a field (google.rpc.BadRequest) and its error response
//     is well-formed JSON that still carries that field violation to the client;
//   - a parameter given twice for a singular field is refused; ApplyQuery alone agrees with
//     BuildRequest for a route without body, path variables or If-Match.
#include <google/protobuf/util/message_differencer.h>

#include <memory>

#include "fuzz_util.h"
#include "refusal.h"
#include "gateway/request_builder.h"
#include "gateway/routes.h"

namespace {

namespace pb = google::protobuf;
using mgi::gateway::RouteTable;

const RouteTable& Routes() {
  static const RouteTable* table = [] {
    auto built = RouteTable::Build(mgi::fuzz::SuiteServices());
    MGI_REQUIRE(built.ok(), "the suite's route table builds");
    return new RouteTable(*std::move(built));
  }();
  return *table;
}

std::unique_ptr<pb::Message> NewRequest(const mgi::gateway::Route& route) {
  return std::unique_ptr<pb::Message>(
      pb::MessageFactory::generated_factory()->GetPrototype(route.method->input_type())->New());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest = mgi::fuzz::AsView(data, size);
  std::string first = mgi::fuzz::TakeLine(&rest);
  size_t space = first.find(' ');
  if (space == std::string::npos) return 0;
  mgi::gateway::HttpInput input;
  input.query = mgi::fuzz::TakeLine(&rest);
  input.if_match = mgi::fuzz::TakeLine(&rest);
  input.default_language = mgi::gateway::PreferredLanguage(mgi::fuzz::TakeLine(&rest));
  RouteTable::Match m = Routes().Find(first.substr(0, space), first.substr(space + 1));
  if (m.route == nullptr) return 0;

  auto a = NewRequest(*m.route), b = NewRequest(*m.route);
  bool language_a = false, language_b = false;
  absl::Status sa = mgi::gateway::BuildRequest(*m.route, m.bindings, input, a.get(), &language_a);
  absl::Status sb = mgi::gateway::BuildRequest(*m.route, m.bindings, input, b.get(), &language_b);
  MGI_REQUIRE(sa == sb && language_a == language_b, "building is deterministic");
  if (!sa.ok()) {
    mgi::fuzz::CheckRefusal(sa);
    return 0;
  }
  MGI_REQUIRE(pb::util::MessageDifferencer::Equals(*a, *b), "building is deterministic");
  std::string wire;
  MGI_REQUIRE(a->SerializeToString(&wire), "a built request serializes");
  auto c = NewRequest(*m.route);
  MGI_REQUIRE(c->ParseFromString(wire) && pb::util::MessageDifferencer::Equals(*a, *c),
              "a built request survives the wire");

  if (m.route->body.empty() && m.bindings.empty() && input.if_match.empty() &&
      input.default_language.empty()) {
    auto d = NewRequest(*m.route);
    absl::Status sd = mgi::gateway::ApplyQuery(input.query, {}, d.get());
    MGI_REQUIRE(sd.ok() && pb::util::MessageDifferencer::Equals(*a, *d),
                "ApplyQuery agrees with BuildRequest");
    // The same query twice: fine only when every parameter is repeated (or none is given).
    if (!input.query.empty()) {
      auto e = NewRequest(*m.route);
      absl::Status se = mgi::gateway::ApplyQuery(input.query + "&" + input.query, {}, e.get());
      if (se.ok()) {
        for (int i = 0; i < e->GetDescriptor()->field_count(); ++i) {
          const pb::FieldDescriptor* f = e->GetDescriptor()->field(i);
          if (!f->is_repeated() && f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
            MGI_REQUIRE(!e->GetReflection()->HasField(*e, f),
                        "a singular parameter given twice is refused");
          }
        }
      }
    }
  }
  return 0;
}
