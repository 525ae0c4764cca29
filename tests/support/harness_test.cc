#include "harness.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace mgi::testing {
namespace {

TEST(HarnessTest, ProcessExitCodesAndLogs) {
  auto p = Process::Start("/bin/sh", {"-c", "echo hello; exit 3"});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->Wait(milliseconds(5000)), 3);
  EXPECT_NE(p->Log().find("hello"), std::string::npos);
}

TEST(HarnessTest, SignalledProcessReports128PlusSignal) {
  auto p = Process::Start("/bin/sh", {"-c", "exec sleep 30"});
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Running());
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(milliseconds(5000)), 128 + SIGTERM);
}

TEST(HarnessTest, RedisStartsKillsAndRestarts) {
  auto redis = RedisServer::Start();
  ASSERT_NE(redis, nullptr);
  EXPECT_EQ(redis->Command("PING"), "+PONG");
  redis->Kill();
  EXPECT_EQ(redis->Command("PING"), "");
  ASSERT_TRUE(redis->Restart());
  EXPECT_EQ(redis->Command("PING"), "+PONG");
}

}  // namespace
}  // namespace mgi::testing
