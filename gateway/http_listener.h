// What the HTTP server needs before it serves: the HTTPS context and the listening socket.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "gateway/http_server.h"

namespace mgi::gateway {

// The HTTPS context: the certificate and its key (checked to match), TLS 1.2+, ECDHE with AEAD.
// INVALID_ARGUMENT naming the flag when a file cannot be read or the pair does not match.
absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeTlsContext(
    const HttpServerOptions& options);

// Opens, binds and listens on options.host:options.port (UNAVAILABLE when it cannot).
absl::Status Listen(const HttpServerOptions& options, boost::asio::ip::tcp::acceptor* acceptor);

}  // namespace mgi::gateway
