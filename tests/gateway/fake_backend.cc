#include "fake_backend.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

#include <google/rpc/error_details.pb.h>
#include <google/rpc/status.pb.h>
#include <grpcpp/grpcpp.h>

#include "services/common/metrics.h"
#include "services/common/server.h"
#include "services/common/status.h"
#include "gwtest.grpc.pb.h"

namespace mgi::gateway::testing {
namespace {

using namespace mgi::gwtest::v1;

grpc::Status CheckEtag(const std::string& etag) {
  if (etag != "\"v1\"") {  // AIP-154: the field holds the quoted entity-tag
    return mgi::ToGrpcStatus(absl::AbortedError("etag " + etag + " is stale; current is \"v1\""));
  }
  return grpc::Status::OK;
}

class Service;

// A Wait call's reactor: counts the calls the gateway cancelled (a client that went away).
class WaitReactor : public grpc::ServerUnaryReactor {
 public:
  explicit WaitReactor(Service* service) : service_(service) {}
  void OnCancel() override;
  void OnDone() override { delete this; }

 private:
  Service* service_;
};

// google.rpc.Status with a RetryInfo of 2.5 s, as a service asking the client to come back.
grpc::Status WithRetryInfo(grpc::StatusCode code) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message("failed on purpose");
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(2);
  info.mutable_retry_delay()->set_nanos(500000000);
  status.add_details()->PackFrom(info);
  return grpc::Status(code, status.message(), status.SerializeAsString());
}

class Service final : public ThingService::CallbackService {
 public:
  int cancelled = 0;  // Wait calls cancelled by the gateway
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<grpc::ServerUnaryReactor*, std::pair<const WaitRequest*, Thing*>>> waiting;
  std::vector<grpc::ServerUnaryReactor*> held;
  std::map<std::string, int> get_calls;
  // "shelves/s2/things/*": published things whose title PATCH and :publish change.
  std::map<std::string, std::string> titles;

  grpc::ServerUnaryReactor* GetThing(grpc::CallbackServerContext* ctx, const GetThingRequest* req,
                                     Thing* resp) override {
    auto* r = ctx->DefaultReactor();
    std::unique_lock<std::mutex> lock(mu);
    ++get_calls[req->name()];
    if (req->name().rfind("shelves/s2/things/", 0) == 0) {
      resp->set_name(req->name());
      auto it = titles.find(req->name());
      resp->set_title(it == titles.end() ? "original" : it->second);
      resp->set_etag("\"v1\"");
      resp->set_state(THING_STATE_PUBLISHED);
      if (req->name() == "shelves/s2/things/held") {
        held.push_back(r);
        cv.notify_all();
      } else {
        r->Finish(grpc::Status::OK);
      }
      return r;
    }
    lock.unlock();
    if (req->name() == "shelves/s1/things/draft" &&
        ctx->client_metadata().find("authorization") == ctx->client_metadata().end()) {
      // As mgi-assessment: an anonymous caller never reads a draft.
      r->Finish(mgi::ToGrpcStatus(absl::PermissionDeniedError("drafts need a token")));
      return r;
    }
    if (req->name() == "shelves/s1/things/t1" || req->name() == "shelves/s1/things/draft") {
      resp->set_name(req->name());
      resp->set_title("T1 in " + (req->language().empty() ? "??" : req->language()));
      resp->set_etag("\"v1\"");
      resp->set_state(req->name() == "shelves/s1/things/t1" ? THING_STATE_PUBLISHED
                                                            : THING_STATE_DRAFT);
      r->Finish(grpc::Status::OK);
    } else {
      r->Finish(mgi::ToGrpcStatus(mgi::NotFound(req->name())));
    }
    return r;
  }
  grpc::ServerUnaryReactor* CreateThing(grpc::CallbackServerContext* ctx,
                                        const CreateThingRequest* req, Thing* resp) override {
    auto* r = ctx->DefaultReactor();
    if (req->thing().title().empty()) {
      r->Finish(mgi::ToGrpcStatus(mgi::InvalidArgument("thing.title", "is required")));
      return r;
    }
    *resp = req->thing();
    resp->set_name(req->parent() + "/things/" + (req->thing_id().empty() ? "new" : req->thing_id()));
    resp->set_etag("\"v1\"");
    resp->set_state(THING_STATE_DRAFT);
    r->Finish(grpc::Status::OK);
    return r;
  }
  grpc::ServerUnaryReactor* UpdateThing(grpc::CallbackServerContext* ctx,
                                        const UpdateThingRequest* req, Thing* resp) override {
    auto* r = ctx->DefaultReactor();
    grpc::Status s = CheckEtag(req->thing().etag());
    if (s.ok()) {
      *resp = req->thing();
      resp->set_etag("\"v2\"");
      if (req->thing().name().rfind("shelves/s2/things/", 0) == 0) {
        std::lock_guard<std::mutex> lock(mu);
        titles[req->thing().name()] = req->thing().title();
      }
    }
    r->Finish(s);
    return r;
  }
  grpc::ServerUnaryReactor* DeleteThing(grpc::CallbackServerContext* ctx,
                                        const DeleteThingRequest* req,
                                        google::protobuf::Empty*) override {
    auto* r = ctx->DefaultReactor();
    r->Finish(CheckEtag(req->etag()));
    return r;
  }
  grpc::ServerUnaryReactor* PublishThing(grpc::CallbackServerContext* ctx,
                                         const PublishThingRequest* req, Thing* resp) override {
    auto* r = ctx->DefaultReactor();
    grpc::Status s = CheckEtag(req->etag());
    resp->set_name(req->name());
    resp->set_etag("\"v2\"");
    resp->set_state(THING_STATE_PUBLISHED);
    if (s.ok() && req->name().rfind("shelves/s2/things/", 0) == 0) {
      std::lock_guard<std::mutex> lock(mu);
      titles[req->name()] = "published";
    }
    r->Finish(s);
    return r;
  }
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx, const EchoRequest* req,
                                 EchoRequest* resp) override {
    *resp = *req;
    // The answer depends on the caller's metadata: not to be shared, even for anonymous callers.
    ctx->AddInitialMetadata("cache-control", "no-store");
    ctx->AddInitialMetadata("x-served-by", "fake-backend");  // allow-listed in some tests
    ctx->AddInitialMetadata("x-internal", "not-for-clients");  // never allow-listed
    for (const auto& [k, v] : ctx->client_metadata()) {
      std::string key(k.data(), k.size());
      if (key.rfind("grpc-", 0) == 0 || key == "user-agent") continue;
      (*resp->mutable_metadata())[key] = std::string(v.data(), v.size());
    }
    auto left = ctx->deadline() - std::chrono::system_clock::now();
    resp->set_deadline_ms(std::chrono::duration_cast<std::chrono::milliseconds>(left).count());
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
  grpc::ServerUnaryReactor* GetBlob(grpc::CallbackServerContext* ctx, const GetBlobRequest* req,
                                    google::api::HttpBody* resp) override {
    if (req->name().ends_with(".html")) {  // a page, as mgi-report renders them
      resp->set_content_type("text/html; charset=utf-8");
      resp->set_data("<!doctype html><title>" + req->name() + "</title><script>1</script>");
    } else {
      resp->set_content_type("application/x-test");
      resp->set_data(std::string("\x00\x01\x02 raw ", 8) + req->name());
    }
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
  grpc::ServerUnaryReactor* Wait(grpc::CallbackServerContext*, const WaitRequest* req,
                                 Thing* resp) override {
    auto* r = new WaitReactor(this);
    std::lock_guard<std::mutex> lock(mu);
    waiting.push_back({r, {req, resp}});
    cv.notify_all();
    return r;
  }
  grpc::ServerUnaryReactor* Fail(grpc::CallbackServerContext* ctx, const FailRequest* req,
                                 Thing*) override {
    auto* r = ctx->DefaultReactor();
    if (req->code() == 3) {
      r->Finish(mgi::ToGrpcStatus(mgi::InvalidArgument("code", "failed on purpose")));
    } else if (req->code() == 8 || req->code() == 14) {
      r->Finish(WithRetryInfo(static_cast<grpc::StatusCode>(req->code())));
    } else {
      r->Finish(mgi::ToGrpcStatus(
          absl::Status(static_cast<absl::StatusCode>(req->code()), "failed on purpose")));
    }
    return r;
  }
};

void WaitReactor::OnCancel() {
  std::lock_guard<std::mutex> lock(service_->mu);
  ++service_->cancelled;
  service_->cv.notify_all();
}

}  // namespace

struct FakeBackend::Impl {
  Service service;
  mgi::MetricsRegistry metrics;
  std::unique_ptr<mgi::RunningServer> server;
};

std::unique_ptr<FakeBackend> FakeBackend::Start() {
  auto fake = std::unique_ptr<FakeBackend>(new FakeBackend());
  fake->impl_ = std::make_unique<Impl>();
  mgi::ServerConfig config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.metrics_port = -1;
  config.shutdown_grace = std::chrono::milliseconds(2000);
  auto server = mgi::RunningServer::Start(config, &fake->impl_->metrics, {&fake->impl_->service});
  if (!server.ok()) return nullptr;
  fake->impl_->server = *std::move(server);
  return fake;
}

FakeBackend::~FakeBackend() {
  ReleaseAll();
  ReleaseHeld();
  impl_->server->Shutdown();
}

std::string FakeBackend::address() const {
  return "127.0.0.1:" + std::to_string(impl_->server->port());
}

bool FakeBackend::WaitForPending(int n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->service.mu);
  return impl_->service.cv.wait_for(
      lock, timeout, [&] { return static_cast<int>(impl_->service.waiting.size()) >= n; });
}

void FakeBackend::ReleaseAll() {
  std::lock_guard<std::mutex> lock(impl_->service.mu);
  for (auto& [reactor, call] : impl_->service.waiting) {
    call.second->set_title("done " + call.first->label());
    reactor->Finish(grpc::Status::OK);
  }
  impl_->service.waiting.clear();
}

bool FakeBackend::WaitForHeld(int n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->service.mu);
  return impl_->service.cv.wait_for(
      lock, timeout, [&] { return static_cast<int>(impl_->service.held.size()) >= n; });
}

void FakeBackend::ReleaseHeld() {
  std::lock_guard<std::mutex> lock(impl_->service.mu);
  for (auto* reactor : impl_->service.held) reactor->Finish(grpc::Status::OK);
  impl_->service.held.clear();
}

bool FakeBackend::WaitForCancelled(int n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->service.mu);
  return impl_->service.cv.wait_for(lock, timeout,
                                    [&] { return impl_->service.cancelled >= n; });
}

int FakeBackend::GetCalls(const std::string& name) {
  std::lock_guard<std::mutex> lock(impl_->service.mu);
  return impl_->service.get_calls[name];
}

}  // namespace mgi::gateway::testing
