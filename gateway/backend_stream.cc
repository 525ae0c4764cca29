#include "gateway/backend_stream.h"

#include <mutex>

#include <grpcpp/grpcpp.h>

namespace mgi::gateway {
namespace {

// A no-op stream for a refused call.
class NoStream final : public BackendStream {
 public:
  void Read() override {}
  void Cancel() override {}
};

// One call: a bidi reactor used as a server-streaming one (one request, then writes done).
// It owns itself until OnDone; the shared Handle it gives out only forwards while it lives.
class GrpcStream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  struct Handle final : BackendStream {
    std::mutex mu;
    GrpcStream* call = nullptr;  // null once done
    bool cancelled = false;
    void Read() override {
      std::lock_guard<std::mutex> lock(mu);
      if (call != nullptr) call->StartRead(&call->response_);
    }
    void Cancel() override {
      std::lock_guard<std::mutex> lock(mu);
      cancelled = true;
      if (call != nullptr) call->context_.TryCancel();
    }
  };

  GrpcStream(std::string label, BackendCall call, std::shared_ptr<StreamObserver> observer)
      : label_(std::move(label)), observer_(std::move(observer)), handle_(std::make_shared<Handle>()) {
    handle_->call = this;
    grpc::Slice slice(call.request);
    request_ = grpc::ByteBuffer(&slice, 1);
    for (const MetadataEntry& e : call.metadata) {
      context_.AddMetadata(std::string(e.key.view()), e.value.str());
    }
    if (call.timeout.count() > 0) {
      context_.set_deadline(std::chrono::system_clock::now() + call.timeout);
    }
  }

  std::shared_ptr<Handle> handle() { return handle_; }
  grpc::ClientContext* context() { return &context_; }

  void Go() {
    StartWrite(&request_, grpc::WriteOptions().set_last_message());
    StartCall();
  }

  void OnReadInitialMetadataDone(bool ok) override {
    if (ok) observer_->OnStarted();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone brings the status
    std::string message;
    std::vector<grpc::Slice> slices;
    if (response_.Dump(&slices).ok()) {
      for (const auto& s : slices) message.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    observer_->OnMessage(std::move(message));
  }
  void OnWriteDone(bool) override {}
  void OnDone(const grpc::Status& status) override {
    {
      std::lock_guard<std::mutex> lock(handle_->mu);
      handle_->call = nullptr;
    }
    BackendReply reply;
    reply.code = status.error_code();
    reply.message = status.error_message();
    reply.details = status.error_details();
    reply.backend = label_;
    observer_->OnFinished(std::move(reply));
    delete this;
  }

 private:
  std::string label_;
  std::shared_ptr<StreamObserver> observer_;
  std::shared_ptr<Handle> handle_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

}  // namespace

std::shared_ptr<BackendStream> Backends::Stream(BackendCall call,
                                                std::shared_ptr<StreamObserver> observer) {
  BackendReply reply;
  reply.code = grpc::StatusCode::UNIMPLEMENTED;
  reply.message = "no streaming backend for " + call.service;
  observer->OnFinished(std::move(reply));
  return std::make_shared<NoStream>();
}

std::shared_ptr<BackendStream> StartGrpcStream(grpc::GenericStub* stub, const std::string& label,
                                               BackendCall call,
                                               std::shared_ptr<StreamObserver> observer) {
  auto* stream = new GrpcStream(label, call, std::move(observer));
  auto handle = stream->handle();
  stub->PrepareBidiStreamingCall(stream->context(), call.rpc_path, grpc::StubOptions(), stream);
  stream->Go();
  return handle;
}

}  // namespace mgi::gateway
