// The backends the gateway calls: a small seam (Backends) and its gRPC implementation, one
// channel per backend address, generic non-blocking unary calls on completion-queue threads.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/cancel.h"
#include "gateway/metadata.h"

namespace mgi::gateway {

struct BackendCall {
  std::string service;   // full service name, e.g. "mgi.catalog.v1.CatalogService"
  std::string rpc_path;  // "/mgi.catalog.v1.CatalogService/GetCountry"
  std::string request;   // serialized request message
  // Forwarded headers: only checked values can be put here (see metadata.h).
  std::vector<MetadataEntry> metadata;
  std::chrono::milliseconds timeout{5000};
  // Set: firing it cancels the call (ClientContext::TryCancel), e.g. when the client went away.
  std::shared_ptr<CancelSignal> cancel;
};

struct BackendReply {
  int code = 0;             // grpc status code
  std::string message;      // grpc-message
  std::string details;      // grpc-status-details-bin (a serialized google.rpc.Status), may be ""
  std::string response;     // serialized response message when code == 0
  std::string backend;      // "name (address)" for error messages
  // Server initial metadata the gateway turns into HTTP headers (each "" when not sent): the
  // `etag` of a body (mgi-report sends the rendered report's) and `cache-control` ("public" when
  // the backend says the response is public data, e.g. the report of a published profile).
  std::string etag;
  std::string cache_control;
  // Revalidation (common/revalidation.h, representation_cache.h): the version the backend gave
  // its answer (`mgi-version`, "" when none), and whether it answered "not modified".
  std::string version;
  bool not_modified = false;
  // All of the server's non-binary initial metadata (the gateway forwards an allow-listed part).
  std::vector<std::pair<std::string, std::string>> initial_metadata;
};

// One backend's answer to a health check.
struct BackendHealth {
  std::string services;  // the services it serves, "a.v1.A, b.v1.B"
  std::string address;   // host:port: for the logs only, never for HTTP clients
  bool serving = false;
  std::string state;     // "SERVING", "NOT_SERVING", "UNREACHABLE"...: safe to show
  std::string detail;    // the gRPC error text, if any: for the logs only
};

// What a server-streaming call reports (Backends::Stream). The callbacks run on backend threads,
// one at a time, in this order: OnStarted at most once, OnMessage any number of times (each
// after a BackendStream::Read), OnFinished exactly once, last.
class StreamObserver {
 public:
  virtual ~StreamObserver() = default;
  // The backend accepted the call (its initial metadata arrived): the stream is open.
  virtual void OnStarted() = 0;
  // One serialized response message.
  virtual void OnMessage(std::string message) = 0;
  // The call's status (code 0: the backend ended the stream).
  virtual void OnFinished(BackendReply status) = 0;
};

// A server-streaming call in flight. Messages are read one at a time: Read asks for the next one
// (the first too), so a slow HTTP client slows the backend instead of filling the gateway's
// memory. Cancel ends the call at once (OnFinished follows, with CANCELLED). Thread-safe.
class BackendStream {
 public:
  virtual ~BackendStream() = default;
  virtual void Read() = 0;
  virtual void Cancel() = 0;
};

class Backends {
 public:
  virtual ~Backends() = default;
  // Starts a server-streaming call (`call.timeout` 0: no deadline). The default answers
  // UNIMPLEMENTED (backends that cannot stream).
  virtual std::shared_ptr<BackendStream> Stream(BackendCall call,
                                                std::shared_ptr<StreamObserver> observer);
  // Starts a call; `done` runs exactly once, on a backend thread (or at once on the caller's, when
  // the call is refused before it starts: no backend, shutting down): it must not block.
  virtual void Call(BackendCall call, std::function<void(BackendReply)> done) = 0;
  // Ends the unary calls still in flight (CANCELLED; each `done` has run and been destroyed, with
  // what it held, before this returns) and answers later unary calls UNAVAILABLE at once. For the
  // end of the process, after the HTTP server stopped (at its grace deadline calls may still be in
  // flight), while what the calls' `done` touches is alive. Health checks are unary calls too (a
  // later one answers each backend UNREACHABLE at once); streams are not covered (the HTTP
  // server's drain ends them). The default does nothing.
  virtual void Shutdown() {}
  // Checks grpc.health.v1 of every backend; `done` gets one result per backend address.
  virtual void CheckHealth(std::chrono::milliseconds timeout,
                           std::function<void(std::vector<BackendHealth>)> done) = 0;
};

// Which backend serves a service: an exact service name, else the longest dotted package prefix.
class BackendMap {
 public:
  // `entries` are "key=address" (key: a package prefix like "mgi.catalog" or a service name).
  static absl::StatusOr<BackendMap> Parse(const std::vector<std::string>& entries);
  void Set(const std::string& key, const std::string& address) { by_key_[key] = address; }
  // The address for `service`, or NOT_FOUND naming it.
  absl::StatusOr<std::string> Resolve(const std::string& service) const;

 private:
  std::map<std::string, std::string> by_key_;
};

// The gRPC implementation: services -> addresses resolved at construction, one channel per address.
struct GrpcBackendsOptions {
  int64_t max_message_bytes = 64 << 20;
  // Threads that read the backends' answers (common/completion_threads.h).
  int completion_threads = 1;
  // TLS towards the backends (all empty: plaintext); see mgi::ChannelConfig.
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;
};
absl::StatusOr<std::unique_ptr<Backends>> MakeGrpcBackends(
    const std::vector<std::string>& services, const BackendMap& map,
    const GrpcBackendsOptions& options);

}  // namespace mgi::gateway
