#include "healthcheck.h"

#include <grpcpp/grpcpp.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <fstream>
#include <sstream>

#include "grpc/health/v1/health.grpc.pb.h"

namespace mgi::healthcheck {
namespace {

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

bool SplitHostPort(const std::string& address, std::string& host, std::string& port) {
  std::string::size_type colon;
  if (StartsWith(address, "[")) {
    auto close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      return false;
    }
    host = address.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = address.rfind(':');
    if (colon == std::string::npos) return false;
    host = address.substr(0, colon);
  }
  port = address.substr(colon + 1);
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return !host.empty() && ec == std::errc() && end == port.data() + port.size() && value > 0 &&
         value < 65536;
}

std::optional<Options> ParseArgs(const std::vector<std::string>& args, std::string& error,
                                 const std::function<const char*(const char*)>& getenv_fn) {
  Options o;
  auto env = [&](const char* name) -> std::string {
    const char* v = getenv_fn ? getenv_fn(name) : nullptr;
    return v ? v : "";
  };
  o.tls_ca_file = env("MGI_HEALTHCHECK_TLS_CA_FILE");
  o.tls_cert_file = env("MGI_HEALTHCHECK_TLS_CERT_FILE");
  o.tls_key_file = env("MGI_HEALTHCHECK_TLS_KEY_FILE");
  std::vector<std::string> positional;
  for (const auto& a : args) {
    auto value = [&](const std::string& flag) { return a.substr(flag.size()); };
    if (StartsWith(a, "--timeout=")) {
      std::string v = value("--timeout=");
      int ms = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
      if (ec != std::errc() || end != v.data() + v.size() || ms <= 0) {
        error = "--timeout: expected a positive number of milliseconds, got '" + v + "'";
        return std::nullopt;
      }
      o.timeout = std::chrono::milliseconds(ms);
    } else if (StartsWith(a, "--tls-ca=")) {
      o.tls_ca_file = value("--tls-ca=");
    } else if (StartsWith(a, "--tls-cert=")) {
      o.tls_cert_file = value("--tls-cert=");
    } else if (StartsWith(a, "--tls-key=")) {
      o.tls_key_file = value("--tls-key=");
    } else if (StartsWith(a, "--tls-server-name=")) {
      o.tls_server_name = value("--tls-server-name=");
    } else if (StartsWith(a, "--")) {
      error = "unknown option '" + a + "'";
      return std::nullopt;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.empty()) {
    error = "missing mode: expected 'grpc' or 'http'";
    return std::nullopt;
  }
  const std::string& mode = positional[0];
  if (mode == "grpc") {
    if (positional.size() < 2 || positional.size() > 3) {
      error = "usage: mgi-healthcheck grpc <host:port> [service]";
      return std::nullopt;
    }
    o.mode = Mode::kGrpc;
    if (positional.size() == 3) o.service = positional[2];
  } else if (mode == "http") {
    if (positional.size() != 3) {
      error = "usage: mgi-healthcheck http <host:port> <path>";
      return std::nullopt;
    }
    o.mode = Mode::kHttp;
    o.path = positional[2];
    if (!StartsWith(o.path, "/")) {
      error = "path: must start with '/', got '" + o.path + "'";
      return std::nullopt;
    }
  } else {
    error = "mode: expected 'grpc' or 'http', got '" + mode + "'";
    return std::nullopt;
  }
  o.address = positional[1];
  std::string host, port;
  if (!SplitHostPort(o.address, host, port)) {
    error = "address: expected host:port, got '" + o.address + "'";
    return std::nullopt;
  }
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    error = "--tls-cert and --tls-key must be given together";
    return std::nullopt;
  }
  return o;
}

int RunGrpc(const Options& o, std::string& reason) {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  grpc::ChannelArguments channel_args;
  if (o.tls_ca_file.empty() && o.tls_cert_file.empty()) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    if (!o.tls_ca_file.empty() && !ReadFile(o.tls_ca_file, ssl.pem_root_certs)) {
      reason = "cannot read TLS CA file " + o.tls_ca_file;
      return kUsage;
    }
    if (!o.tls_cert_file.empty() && (!ReadFile(o.tls_cert_file, ssl.pem_cert_chain) ||
                                     !ReadFile(o.tls_key_file, ssl.pem_private_key))) {
      reason = "cannot read TLS client certificate or key";
      return kUsage;
    }
    creds = grpc::SslCredentials(ssl);
    if (!o.tls_server_name.empty()) {
      channel_args.SetSslTargetNameOverride(o.tls_server_name);
    }
  }
  auto channel = grpc::CreateCustomChannel(o.address, creds, channel_args);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + o.timeout);
  context.set_wait_for_ready(true);  // ride out a connection still being established
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(o.service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    reason = "Check(\"" + o.service + "\") on " + o.address + " failed: code " +
             std::to_string(status.error_code()) + " " + status.error_message();
    return kUnhealthy;
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    reason = "Check(\"" + o.service + "\") on " + o.address + ": " +
             grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
    return kUnhealthy;
  }
  return kHealthy;
}

int RunHttp(const Options& o, std::string& reason) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using tcp = boost::asio::ip::tcp;
  std::string host, port;
  SplitHostPort(o.address, host, port);
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(o.timeout);
    stream.connect(resolver.resolve(host, port));
    http::request<http::empty_body> req{http::verb::get, o.path, 11};
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "mgi-healthcheck");
    req.set(http::field::connection, "close");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    if (res.result_int() != 200) {
      reason = "GET " + o.path + " on " + o.address + ": HTTP " +
               std::to_string(res.result_int());
      return kUnhealthy;
    }
    return kHealthy;
  } catch (const std::exception& e) {
    reason = "GET " + o.path + " on " + o.address + " failed: " + e.what();
    return kUnhealthy;
  }
}

}  // namespace mgi::healthcheck
