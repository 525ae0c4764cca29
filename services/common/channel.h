// Channels to peer services: one per peer, retries on UNAVAILABLE through the service config,
// deliberate message sizes, optional TLS.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "services/common/config.h"

namespace mgi {

struct ChannelConfig {
  std::chrono::milliseconds deadline{5000};  // per call, all retries included
  int64_t max_message_bytes = 64 << 20;
  // TLS towards peers (all empty: plaintext).
  std::string tls_ca_file;    // CA that peer certificates must chain to (enables TLS)
  std::string tls_cert_file;  // client certificate for mutual TLS
  std::string tls_key_file;
  std::string tls_server_name;  // overrides the host name checked in the peer certificate
};

// Registers peer-deadline and the peer TLS files (suite-wide: MGI_PEER_TLS_CA_FILE...).
void RegisterChannelFlags(Config& config, ChannelConfig* out);

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address,
                                                           const ChannelConfig& config);

// Sets the deadline of a peer call.
void SetDeadline(grpc::ClientContext& context, const ChannelConfig& config);

}  // namespace mgi
