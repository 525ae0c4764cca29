#include "gateway/http_listener.h"

#include <openssl/ssl.h>

#include <boost/beast/core.hpp>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/auth.h"  // CheckPemKeyPair

namespace mgi::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

// The cipher suites offered up to TLS 1.2: forward secrecy (ECDHE) and AEAD only. TLS 1.3's
// suites are all AEAD with forward secrecy (OpenSSL's default list is kept).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return static_cast<bool>(in);
}

}  // namespace

// The HTTPS context: the certificate and its key (checked to match), TLS 1.2+, ECDHE with AEAD.
absl::StatusOr<std::unique_ptr<ssl::context>> MakeTlsContext(const HttpServerOptions& options) {
  std::string cert, key;
  if (!ReadFile(options.tls_cert_file, &cert)) {
    return absl::InvalidArgumentError("cannot read tls-cert-file " + options.tls_cert_file);
  }
  if (!ReadFile(options.tls_key_file, &key)) {
    return absl::InvalidArgumentError("cannot read tls-key-file " + options.tls_key_file);
  }
  if (auto st = CheckPemKeyPair(cert, key, "tls-cert-file", "tls-key-file"); !st.ok()) return st;
  auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use | ssl::context::no_compression);
  SSL_CTX* native = tls->native_handle();
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return absl::InternalError("cannot set the TLS protocol versions and cipher suites");
  }
  beast::error_code ec;
  tls->use_certificate_chain(asio::buffer(cert), ec);
  if (!ec) tls->use_private_key(asio::buffer(key), ssl::context::pem, ec);
  if (ec) return absl::InvalidArgumentError("tls-cert-file/tls-key-file: " + ec.message());
  return tls;
}

absl::Status Listen(const HttpServerOptions& options, tcp::acceptor* acceptor) {
  beast::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("host: bad address ", options.host));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.host, ":", options.port, ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace mgi::gateway
