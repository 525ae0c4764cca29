#include "gateway/http_message.h"

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"

namespace mgi::gateway {

namespace http = boost::beast::http;

std::string FramingProblem(const BeastRequest& req) {
  size_t te = 0, host = 0;
  std::string coding;
  for (const auto& field : req) {
    if (field.name() == http::field::transfer_encoding) {
      ++te;
      coding = absl::AsciiStrToLower(absl::StripAsciiWhitespace(std::string(field.value())));
    }
    if (field.name() == http::field::host) ++host;
  }
  if (te > 1 || (te == 1 && coding != "chunked")) {
    return "unsupported Transfer-Encoding: only a single 'chunked' is accepted";
  }
  if (req.version() >= 11 && host != 1) {
    return host == 0 ? "missing Host header" : "more than one Host header";
  }
  return "";
}

HttpRequest ToHttpRequest(BeastRequest& req) {
  HttpRequest request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  for (const auto& field : req) {
    std::string name = absl::AsciiStrToLower(std::string(field.name_string()));
    auto [it, inserted] = request.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  request.body = std::move(req.body());
  return request;
}

}  // namespace mgi::gateway
