// mgi-echo-bench: the baseline of bench/run-all.sh. A raw C++ gRPC server (callback API, generic
// service: no protobuf, no access control, no metrics) that answers every unary call, whatever its
// method, with a message of --reply-bytes bytes (default: the request's own bytes, an echo).
// It is what the machine can do for a gRPC call of that size; the services are measured against it.
//
//   mgi-echo-bench --port=N [--reply-bytes=B] [--threads=T]
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace {

class EchoReactor : public grpc::ServerGenericBidiReactor {
 public:
  explicit EchoReactor(const grpc::Slice* reply) : reply_(reply) { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed without a message: nothing to answer
      Finish(grpc::Status::OK);
      return;
    }
    if (reply_ != nullptr) {
      response_ = grpc::ByteBuffer(reply_, 1);
    } else {
      response_ = request_;
    }
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  const grpc::Slice* reply_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class EchoService : public grpc::CallbackGenericService {
 public:
  explicit EchoService(const grpc::Slice* reply) : reply_(reply) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return new EchoReactor(reply_);
  }

 private:
  const grpc::Slice* reply_;
};

long Flag(int argc, char** argv, std::string_view name, long fallback) {
  std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, prefix.size()) == prefix) return std::strtol(a.data() + prefix.size(), nullptr, 10);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  long port = Flag(argc, argv, "port", 0);
  long reply_bytes = Flag(argc, argv, "reply-bytes", -1);
  std::string payload(reply_bytes > 0 ? static_cast<size_t>(reply_bytes) : 0, 'x');
  grpc::Slice slice(payload);
  EchoService service(reply_bytes >= 0 ? &slice : nullptr);
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &bound);
  builder.RegisterCallbackGenericService(&service);
  auto server = builder.BuildAndStart();
  if (!server) {
    std::cerr << "mgi-echo-bench: cannot listen on port " << port << "\n";
    return 1;
  }
  std::cout << "mgi-echo-bench listening on 127.0.0.1:" << bound << " reply "
            << (reply_bytes >= 0 ? std::to_string(reply_bytes) + " B" : "echo") << std::endl;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  server->Shutdown();
  return 0;
}
