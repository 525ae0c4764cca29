#include "gateway/stream_writer.h"

#include <deque>
#include <memory>
#include <optional>

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gateway/errors.h"
#include "gateway/rate_limiter.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;

// SSE field values end at a line break: none may reach the wire inside one.
std::string OneLine(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }),
          s.end());
  return s;
}

}  // namespace

StreamFormat StreamFormatFor(const std::string& accept) {
  return absl::StrContains(absl::AsciiStrToLower(accept), "text/event-stream") ? StreamFormat::kSse
                                                                               : StreamFormat::kNdjson;
}

absl::StatusOr<std::string> FormatStreamMessage(StreamFormat format, const pb::Message& message) {
  std::string json;
  pb::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = false;
  if (auto s = pb::util::MessageToJsonString(message, &json, opts); !s.ok()) {
    return absl::InternalError(absl::StrCat("cannot print a streamed message: ",
                                            s.message().ToString()));
  }
  json = OneLine(std::move(json));  // the printer writes none; a guarantee for both framings
  if (format == StreamFormat::kNdjson) return absl::StrCat(json, "\n");
  std::string frame;
  const pb::Descriptor* d = message.GetDescriptor();
  const pb::Reflection* r = message.GetReflection();
  if (const pb::FieldDescriptor* f = d->FindFieldByName("resume_token");
      f != nullptr && f->type() == pb::FieldDescriptor::TYPE_STRING && !f->is_repeated()) {
    std::string id = OneLine(r->GetString(message, f));
    if (!id.empty()) absl::StrAppend(&frame, "id: ", id, "\n");
  }
  if (const pb::FieldDescriptor* f = d->FindFieldByName("type");
      f != nullptr && f->type() == pb::FieldDescriptor::TYPE_ENUM && !f->is_repeated()) {
    const pb::EnumValueDescriptor* v = r->GetEnum(message, f);
    if (v != nullptr && v->number() != 0) {
      std::string name = v->name();
      // TYPE_PUBLISHED of enum Type -> PUBLISHED (buf's ENUM_VALUE_PREFIX convention).
      std::string prefix = absl::StrCat(absl::AsciiStrToUpper(v->type()->name()), "_");
      std::string snake;
      for (char c : v->type()->name()) {  // CamelCase enum names: EventType -> EVENT_TYPE_
        if (absl::ascii_isupper(c) && !snake.empty()) snake.push_back('_');
        snake.push_back(absl::ascii_toupper(c));
      }
      for (const std::string& p : {absl::StrCat(snake, "_"), prefix}) {
        if (absl::StartsWith(name, p) && name.size() > p.size()) {
          name = name.substr(p.size());
          break;
        }
      }
      absl::StrAppend(&frame, "event: ", name, "\n");
    }
  }
  absl::StrAppend(&frame, "data: ", json, "\n\n");
  return frame;
}

std::string FormatStreamError(StreamFormat format, int grpc_code, const std::string& message,
                              const std::string& details_bin) {
  std::string json = OneLine(
      ErrorEnvelope(HttpStatusFromGrpc(grpc_code), grpc_code, message, details_bin));
  if (format == StreamFormat::kNdjson) return absl::StrCat(json, "\n");
  return absl::StrCat("event: error\ndata: ", json, "\n\n");
}

// One streaming response: the backend call on one side, the client's connection on the other.
class StreamingCall final : public ResponseStream,
                            public StreamObserver,
                            public std::enable_shared_from_this<StreamingCall> {
 public:
  StreamingCall(Streams* owner, const Route& route, StreamFormat format, std::string client,
                std::function<void(HttpResponse)> answer, bool anonymous)
      : owner_(owner),
        route_(route),
        format_(format),
        client_(std::move(client)),
        answer_(std::move(answer)),
        anonymous_(anonymous) {}

  void Begin(BackendCall call) {
    auto backend = owner_->backends_->Stream(std::move(call), shared_from_this());
    std::unique_lock<std::mutex> lock(mu_);
    backend_ = backend;
    if (cancelled_) backend_->Cancel();
    if (!finished_) backend_->Read();
  }

  // ResponseStream (the transport).
  void Start(std::shared_ptr<ResponseSink> sink) override {
    std::unique_lock<std::mutex> lock(mu_);
    sink_ = std::move(sink);
    Flush(lock);
  }
  void Cancel(bool shutdown) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    client_gone_ = !shutdown;
    if (backend_) backend_->Cancel();
  }
  std::string HeartbeatBytes() const override {
    return format_ == StreamFormat::kSse ? ": heartbeat\n\n" : "";
  }
  std::chrono::milliseconds heartbeat() const override {
    return format_ == StreamFormat::kSse ? owner_->options_.heartbeat
                                         : std::chrono::milliseconds(0);
  }

  // StreamObserver (the backend).
  void OnStarted() override { AnswerHead(); }
  void OnMessage(std::string bytes) override {
    AnswerHead();
    std::unique_ptr<pb::Message> message(
        pb::MessageFactory::generated_factory()->GetPrototype(route_.method->output_type())->New());
    absl::StatusOr<std::string> frame =
        message->ParseFromString(bytes) ? FormatStreamMessage(format_, *message)
                                        : absl::InternalError("a streamed message did not parse");
    std::unique_lock<std::mutex> lock(mu_);
    if (!frame.ok()) {
      spdlog::warn("stream {}: {}", route_.rpc_path, frame.status().ToString());
      failed_ = true;
      pending_.push_back(FormatStreamError(format_, 13, "the gateway could not print a message", ""));
      if (backend_) backend_->Cancel();
    } else {
      pending_.push_back(*std::move(frame));
      ++messages_;
    }
    Flush(lock);
  }
  void OnFinished(BackendReply reply) override {
    owner_->Release(client_);
    std::unique_lock<std::mutex> lock(mu_);
    finished_ = true;
    if (!answered_) {
      answered_ = true;
      lock.unlock();
      if (reply.code == 0) return answer_(Head());  // an empty stream: the head, then the end
      RouteResponse out = owner_->writer_->FromReply(route_, reply, true, anonymous_);
      return answer_(std::move(out.response));
    }
    // Ended by us (client gone, shutdown) or by the backend: an error the client must hear of
    // goes last, in the stream's framing.
    if (reply.code != 0 && !cancelled_ && !failed_) {
      if (reply.details.empty()) {
        spdlog::warn("stream {} from {}: {} {}", route_.rpc_path, reply.backend,
                     GrpcCodeName(reply.code), reply.message);
      }
      pending_.push_back(FormatStreamError(format_, reply.code, reply.message, reply.details));
    }
    Flush(lock);
  }

 private:
  HttpResponse Head() const {
    HttpResponse r;
    r.status = 200;
    r.Set("Content-Type", format_ == StreamFormat::kSse ? "text/event-stream; charset=utf-8"
                                                        : "application/x-ndjson");
    r.Set("Cache-Control", "no-store");
    r.Set("X-Accel-Buffering", "no");  // proxies such as nginx must not buffer the stream
    r.Set("Vary", "Accept, Authorization");
    r.stream = std::const_pointer_cast<StreamingCall>(shared_from_this());
    return r;
  }

  void AnswerHead() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (answered_) return;
      answered_ = true;
    }
    answer_(Head());
  }

  // With mu_ held: the next pending frame to the sink; after a message, the next read; at the
  // end, the end of the body.
  void Flush(std::unique_lock<std::mutex>& lock) {
    if (!sink_ || writing_) return;
    if (pending_.empty()) {
      if (finished_ && !ended_) {
        ended_ = true;
        auto sink = sink_;
        lock.unlock();
        sink->End();
      }
      return;
    }
    std::string frame = std::move(pending_.front());
    pending_.pop_front();
    writing_ = true;
    auto sink = sink_;
    lock.unlock();
    sink->Write(std::move(frame), [self = shared_from_this()](bool ok) {
      std::unique_lock<std::mutex> lock(self->mu_);
      self->writing_ = false;
      if (!ok) {
        self->cancelled_ = true;
        self->client_gone_ = true;
        if (self->backend_) self->backend_->Cancel();
        self->pending_.clear();
        return;
      }
      if (self->pending_.empty() && !self->finished_ && self->backend_) self->backend_->Read();
      self->Flush(lock);
    });
  }

  Streams* owner_;
  const Route& route_;
  StreamFormat format_;
  std::string client_;
  std::function<void(HttpResponse)> answer_;
  bool anonymous_;
  std::mutex mu_;
  std::shared_ptr<BackendStream> backend_;
  std::shared_ptr<ResponseSink> sink_;
  std::deque<std::string> pending_;
  bool answered_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool ended_ = false;
  bool cancelled_ = false;
  bool client_gone_ = false;
  bool failed_ = false;
  int64_t messages_ = 0;
};

Streams::Streams(StreamOptions options, Backends* backends, MetricsRegistry* metrics,
                 const ResponseWriter* writer)
    : options_(options),
      backends_(backends),
      metrics_(metrics),
      writer_(writer),
      open_gauge_(metrics->GetGauge("mgi_gateway_open_streams",
                                    "Streaming responses (server-streaming calls) open now")) {}

void Streams::ApplyLastEventId(const HttpRequest& request, pb::Message* message) {
  std::string id = request.Header("last-event-id");
  if (id.empty() || id.size() > 1024) return;
  const pb::FieldDescriptor* f = message->GetDescriptor()->FindFieldByName("resume_token");
  if (f == nullptr || f->type() != pb::FieldDescriptor::TYPE_STRING || f->is_repeated()) return;
  message->GetReflection()->SetString(message, f, id);
}

bool Streams::Admit(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  int& mine = per_client_[client];
  bool over = (options_.max_streams > 0 && open_.load() >= options_.max_streams) ||
              (options_.max_streams_per_client > 0 && mine >= options_.max_streams_per_client);
  if (over) {
    if (mine == 0) per_client_.erase(client);
    return false;
  }
  ++mine;
  ++open_;
  open_gauge_->Set(open_.load());
  return true;
}

void Streams::Release(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = per_client_.find(client); it != per_client_.end() && --it->second <= 0) {
    per_client_.erase(it);
  }
  --open_;
  open_gauge_->Set(open_.load());
}

void Streams::Serve(const HttpRequest& request, const Route& route, BackendCall call,
                    std::function<void(HttpResponse)> answer) {
  StreamFormat format = StreamFormatFor(request.Header("accept"));
  bool anonymous = !request.Has("authorization");
  std::string client = ClientKey(request.Header("authorization"), request.peer);
  if (!Admit(client)) {
    metrics_
        ->GetCounter("mgi_gateway_streams_rejected_total",
                     "Streaming requests refused because a stream cap (global or per client) "
                     "was reached")
        ->Inc();
    GatewayError e = MakeError(absl::StatusCode::kResourceExhausted, "TOO_MANY_STREAMS",
                               "too many open streams (for this client or in all); close one or "
                               "retry later");
    HttpResponse r = ErrorResponse(429, e.grpc_code, e.message, e.details_bin);
    r.Set("Retry-After", "5");
    return answer(std::move(r));
  }
  call.timeout = options_.max_duration;
  auto stream = std::make_shared<StreamingCall>(this, route, format, client, std::move(answer),
                                                anonymous);
  stream->Begin(std::move(call));
}

}  // namespace mgi::gateway
