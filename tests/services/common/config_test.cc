#include "services/common/config.h"

#include <gtest/gtest.h>

#include "services/common/server.h"

namespace mgi {
namespace {

struct Args {
  std::vector<std::string> items;
  std::vector<const char*> ptrs;
  explicit Args(std::vector<std::string> v) : items(std::move(v)) {
    for (auto& s : items) ptrs.push_back(s.c_str());
    ptrs.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(items.size()); }
  const char* const* argv() const { return ptrs.data(); }
};

TEST(ConfigTest, FlagBeatsServiceVariableBeatsSuiteVariableBeatsDefault) {
  ServerConfig sc;
  sc.port = 50051;
  Config config("catalog");
  RegisterServerFlags(config, &sc);
  Args env({"MGI_LOG_LEVEL=debug", "MGI_CATALOG_LOG_LEVEL=warn", "MGI_CATALOG_PORT=6000"});
  Args argv({"mgi-catalog", "--log-level=error"});
  ASSERT_TRUE(config.Parse(argv.argc(), argv.argv(), env.argv()).ok());
  EXPECT_EQ(sc.log_level, "error");
  EXPECT_EQ(sc.port, 6000);
}

TEST(ConfigTest, SuiteVariableAppliesOnlyToSuiteWideOptions) {
  ServerConfig sc;
  sc.port = 50051;
  Config config("catalog");
  RegisterServerFlags(config, &sc);
  Args env({"MGI_PORT=7000", "MGI_LOG_FORMAT=json"});
  Args argv({"mgi-catalog"});
  ASSERT_TRUE(config.Parse(argv.argc(), argv.argv(), env.argv()).ok());
  EXPECT_EQ(sc.port, 50051);
  EXPECT_EQ(sc.log_format, "json");
}

TEST(ConfigTest, UnknownFlagIsNamed) {
  ServerConfig sc;
  Config config("catalog");
  RegisterServerFlags(config, &sc);
  Args env({});
  Args argv({"mgi-catalog", "--prot=1"});
  auto st = config.Parse(argv.argc(), argv.argv(), env.argv());
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("--prot"), std::string::npos);
}

TEST(ConfigTest, UnknownServiceVariableIsNamed) {
  ServerConfig sc;
  Config config("catalog");
  RegisterServerFlags(config, &sc);
  Args env({"MGI_CATALOG_PROT=1"});
  Args argv({"mgi-catalog"});
  auto st = config.Parse(argv.argc(), argv.argv(), env.argv());
  EXPECT_NE(st.message().find("MGI_CATALOG_PROT"), std::string::npos);
}

TEST(ConfigTest, PeerAddressVariablesDoNotCountAsUnknown) {
  ServerConfig sc;
  Config config("catalog");
  RegisterServerFlags(config, &sc);
  Args env({"MGI_CATALOG_ADDR=127.0.0.1:50051", "MGI_REPORT_ADDR=127.0.0.1:50053"});
  Args argv({"mgi-catalog"});
  EXPECT_TRUE(config.Parse(argv.argc(), argv.argv(), env.argv()).ok());
}

TEST(ConfigTest, BadValuesAreNamed) {
  ServerConfig sc;
  Config config("catalog");
  RegisterServerFlags(config, &sc);
  Args env({});
  for (const char* bad : {"--port=70000", "--port=abc", "--log-format=xml",
                          "--shutdown-grace=5 parsecs"}) {
    Args argv({"mgi-catalog", bad});
    auto st = config.Parse(argv.argc(), argv.argv(), env.argv());
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
    std::string flag = std::string(bad).substr(0, std::string(bad).find('='));
    EXPECT_NE(st.message().find(flag), std::string::npos) << st.message();
  }
}

TEST(ConfigTest, Numbers) {
  Args env({});
  for (const char* good : {"0.5", "2", "0", "1e2"}) {
    double rate = 100;
    Config config("gateway");
    config.Number("rate", &rate, "a rate", 0, 1000);
    Args argv({"mgi-gateway", std::string("--rate=") + good});
    ASSERT_TRUE(config.Parse(argv.argc(), argv.argv(), env.argv()).ok()) << good;
    EXPECT_DOUBLE_EQ(rate, std::stod(good));
  }
  for (const char* bad : {"abc", "0.5x", "-1", "1001", "nan", "inf", ""}) {
    double rate = 100;
    Config config("gateway");
    config.Number("rate", &rate, "a rate", 0, 1000);
    Args argv({"mgi-gateway", std::string("--rate=") + bad});
    auto st = config.Parse(argv.argc(), argv.argv(), env.argv());
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("--rate"), std::string::npos) << st.message();
    EXPECT_EQ(rate, 100) << bad;
  }
}

TEST(ConfigTest, Durations) {
  std::chrono::milliseconds d;
  ASSERT_TRUE(ParseDuration("250ms", &d).ok());
  EXPECT_EQ(d.count(), 250);
  ASSERT_TRUE(ParseDuration("2m", &d).ok());
  EXPECT_EQ(d.count(), 120000);
  EXPECT_FALSE(ParseDuration("-1s", &d).ok());
  EXPECT_FALSE(ParseDuration("1d", &d).ok());
}

}  // namespace
}  // namespace mgi
