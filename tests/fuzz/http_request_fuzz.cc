// libFuzzer target over the gateway's HTTP request path: raw bytes from a connection through
// Boost.Beast's request parser with the server's limits, the framing checks and the conversion
// the transport uses (gateway/http_message.h), then Gateway::Handle on the suite's real routes
// with backends answering at once (success, NOT_FOUND with details, or UNAVAILABLE, by input).
// Input: what a client sends on one connection (up to 4 pipelined requests). Properties, for
// every request answered:
//   - exactly one response, synchronously here, with a status 100..599;
//   - no response splitting: header names are tokens, values hold no CR, LF or NUL;
//   - 204 and 304 have no body; an uncompressed JSON response parses as JSON;
//   - a 200 for a file of the explorer is exactly one of gateway/www's files (no traversal).
#include <google/rpc/error_details.pb.h>
#include <google/rpc/status.pb.h>
#include <spdlog/spdlog.h>

#include <boost/asio/buffer.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "fuzz_util.h"
#include "gateway/gateway.h"
#include "gateway/http_message.h"
#include "gateway/openapi.h"

namespace {

namespace http = boost::beast::http;
using namespace mgi::gateway;

// Backends that answer every call at once; the reply depends on the request's size.
class InstantBackends : public Backends {
 public:
  void Call(BackendCall call, std::function<void(BackendReply)> done) override {
    BackendReply reply;
    reply.backend = "fuzz (in-process)";
    switch (call.request.size() % 3) {
      case 0:
        reply.etag = "\"e1\"";
        break;
      case 1: {
        reply.code = 5;
        reply.message = "not found: " + call.rpc_path;
        google::rpc::Status status;
        status.set_code(5);
        status.set_message(reply.message);
        google::rpc::ResourceInfo info;
        info.set_resource_name(call.request.substr(0, 40));
        status.add_details()->PackFrom(info);
        reply.details = status.SerializeAsString();
        break;
      }
      default:
        reply.code = 14;
        reply.message = "connection refused";
    }
    done(reply);
  }
  void CheckHealth(std::chrono::milliseconds,
                   std::function<void(std::vector<BackendHealth>)> done) override {
    done({BackendHealth{"mgi.catalog.v1.CatalogService", "127.0.0.1:1", true, "SERVING", ""}});
  }
};

struct World {
  InstantBackends backends;
  mgi::MetricsRegistry metrics;
  std::unique_ptr<Gateway> gateway;
  std::set<std::string> www_files;
  World() {
    spdlog::set_level(spdlog::level::off);
    std::string www = std::string(MGI_SOURCE_DIR) + "/gateway/www";
    for (const auto& e : std::filesystem::directory_iterator(www)) {
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      www_files.insert(ss.str());
    }
    auto routes = RouteTable::Build(mgi::fuzz::SuiteServices());
    MGI_REQUIRE(routes.ok(), "the suite's route table builds");
    std::string openapi = BuildOpenApi(*routes, "MGI API", "v1");
    GatewayOptions options;
    options.www_dir = www;
    options.cors_origins = {"https://dash.example.org"};
    options.cache_ttl = std::chrono::milliseconds(0);  // each input on its own
    gateway = std::make_unique<Gateway>(options, *std::move(routes), &backends, &metrics, openapi);
  }
};

World& TheWorld() {
  static World* world = new World();
  return *world;
}

bool Token(const std::string& name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c >= 0x7f || std::string_view("\"(),/:;<=>?@[\\]{}").find(c) !=
                                      std::string_view::npos) {
      return false;
    }
  }
  return true;
}

void CheckResponse(const HttpRequest& request, const HttpResponse& r) {
  MGI_REQUIRE(r.status >= 100 && r.status <= 599, "a status is 100..599");
  for (const auto& [name, value] : r.headers) {
    MGI_REQUIRE(Token(name), "a header name is a token");
    MGI_REQUIRE(value.find_first_of(std::string("\r\n\0", 3)) == std::string::npos,
                "a header value holds no CR, LF or NUL");
  }
  if (r.status == 204 || r.status == 304) MGI_REQUIRE(r.body.empty(), "204 and 304 have no body");
  bool json = absl::StartsWith(r.Get("Content-Type"), "application/json");
  if (json && r.Get("Content-Encoding").empty() && request.method != "HEAD") {
    MGI_REQUIRE(nlohmann::json::accept(r.body), "a JSON response parses");
  }
  std::string path = request.target.substr(0, request.target.find('?'));
  if (r.status == 200 && request.method == "GET" && r.Get("Content-Encoding").empty() &&
      r.Get("Content-Security-Policy") == kExplorerCsp) {
    MGI_REQUIRE(TheWorld().www_files.count(r.body) == 1, "an explorer file is a file of www");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& world = TheWorld();
  std::string_view rest = mgi::fuzz::AsView(data, size);
  for (int n = 0; n < 4 && !rest.empty(); ++n) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(1 << 20);   // HttpServerOptions defaults
    parser.header_limit(16 << 10);
    parser.eager(true);
    boost::beast::error_code ec;
    // As http::async_read feeds it: everything received so far, until a message is complete.
    // After need_more, async_read reads more before it puts again (Beast's parser relies on
    // that: it asserts that the next buffer is longer); here the client has sent everything, so
    // need_more means it closed the connection.
    for (int round = 0; round < 1000 && !ec && !parser.is_done(); ++round) {
      size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec == http::error::need_more) {
        ec = {};
        parser.put_eof(ec);
        break;
      }
    }
    if (ec || !parser.is_done()) return 0;  // the transport answers 400/413/431 or closes
    BeastRequest req = parser.release();
    if (!FramingProblem(req).empty()) return 0;  // 400 and close
    HttpRequest request = ToHttpRequest(req);
    HttpRequest copy = request;
    int answers = 0;
    world.gateway->Handle(std::move(request), [&](HttpResponse r) {
      ++answers;
      CheckResponse(copy, r);
    });
    MGI_REQUIRE(answers == 1, "exactly one response");
    if (!req.keep_alive()) return 0;
  }
  return 0;
}
