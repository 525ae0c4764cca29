#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "services/common/metrics.h"

namespace mgi {
namespace {

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

std::string Get(int port, const std::string& path) {
  int fd = Connect(port);
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ::send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, n);
  ::close(fd);
  return out;
}

TEST(MetricsServerTest, ServesTheRegistry) {
  MetricsRegistry registry;
  registry.GetCounter("mgi_test_total", "A test counter", {{"kind", "a"}})->Inc(3);
  auto server = MetricsServer::Start("127.0.0.1", 0, &registry);
  ASSERT_TRUE(server.ok()) << server.status();
  std::string body = Get((*server)->port(), "/metrics");
  EXPECT_NE(body.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(body.find("mgi_test_total{kind=\"a\"} 3"), std::string::npos) << body;
  EXPECT_NE(Get((*server)->port(), "/nope").find("HTTP/1.1 404"), std::string::npos);
}

TEST(MetricsRegistryTest, RendersFamiliesWithPrometheusCpp) {
  MetricsRegistry registry;
  Counter* c = registry.GetCounter("mgi_test_calls_total", "Calls", {{"method", "/a/B"}, {"code", "OK"}});
  EXPECT_EQ(registry.GetCounter("mgi_test_calls_total", "", {{"code", "OK"}, {"method", "/a/B"}}), c);
  c->Inc();
  c->Inc(2);
  registry.GetGauge("mgi_test_ready", "Ready")->Set(1);
  registry.GetGauge("mgi_test_ready", "")->Add(-0.5);
  Histogram* h = registry.GetHistogram("mgi_test_seconds", "Latency", {{"method", "/a/B"}});
  h->Observe(0.00003);  // 30 µs
  h->Observe(0.0003);   // 300 µs
  h->Observe(20);       // beyond the last bucket
  EXPECT_EQ(h->Count(), 3u);
  EXPECT_DOUBLE_EQ(h->Sum(), 20.00033);
  EXPECT_DOUBLE_EQ(c->Value(), 3);
  std::string page = registry.Render();
  EXPECT_NE(page.find("# HELP mgi_test_calls_total Calls\n# TYPE mgi_test_calls_total counter\n"),
            std::string::npos) << page;
  EXPECT_NE(page.find("mgi_test_calls_total{code=\"OK\",method=\"/a/B\"} 3\n"), std::string::npos);
  EXPECT_NE(page.find("# TYPE mgi_test_ready gauge\nmgi_test_ready 0.5\n"), std::string::npos);
  EXPECT_NE(page.find("# TYPE mgi_test_seconds histogram\n"), std::string::npos);
  // Sub-millisecond buckets: 30 µs falls in le=5e-05, 300 µs in le=0.0005.
  EXPECT_NE(page.find("mgi_test_seconds_bucket{method=\"/a/B\",le=\"5e-05\"} 1\n"), std::string::npos)
      << page;
  EXPECT_NE(page.find("mgi_test_seconds_bucket{method=\"/a/B\",le=\"0.00025\"} 1\n"), std::string::npos);
  EXPECT_NE(page.find("mgi_test_seconds_bucket{method=\"/a/B\",le=\"0.0005\"} 2\n"), std::string::npos);
  EXPECT_NE(page.find("mgi_test_seconds_bucket{method=\"/a/B\",le=\"10\"} 2\n"), std::string::npos);
  EXPECT_NE(page.find("mgi_test_seconds_bucket{method=\"/a/B\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(page.find("mgi_test_seconds_count{method=\"/a/B\"} 3\n"), std::string::npos);
  EXPECT_EQ(LatencyBuckets().front(), 0.00005);
  EXPECT_EQ(LatencyBuckets().back(), 10);
}

TEST(MetricsRegistryTest, RefusesNamesPrometheusRejectsAndTypeClashes) {
  MetricsRegistry registry;
  EXPECT_THROW(registry.GetCounter("bad name", "x"), std::invalid_argument);
  registry.GetCounter("mgi_test_total", "x");
  EXPECT_THROW(registry.GetGauge("mgi_test_total", "x"), std::invalid_argument);
}

TEST(MetricsServerTest, ASilentClientDoesNotBlockTheNextScrape) {
  MetricsRegistry registry;
  auto server = MetricsServer::Start("127.0.0.1", 0, &registry);
  ASSERT_TRUE(server.ok());
  int silent = Connect((*server)->port());  // connects, never sends
  auto start = std::chrono::steady_clock::now();
  std::string body = Get((*server)->port(), "/healthz");
  auto waited = std::chrono::steady_clock::now() - start;
  ::close(silent);
  EXPECT_NE(body.find("HTTP/1.1 200"), std::string::npos);
  // Served one connection at a time without a deadline, the scrape would wait for the silent client (the test's
  // own 10 s receive timeout would end it with an empty body).
  EXPECT_LT(waited, std::chrono::seconds(6));
}

}  // namespace
}  // namespace mgi
