#include "common/peer_auth.h"

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mgi {
namespace {

thread_local const CallerScope* current_scope = nullptr;

std::mutex token_mu;
std::shared_ptr<const std::string> service_authorization;  // "Bearer <token>" or null

std::string CallerAuthorization(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

void RegisterServiceTokenFlag(Config& config, std::string* path) {
  config.String("service-token-file", path,
                "File holding the bearer token this service uses for calls on its own behalf "
                "(e.g. seeding); never logged");
  config.SuiteWide({"service-token-file"});
}

absl::Status LoadServiceToken(const std::string& path) {
  std::shared_ptr<const std::string> value;
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      return absl::InvalidArgumentError(absl::StrCat("cannot read service-token-file ", path));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string token(absl::StripAsciiWhitespace(ss.str()));
    bool printable = !token.empty();
    for (char c : token) {
      if (!absl::ascii_isgraph(static_cast<unsigned char>(c))) printable = false;
    }
    if (!printable) {
      return absl::InvalidArgumentError(
          absl::StrCat("service-token-file ", path, ": expected one token (printable, no spaces)"));
    }
    value = std::make_shared<const std::string>("Bearer " + token);
  }
  std::lock_guard<std::mutex> lock(token_mu);
  service_authorization = std::move(value);
  return absl::OkStatus();
}

CallerScope::CallerScope(const grpc::ServerContextBase& context)
    : CallerScope(CallerAuthorization(context)) {}

CallerScope::CallerScope(std::string authorization)
    : authorization_(std::move(authorization)), previous_(current_scope) {
  current_scope = this;
}

CallerScope::~CallerScope() { current_scope = previous_; }

void AttachPeerAuthorization(grpc::ClientContext& context) {
  if (current_scope != nullptr) {
    if (!current_scope->authorization_.empty()) {
      context.AddMetadata("authorization", current_scope->authorization_);
    }
    return;
  }
  std::shared_ptr<const std::string> token;
  {
    std::lock_guard<std::mutex> lock(token_mu);
    token = service_authorization;
  }
  if (token) context.AddMetadata("authorization", *token);
}

}  // namespace mgi
