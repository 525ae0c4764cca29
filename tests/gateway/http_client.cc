#include "http_client.h"

#include <zlib.h>

#include <utility>  // before Boost 1.74 asio, whose awaitable.hpp misses it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace mgi::gateway::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  int port;
  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  bool Connect() {
    stream = std::make_unique<beast::tcp_stream>(ioc);
    beast::error_code ec;
    stream->expires_after(std::chrono::seconds(30));
    stream->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                  static_cast<unsigned short>(port)),
                    ec);
    buffer.clear();
    return !ec;
  }

  Reply Read() {
    Reply reply;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    beast::error_code ec;
    stream->expires_after(std::chrono::seconds(30));
    http::read(*stream, buffer, parser, ec);
    if (ec) {
      stream.reset();
      return reply;
    }
    auto res = parser.release();
    reply.status = res.result_int();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto [it, inserted] = reply.headers.emplace(name, std::string(f.value()));
      if (!inserted) it->second += ", " + std::string(f.value());
    }
    reply.body = std::move(res.body());
    if (!res.keep_alive()) stream.reset();
    return reply;
  }
};

HttpClient::HttpClient(int port) : impl_(std::make_unique<Impl>()) { impl_->port = port; }
HttpClient::~HttpClient() = default;

Reply HttpClient::Send(const std::string& method, const std::string& target,
                       const std::string& body, const std::map<std::string, std::string>& headers) {
  if (impl_->stream == nullptr && !impl_->Connect()) return {};
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  if (req.method() == http::verb::unknown) req.method_string(method);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    req.body() = body;
    req.prepare_payload();
    if (headers.find("Content-Type") == headers.end() && !body.empty()) {
      req.set(http::field::content_type, "application/json");
    }
  }
  beast::error_code ec;
  http::write(*impl_->stream, req, ec);
  if (ec) {
    impl_->stream.reset();
    return {};
  }
  return impl_->Read();
}

Reply HttpClient::Raw(const std::string& bytes) {
  if (!impl_->Connect()) return {};
  beast::error_code ec;
  asio::write(impl_->stream->socket(), asio::buffer(bytes), ec);
  return impl_->Read();
}

Reply Fetch(int port, const std::string& method, const std::string& target,
            const std::string& body, const std::map<std::string, std::string>& headers) {
  HttpClient client(port);
  return client.Send(method, target, body, headers);
}

bool ConnectionRefused(int port) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port)),
                 ec);
  return ec == asio::error::connection_refused;
}

std::string Gunzip(const std::string& data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return "";
  std::string out;
  char chunk[16384];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - zs.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&zs);
  return rc == Z_STREAM_END ? out : "";
}

}  // namespace mgi::gateway::testing
