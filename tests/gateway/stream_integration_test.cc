// Server streaming through the real mgi-gateway to the real mgi-assessment (and mgi-catalog):
// WatchProfiles as Server-Sent Events and as NDJSON, Last-Event-ID, errors before and after the
// first byte, a client that goes away cancelling the backend call, the stream caps, heartbeats,
// the gateway's graceful shutdown, and OpenAPI.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "harness.h"
#include "http_client.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "tests/services/assessment/test_profiles.h"

namespace mgi::gateway::testing {
namespace {

namespace av1 = mgi::assessment::v1;
using json = nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

// A raw HTTP/1.1 client for one streaming response: the head, then the body as it arrives
// (chunked decoding), each read bounded by a deadline.
class StreamClient {
 public:
  ~StreamClient() { Close(); }
  bool Open(int port, const std::string& target, const std::map<std::string, std::string>& headers) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    req += "\r\n";
    if (send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      return false;
    }
    size_t end;
    while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    std::vector<std::string> lines = absl::StrSplit(raw_.substr(0, end), "\r\n");
    raw_.erase(0, end + 4);
    std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
    if (first.size() < 2 || !absl::SimpleAtoi(first[1], &status)) return false;
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      headers_[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    chunked_ = absl::EqualsIgnoreCase(Header("transfer-encoding"), "chunked");
    if (!chunked_) {  // an ordinary response: its whole body
      size_t length = 0;
      if (!absl::SimpleAtoi(Header("content-length"), &length)) length = 0;  // none: what came
      while (raw_.size() < length && Fill()) {
      }
      body_ = raw_;
      ended_ = true;
    }
    return true;
  }
  std::string Header(const std::string& name) const {
    auto it = headers_.find(name);
    return it == headers_.end() ? "" : it->second;
  }
  // The decoded body up to and including the next `delim` (removed from the buffer); false when
  // the body ended or nothing came for 20 s.
  bool ReadUntil(const std::string& delim, std::string* out) {
    for (;;) {
      if (size_t at = body_.find(delim); at != std::string::npos) {
        *out = body_.substr(0, at + delim.size());
        body_.erase(0, at + delim.size());
        return true;
      }
      if (ended_ || !Decode()) return false;
    }
  }
  // Reads until the body ends (true: the final chunk came, a clean end) or the connection drops.
  bool ReadToEnd(std::string* rest) {
    while (!ended_) {
      if (!Decode()) break;
    }
    *rest = body_;
    return ended_;
  }
  // The next SSE event that is not a comment, as field -> value.
  std::map<std::string, std::string> NextEvent() {
    std::string frame;
    while (ReadUntil("\n\n", &frame)) {
      std::map<std::string, std::string> event;
      for (absl::string_view line : absl::StrSplit(frame, '\n', absl::SkipEmpty())) {
        if (absl::StartsWith(line, ":")) continue;
        size_t colon = line.find(": ");
        if (colon != std::string::npos) {
          event[std::string(line.substr(0, colon))] += std::string(line.substr(colon + 2));
        }
      }
      if (!event.empty()) return event;
    }
    return {};
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  int status = 0;
  std::string body_;  // decoded, not yet consumed

 private:
  bool Fill() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 20000) <= 0) return false;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    raw_.append(buf, static_cast<size_t>(n));
    return true;
  }
  // Decodes at least one more chunk (reading as needed); false when none can come.
  bool Decode() {
    for (;;) {
      size_t eol = raw_.find("\r\n");
      if (eol != std::string::npos) {
        size_t size = 0;
        if (!absl::SimpleHexAtoi(raw_.substr(0, eol), &size)) return false;
        if (raw_.size() >= eol + 2 + size + 2) {
          body_ += raw_.substr(eol + 2, size);
          raw_.erase(0, eol + 2 + size + 2);
          if (size == 0) ended_ = true;
          return true;
        }
      }
      if (!Fill()) return false;
    }
  }
  int fd_ = -1;
  std::string raw_;
  std::map<std::string, std::string> headers_;
  bool chunked_ = false;
  bool ended_ = false;
};

struct Gateway {
  std::unique_ptr<mgi::testing::Process> process;
  int port = 0;
  int metrics_port = 0;
};

// A gauge's value on a /metrics page ("" when absent).
std::string Gauge(int port, const std::string& name) {
  std::string body = mgi::testing::HttpGetBody(port, "/metrics");
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (absl::StartsWith(line, name + " ") || absl::StartsWith(line, name + "{")) {
      return std::string(line.substr(line.rfind(' ') + 1));
    }
  }
  return "";
}

bool WaitForGauge(int port, const std::string& name, const std::string& value) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Gauge(port, name) == value) return true;
    std::this_thread::sleep_for(milliseconds(20));  // poll interval
  }
  ADD_FAILURE() << name << " never became " << value << " (is " << Gauge(port, name) << ")";
  return false;
}

class StreamGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = mgi::testing::StartService("mgi-catalog");
    ASSERT_TRUE(catalog.has_value());
    catalog_ = std::move(*catalog);
    db_ = mgi::testing::TempDir("gateway-stream") + "/a.db";
    StartAssessment();
    StartGateway({});
  }
  void StartAssessment() {
    assessment_metrics_ = mgi::testing::FreePort();
    auto assessment = mgi::testing::StartService(
        "mgi-assessment",
        {"--db=" + db_, "--catalog-addr=" + catalog_.address,
         "--metrics-port=" + std::to_string(assessment_metrics_),
         "--port=" + std::to_string(assessment_port_ ? assessment_port_ : mgi::testing::FreePort())},
        {"MGI_AUTH_DISABLED=true"});
    ASSERT_TRUE(assessment.has_value());
    assessment_ = std::move(*assessment);
    assessment_port_ = assessment_.port;
    stub_ = av1::AssessmentService::NewStub(
        grpc::CreateChannel(assessment_.address, grpc::InsecureChannelCredentials()));
  }
  void StartGateway(std::vector<std::string> args) {
    gateway_.port = mgi::testing::FreePort();
    gateway_.metrics_port = mgi::testing::FreePort();
    args.push_back("--port=" + std::to_string(gateway_.port));
    args.push_back("--metrics-port=" + std::to_string(gateway_.metrics_port));
    args.push_back("--catalog-addr=" + catalog_.address);
    args.push_back("--assessment-addr=" + assessment_.address);
    args.push_back("--report-addr=" + catalog_.address);  // not used here
    args.push_back("--log-level=warn");
    args.push_back("--rate-limit-rps=0");
    gateway_.process =
        mgi::testing::Process::Start(mgi::testing::BinaryPath("mgi-gateway"), args);
    ASSERT_TRUE(mgi::testing::WaitForHttp(gateway_.port, "/healthz", milliseconds(20000)))
        << gateway_.process->Log();
  }
  av1::Profile Create(const std::string& id) {
    av1::CreateProfileRequest req;
    *req.mutable_profile() = mgi::assessment::testing::CompleteDraft();
    req.set_profile_id(id);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.AddMetadata("x-mgi-actor", "alice");
    av1::Profile out;
    grpc::Status s = stub_->CreateProfile(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  std::unique_ptr<StreamClient> Sse(const std::map<std::string, std::string>& extra = {},
                                    const std::string& query = "") {
    auto c = std::make_unique<StreamClient>();
    std::map<std::string, std::string> headers = {{"Accept", "text/event-stream"}};
    headers.insert(extra.begin(), extra.end());
    EXPECT_TRUE(c->Open(gateway_.port, "/v1/profiles:watch" + query, headers));
    return c;
  }

  mgi::testing::Service catalog_, assessment_;
  int assessment_port_ = 0;
  int assessment_metrics_ = 0;
  std::string db_;
  Gateway gateway_;
  std::unique_ptr<av1::AssessmentService::Stub> stub_;
};

TEST_F(StreamGatewayTest, ServerSentEventsWithIdsTypesAndLastEventIdResumption) {
  auto sse = Sse();
  ASSERT_EQ(sse->status, 200) << sse->body_;
  EXPECT_THAT(sse->Header("content-type"), HasSubstr("text/event-stream"));
  EXPECT_EQ(sse->Header("cache-control"), "no-store");
  ASSERT_TRUE(WaitForGauge(assessment_metrics_, "mgi_assessment_watchers", "1"));
  Create("sse-a");
  auto event = sse->NextEvent();
  EXPECT_EQ(event["event"], "CREATED");
  ASSERT_FALSE(event["id"].empty());
  json data = json::parse(event["data"], nullptr, false);
  EXPECT_EQ(data["name"], "profiles/sse-a");
  EXPECT_EQ(data["type"], "TYPE_CREATED");
  EXPECT_EQ(data["resumeToken"], event["id"]);
  std::string last_id = event["id"];
  sse->Close();

  Create("sse-b");  // while disconnected
  // An EventSource reconnects with the URL it had and Last-Event-ID: the header wins.
  auto again = Sse({{"Last-Event-ID", last_id}}, "?resume_token=bogus");
  ASSERT_EQ(again->status, 200) << again->body_;
  event = again->NextEvent();
  EXPECT_EQ(json::parse(event["data"], nullptr, false)["name"], "profiles/sse-b");
}

TEST_F(StreamGatewayTest, NdjsonWithoutAcceptAndErrorsBeforeTheFirstByteAreHttpErrors) {
  StreamClient nd;
  ASSERT_TRUE(nd.Open(gateway_.port, "/v1/profiles:watch?include_profile=true", {}));
  ASSERT_EQ(nd.status, 200);
  EXPECT_EQ(nd.Header("content-type"), "application/x-ndjson");
  ASSERT_TRUE(WaitForGauge(assessment_metrics_, "mgi_assessment_watchers", "1"));
  Create("nd-a");
  std::string line;
  ASSERT_TRUE(nd.ReadUntil("\n", &line));
  json j = json::parse(line, nullptr, false);
  EXPECT_EQ(j["type"], "TYPE_CREATED");
  EXPECT_EQ(j["profile"]["name"], "profiles/nd-a");  // include_profile

  StreamClient bad_filter;
  ASSERT_TRUE(bad_filter.Open(gateway_.port, "/v1/profiles:watch?filter=colour%3D1",
                              {{"Accept", "text/event-stream"}}));
  EXPECT_EQ(bad_filter.status, 400);
  EXPECT_EQ(json::parse(bad_filter.body_, nullptr, false)["error"]["status"], "INVALID_ARGUMENT");
  StreamClient bad_token;
  ASSERT_TRUE(bad_token.Open(gateway_.port, "/v1/profiles:watch", {{"Last-Event-ID", "nope"}}));
  EXPECT_EQ(bad_token.status, 400);
  EXPECT_THAT(bad_token.body_, HasSubstr("resume_token"));
}

// The backend going away after the first byte: the stream ends with an error event, cleanly.
TEST_F(StreamGatewayTest, AnErrorAfterTheFirstByteEndsTheStreamWithAnErrorObject) {
  auto sse = Sse();
  ASSERT_EQ(sse->status, 200);
  StreamClient nd;
  ASSERT_TRUE(nd.Open(gateway_.port, "/v1/profiles:watch", {}));
  ASSERT_TRUE(WaitForGauge(assessment_metrics_, "mgi_assessment_watchers", "2"));
  ASSERT_TRUE(assessment_.process->Signal(SIGTERM));
  auto event = sse->NextEvent();
  EXPECT_EQ(event["event"], "error");
  json e = json::parse(event["data"], nullptr, false);
  EXPECT_EQ(e["error"]["status"], "UNAVAILABLE");
  EXPECT_EQ(e["error"]["code"], 503);
  std::string rest;
  EXPECT_TRUE(sse->ReadToEnd(&rest));  // the final chunk: a clean end
  std::string line;
  ASSERT_TRUE(nd.ReadUntil("\n", &line));
  EXPECT_EQ(json::parse(line, nullptr, false)["error"]["status"], "UNAVAILABLE");
  EXPECT_TRUE(nd.ReadToEnd(&rest));
  EXPECT_EQ(assessment_.process->Wait(std::chrono::seconds(15)), 0);
}

TEST_F(StreamGatewayTest, AClientThatGoesAwayCancelsTheBackendCallAtOnce) {
  auto sse = Sse();
  ASSERT_EQ(sse->status, 200);
  ASSERT_TRUE(WaitForGauge(assessment_metrics_, "mgi_assessment_watchers", "1"));
  ASSERT_TRUE(WaitForGauge(gateway_.metrics_port, "mgi_gateway_open_streams", "1"));
  sse->Close();
  // No write is needed to notice: the gateway watches the connection.
  EXPECT_TRUE(WaitForGauge(assessment_metrics_, "mgi_assessment_watchers", "0"));
  EXPECT_TRUE(WaitForGauge(gateway_.metrics_port, "mgi_gateway_open_streams", "0"));
}

TEST_F(StreamGatewayTest, CapsHeartbeatsAndAGracefulShutdown) {
  gateway_.process->Signal(SIGTERM);
  gateway_.process->Wait(std::chrono::seconds(15));
  StartGateway({"--max-streams-per-client=1", "--stream-heartbeat=1s"});
  auto first = Sse();
  ASSERT_EQ(first->status, 200);
  auto second = Sse();
  EXPECT_EQ(second->status, 429);
  EXPECT_FALSE(second->Header("retry-after").empty());
  EXPECT_THAT(second->body_, HasSubstr("TOO_MANY_STREAMS"));
  // An idle stream gets comment heartbeats.
  std::string comment;
  ASSERT_TRUE(first->ReadUntil(": heartbeat\n\n", &comment));
  // SIGTERM: the stream ends with the final chunk, the backend call is cancelled, exit 0.
  ASSERT_TRUE(gateway_.process->Signal(SIGTERM));
  std::string rest;
  EXPECT_TRUE(first->ReadToEnd(&rest));
  EXPECT_EQ(gateway_.process->Wait(std::chrono::seconds(15)), 0) << gateway_.process->Log();
  EXPECT_TRUE(WaitForGauge(assessment_metrics_, "mgi_assessment_watchers", "0"));
}

TEST_F(StreamGatewayTest, OpenApiDescribesTheStreamingRoute) {
  Reply r = Fetch(gateway_.port, "GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  json doc = json::parse(r.body, nullptr, false);
  json ok = doc["paths"]["/v1/profiles:watch"]["get"]["responses"]["200"]["content"];
  EXPECT_TRUE(ok.contains("text/event-stream")) << ok.dump();
  EXPECT_TRUE(ok.contains("application/x-ndjson")) << ok.dump();
}

}  // namespace
}  // namespace mgi::gateway::testing
