#include "services/common/channel.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/common/auth.h"

namespace mgi {
namespace {

// round_robin: a peer address that resolves to several servers (a headless Service's DNS name,
// or "ipv4:host:port,host:port") spreads calls over all of them; one address behaves as before.
constexpr char kServiceConfig[] = R"({
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [{}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.05s",
      "maxBackoff": "1s",
      "backoffMultiplier": 2.0,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})";

absl::StatusOr<std::string> Slurp(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", what, " ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

void RegisterChannelFlags(Config& config, ChannelConfig* out) {
  config.Duration("peer-deadline", &out->deadline, "Deadline of each call to a peer service");
  config.String("peer-tls-ca-file", &out->tls_ca_file,
                "PEM CA for peer certificates (enables TLS to peers)");
  config.String("peer-tls-cert-file", &out->tls_cert_file,
                "PEM client certificate for mutual TLS to peers");
  config.String("peer-tls-key-file", &out->tls_key_file, "PEM key of the client certificate");
  config.String("peer-tls-server-name", &out->tls_server_name,
                "Host name expected in peer certificates, when it differs from the address");
  config.SuiteWide({"peer-deadline", "peer-tls-ca-file", "peer-tls-cert-file", "peer-tls-key-file",
                    "peer-tls-server-name"});
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address,
                                                           const ChannelConfig& config) {
  if (address.empty()) return absl::InvalidArgumentError("empty peer address");
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(kServiceConfig);
  args.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  args.SetMaxSendMessageSize(static_cast<int>(config.max_message_bytes));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (config.tls_ca_file.empty()) {
    if (!config.tls_cert_file.empty() || !config.tls_key_file.empty()) {
      return absl::InvalidArgumentError("peer-tls-cert-file needs peer-tls-ca-file");
    }
    if (!config.tls_server_name.empty()) {
      return absl::InvalidArgumentError("peer-tls-server-name needs peer-tls-ca-file");
    }
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions options;
    auto ca = Slurp(config.tls_ca_file, "peer-tls-ca-file");
    if (!ca.ok()) return ca.status();
    if (auto st = CheckPemCertificates(*ca, "peer-tls-ca-file"); !st.ok()) return st;
    options.pem_root_certs = *ca;
    if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
      return absl::InvalidArgumentError("peer-tls-cert-file and peer-tls-key-file go together");
    }
    if (!config.tls_cert_file.empty()) {
      auto cert = Slurp(config.tls_cert_file, "peer-tls-cert-file");
      if (!cert.ok()) return cert.status();
      auto key = Slurp(config.tls_key_file, "peer-tls-key-file");
      if (!key.ok()) return key.status();
      if (auto st = CheckPemKeyPair(*cert, *key, "peer-tls-cert-file", "peer-tls-key-file");
          !st.ok()) {
        return st;
      }
      options.pem_cert_chain = *cert;
      options.pem_private_key = *key;
    }
    if (!config.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(config.tls_server_name);
    }
    creds = grpc::SslCredentials(options);
  }
  return grpc::CreateCustomChannel(address, creds, args);
}

void SetDeadline(grpc::ClientContext& context, const ChannelConfig& config) {
  context.set_deadline(std::chrono::system_clock::now() + config.deadline);
}

}  // namespace mgi
