#include "gateway/backend.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <unordered_set>

#include <grpc/health/v1/health.pb.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "services/common/revalidation.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/channel.h"
#include "services/common/completion_threads.h"
#include "gateway/backend_stream.h"

namespace mgi::gateway {

absl::StatusOr<BackendMap> BackendMap::Parse(const std::vector<std::string>& entries) {
  BackendMap map;
  for (const std::string& e : entries) {
    size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == e.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("backend: '", e, "' is not <package or service>=<host:port>"));
    }
    map.by_key_[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return map;
}

absl::StatusOr<std::string> BackendMap::Resolve(const std::string& service) const {
  if (auto it = by_key_.find(service); it != by_key_.end()) return it->second;
  const std::string* best = nullptr;
  size_t best_len = 0;
  for (const auto& [key, address] : by_key_) {
    if (absl::StartsWith(service, key + ".") && key.size() > best_len) {
      best = &address;
      best_len = key.size();
    }
  }
  if (best == nullptr) {
    return absl::NotFoundError(absl::StrCat("no backend for service ", service,
                                            ": set its package's --<name>-addr or "
                                            "--backend=<package>=<host:port>"));
  }
  return *best;
}

namespace {

std::string GrpcCodeText(grpc::StatusCode code) {
  return absl::StrCat("code ", static_cast<int>(code));
}

struct Target {
  std::string address;
  std::string services;  // "a.v1.A, b.v1.B"
  std::string label;     // "<services> at <address>"
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
};

// A finished call as a BackendReply: status, the initial metadata the gateway uses, the bytes.
BackendReply ToReply(const grpc::Status& status, const grpc::ClientContext& context,
                     grpc::ByteBuffer& response, const std::string& label) {
  BackendReply reply;
  reply.code = status.error_code();
  reply.message = status.error_message();
  reply.details = status.error_details();
  reply.backend = label;
  for (const auto& [k, v] : context.GetServerInitialMetadata()) {
    std::string key(k.data(), k.size());
    std::string value(v.data(), v.size());
    if (key == "etag") reply.etag = value;
    if (key == "cache-control") reply.cache_control = value;
    if (key == kVersionMetadata) reply.version = value;
    if (key == kNotModifiedMetadata) reply.not_modified = true;
    if (!k.ends_with("-bin")) reply.initial_metadata.emplace_back(std::move(key), std::move(value));
  }
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    if (response.Dump(&slices).ok()) {
      for (const auto& s : slices) {
        reply.response.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
  }
  return reply;
}

class GrpcBackends : public Backends {
 public:
  std::shared_ptr<BackendStream> Stream(BackendCall call,
                                        std::shared_ptr<StreamObserver> observer) override {
    auto it = by_service.find(call.service);
    if (it == by_service.end()) return Backends::Stream(std::move(call), std::move(observer));
    return StartGrpcStream(it->second->stub.get(), it->second->label, std::move(call),
                           std::move(observer));
  }

  explicit GrpcBackends(int completion_threads) : queues_(completion_threads) {}

  std::map<std::string, std::shared_ptr<Target>> by_service;
  std::map<std::string, std::shared_ptr<Target>> by_address;

  void Call(BackendCall call, std::function<void(BackendReply)> done) override {
    auto it = by_service.find(call.service);
    if (it == by_service.end()) {
      BackendReply reply;
      reply.code = grpc::StatusCode::UNIMPLEMENTED;
      reply.message = absl::StrCat("no backend for ", call.service);
      done(std::move(reply));
      return;
    }
    Start(it->second, call.rpc_path, call.request, call.metadata, call.timeout,
          std::move(call.cancel), std::move(done));
  }

  void Shutdown() override {
    std::vector<std::shared_ptr<grpc::ClientContext>> cancelling;
    {
      std::lock_guard<std::mutex> lock(mu_);
      shut_down_ = true;
      for (UnaryCall* call : in_flight_) cancelling.push_back(call->context);
    }
    for (const auto& context : cancelling) context->TryCancel();  // outside the lock
    cancelling.clear();
    std::unique_lock<std::mutex> lock(mu_);
    drained_.wait(lock, [this] { return in_flight_.empty(); });
  }

  void CheckHealth(std::chrono::milliseconds timeout,
                   std::function<void(std::vector<BackendHealth>)> done) override {
    struct Gather {
      std::mutex mu;
      std::vector<BackendHealth> results;
      size_t pending = 0;
      std::function<void(std::vector<BackendHealth>)> done;
    };
    auto gather = std::make_shared<Gather>();
    gather->pending = by_address.size();
    gather->done = std::move(done);
    if (gather->pending == 0) {
      gather->done({});
      return;
    }
    grpc::health::v1::HealthCheckRequest empty;
    const std::string request = empty.SerializeAsString();
    for (auto& [address, target] : by_address) {
      BackendHealth base;
      base.services = target->services;
      base.address = address;
      // On the completion-queue threads like every other call: gRPC's callback API would start
      // its own polling threads, which then take answers from the queue threads (a hand-off
      // per call, docs/performance.md).
      Start(target, "/grpc.health.v1.Health/Check", request, {}, timeout, nullptr,
            [gather, base](BackendReply reply) {
              BackendHealth result = base;
              grpc::health::v1::HealthCheckResponse response;
              if (reply.code != grpc::StatusCode::OK) {
                result.state = "UNREACHABLE";
                result.detail = absl::StrCat(
                    GrpcCodeText(static_cast<grpc::StatusCode>(reply.code)), ": ", reply.message);
              } else if (!response.ParseFromString(reply.response)) {
                result.state = "UNREACHABLE";
                result.detail = "the health answer does not parse";
              } else {
                result.serving =
                    response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
                result.state =
                    grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
              }
              bool last;
              {
                std::lock_guard<std::mutex> lock(gather->mu);
                gather->results.push_back(std::move(result));
                last = --gather->pending == 0;
              }
              if (last) gather->done(std::move(gather->results));
            });
    }
  }

 private:
  // One non-blocking unary call to `target`, answered on a completion-queue thread (or on the
  // caller's, when refused before it starts).
  void Start(const std::shared_ptr<Target>& target, const std::string& rpc_path,
             const std::string& request, const std::vector<MetadataEntry>& metadata,
             std::chrono::milliseconds timeout, std::shared_ptr<CancelSignal> cancel,
             std::function<void(BackendReply)> done) {
    auto unary = std::make_unique<UnaryCall>();
    unary->owner = this;
    unary->target = target;
    grpc::Slice slice(request);
    unary->request = grpc::ByteBuffer(&slice, 1);
    for (const MetadataEntry& e : metadata) {
      unary->context->AddMetadata(std::string(e.key.view()), e.value.str());
    }
    unary->context->set_deadline(std::chrono::system_clock::now() + timeout);
    unary->cancel = std::move(cancel);
    unary->done = std::move(done);
    if (unary->cancel != nullptr) {
      unary->cancel->OnCancel([weak = std::weak_ptr<grpc::ClientContext>(unary->context)] {
        if (auto context = weak.lock()) context->TryCancel();
      });
    }
    bool refused;
    {
      std::lock_guard<std::mutex> lock(mu_);
      refused = shut_down_;
      if (!refused) in_flight_.insert(unary.get());
    }
    if (refused) {
      if (unary->cancel != nullptr) unary->cancel->Clear();
      BackendReply reply;
      reply.code = grpc::StatusCode::UNAVAILABLE;
      reply.message = "the gateway is shutting down";
      reply.backend = unary->target->label;
      unary->done(std::move(reply));
      return;
    }
    unary->reader = unary->target->stub->PrepareUnaryCall(unary->context.get(), rpc_path,
                                                          unary->request, queues_.Next());
    unary->reader->StartCall();
    // From here the queue's thread owns the call: it runs Finished, then deletes it.
    UnaryCall* tag = unary.release();
    tag->reader->Finish(&tag->response, &tag->status, tag);
  }

  // One unary call in flight. The context is shared so that a cancel hook fired after the call
  // ended finds it gone instead of dangling.
  struct UnaryCall final : CompletionThreads::Tag {
    GrpcBackends* owner = nullptr;
    std::shared_ptr<grpc::ClientContext> context = std::make_shared<grpc::ClientContext>();
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    grpc::Status status;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
    std::shared_ptr<Target> target;
    std::shared_ptr<CancelSignal> cancel;
    std::function<void(BackendReply)> done;

    void Finished() override {
      if (cancel != nullptr) cancel->Clear();
      cancel.reset();
      {
        // `done` and what it holds (a connection's session, say) are destroyed before Ended:
        // once Shutdown returns, nothing of a call's caller is left on a queue thread.
        auto answer = std::move(done);
        answer(ToReply(status, *context, response, target->label));
      }
      owner->Ended(this);
    }
  };

  // A call's `done` has run: Shutdown may return once none is left.
  void Ended(UnaryCall* call) {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_.erase(call);
    if (shut_down_ && in_flight_.empty()) drained_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable drained_;
  bool shut_down_ = false;
  std::unordered_set<UnaryCall*> in_flight_;  // started, `done` not yet run

  // Declared last, so destroyed first: it waits for any call still in flight (none after
  // Shutdown) while the rest lives.
  CompletionThreads queues_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Backends>> MakeGrpcBackends(const std::vector<std::string>& services,
                                                           const BackendMap& map,
                                                           const GrpcBackendsOptions& options) {
  auto backends = std::make_unique<GrpcBackends>(options.completion_threads);
  ChannelConfig channel_config;
  channel_config.max_message_bytes = options.max_message_bytes;
  channel_config.tls_ca_file = options.tls_ca_file;
  channel_config.tls_cert_file = options.tls_cert_file;
  channel_config.tls_key_file = options.tls_key_file;
  channel_config.tls_server_name = options.tls_server_name;
  std::vector<std::string> missing;
  for (const std::string& service : services) {
    auto address = map.Resolve(service);
    if (!address.ok()) {
      missing.push_back(std::string(address.status().message()));
      continue;
    }
    auto& target = backends->by_address[*address];
    if (target == nullptr) {
      target = std::make_shared<Target>();
      target->address = *address;
      auto channel = MakeChannel(*address, channel_config);
      if (!channel.ok()) return channel.status();
      target->channel = *channel;
      target->stub = std::make_unique<grpc::GenericStub>(target->channel);
    }
    target->services =
        target->services.empty() ? service : absl::StrCat(target->services, ", ", service);
    backends->by_service[service] = target;
  }
  if (!missing.empty()) return absl::NotFoundError(absl::StrJoin(missing, "; "));
  for (auto& [address, target] : backends->by_address) {
    target->label = absl::StrCat(target->services, " at ", address);
  }
  return std::unique_ptr<Backends>(std::move(backends));
}

}  // namespace mgi::gateway
