// Server streaming through the gateway, from the descriptors only: any server-streaming RPC with
// a google.api.http rule becomes a streaming HTTP response.
//
// - `Accept: text/event-stream`: Server-Sent Events. Each message is one event: `id:` is the
//   message's top-level string field `resume_token` (when it has one and it is set), `event:` the
//   name of its top-level enum field `type` without the enum's prefix (TYPE_PUBLISHED ->
//   PUBLISHED), `data:` the message as proto3 JSON. Idle streams get comment heartbeats
//   (`: heartbeat`). A reconnecting EventSource's `Last-Event-ID` becomes the request's top-level
//   `resume_token` field (it wins over the query's).
// - Otherwise NDJSON (`application/x-ndjson`): one JSON message per line, chunked.
//
// The head is sent once the backend accepted the call (its initial metadata) or sent its first
// message, so a refusal (bad filter, token, access) is an ordinary HTTP error. An error after
// that ends the body with a final error object in the same framing (SSE `event: error`; an NDJSON
// line `{"error":{...}}`), in the AIP-193 envelope of every error.
//
// Messages are read from the backend one at a time, after the previous one was written to the
// client: a slow client slows its own backend call, the gateway holds one message per stream.
// The client going away cancels the backend call at once; a shutdown cancels it and ends the
// body cleanly. Streams are capped in all and per client (429 beyond either); the response cache
// never sees them.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <google/protobuf/message.h>

#include "services/common/metrics.h"
#include "gateway/backend.h"
#include "gateway/http_types.h"
#include "gateway/response_writer.h"
#include "gateway/routes.h"

namespace mgi::gateway {

struct StreamOptions {
  int max_streams = 10000;          // open streams in all (0: no cap)
  int max_streams_per_client = 32;  // per client (token hash, else address; 0: no cap)
  // SSE comment heartbeat after this long without a write (0: none). Keep it below the server's
  // idle timeout and the proxies' read timeouts.
  std::chrono::milliseconds heartbeat{15000};
  // The backend call's deadline (0: none). SSE clients reconnect by themselves with Last-Event-ID.
  std::chrono::milliseconds max_duration{0};
};

// The framing of one streaming response.
enum class StreamFormat { kSse, kNdjson };
// SSE when `accept` names text/event-stream, else NDJSON.
StreamFormat StreamFormatFor(const std::string& accept);
// One message as a frame of `format` (see above), or INTERNAL when it cannot be printed.
absl::StatusOr<std::string> FormatStreamMessage(StreamFormat format,
                                                const google::protobuf::Message& message);
// The final error frame: the AIP-193 envelope in `format`.
std::string FormatStreamError(StreamFormat format, int grpc_code, const std::string& message,
                              const std::string& details_bin);

class Streams {
 public:
  Streams(StreamOptions options, Backends* backends, MetricsRegistry* metrics,
          const ResponseWriter* writer);

  static bool IsStreaming(const Route& route) { return route.method->server_streaming(); }
  // SSE reconnects: `Last-Event-ID` into the request message's top-level string `resume_token`.
  static void ApplyLastEventId(const HttpRequest& request, google::protobuf::Message* message);

  // Starts `call` for `request` on `route`. `answer` runs exactly once: with the streaming
  // response's head (HttpResponse::stream set), or with an error response (429 over a cap; the
  // backend's refusal before it accepted the call).
  void Serve(const HttpRequest& request, const Route& route, BackendCall call,
             std::function<void(HttpResponse)> answer);

  int open() const { return open_.load(); }

 private:
  friend class StreamingCall;
  bool Admit(const std::string& client);
  void Release(const std::string& client);

  StreamOptions options_;
  Backends* backends_;
  MetricsRegistry* metrics_;
  const ResponseWriter* writer_;
  Gauge* open_gauge_;
  std::atomic<int> open_{0};
  std::mutex mu_;
  std::map<std::string, int> per_client_;
};

}  // namespace mgi::gateway
