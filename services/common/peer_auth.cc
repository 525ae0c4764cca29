#include "services/common/peer_auth.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mgi {

PeerCredentials PeerCredentials::Forward(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return Anonymous();
  return PeerCredentials(std::string(it->second.data(), it->second.size()));
}

absl::StatusOr<PeerCredentials> PeerCredentials::FromServiceTokenFile(const std::string& path) {
  if (path.empty()) return Anonymous();
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read service-token-file ", path));
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
  return PeerCredentials("Bearer " + token);
}

void PeerCredentials::Attach(grpc::ClientContext& context) const {
  if (!authorization_.empty()) context.AddMetadata("authorization", authorization_);
}

void RegisterServiceTokenFlag(Config& config, std::string* path) {
  config.String("service-token-file", path,
                "File holding the bearer token this service uses for calls on its own behalf "
                "(e.g. seeding); never logged");
  config.SuiteWide({"service-token-file"});
}

}  // namespace mgi
