// From Boost.Beast's parsed request to the gateway's HttpRequest: the framing checks RFC 9112 asks
// for and the conversion. Used by the transport (http_server.cc) and the request-parsing fuzz
// target (tests/fuzz/http_request_fuzz.cc), so both run the same code.
#pragma once

#include <boost/beast/http.hpp>
#include <string>

#include "gateway/http_types.h"

namespace mgi::gateway {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Framing that RFC 9112 says to refuse (the message is not answered, the connection closes): a
// Transfer-Encoding other than exactly "chunked" (§6.3: the body length cannot be known, so the
// bytes after it must not be read as the next request), and an HTTP/1.1 request without exactly
// one Host (§3.2). "" when the request may go on.
std::string FramingProblem(const BeastRequest& req);

// The request with lower-case header names (repeated ones joined by ", "); moves the body out.
HttpRequest ToHttpRequest(BeastRequest& req);

}  // namespace mgi::gateway
