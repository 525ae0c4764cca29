#include "gateway/metadata.h"

#include <grpc/grpc.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mgi::gateway {
namespace {

// gRPC's own rule for a non-binary metadata value (what it asserts on when a call starts).
bool GrpcAccepts(const std::string& value) {
  grpc_slice slice = grpc_slice_from_copied_buffer(value.data(), value.size());
  bool ok = grpc_header_nonbin_value_is_legal(slice) != 0;
  grpc_slice_unref(slice);
  return ok;
}

TEST(MetadataValueTest, OnlyPrintableAscii) {
  EXPECT_TRUE(MetadataValue::From("Bearer abc.DEF-123"));
  for (std::string bad : {std::string(""), std::string("\xff"), std::string("a\tb"),
                          std::string("caf\xc3\xa9"), std::string("a\x7f"), std::string("a\r\nb"),
                          std::string("nul\0x", 5), std::string(" lead"), std::string("trail ")}) {
    EXPECT_FALSE(MetadataValue::From(bad)) << bad;
  }
  EXPECT_FALSE(MetadataValue::From(std::string(9000, 'a')));
  EXPECT_TRUE(MetadataValue::From(std::string(100, 'a'), 100));
  EXPECT_FALSE(MetadataValue::From(std::string(101, 'a'), 100));
}

TEST(MetadataValueTest, WhateverItAcceptsGrpcAccepts) {
  for (int c = 0; c < 256; ++c) {
    std::string v = "x" + std::string(1, static_cast<char>(c)) + "y";
    if (MetadataValue::From(v)) {
      EXPECT_TRUE(GrpcAccepts(v)) << "byte " << c;
    }
  }
}

TEST(CheckAuthorizationTest, SchemeSpaceCredentials) {
  EXPECT_EQ(CheckAuthorization("Bearer t0k-en_1.2~3+/=")->str(), "Bearer t0k-en_1.2~3+/=");
  EXPECT_TRUE(CheckAuthorization("Basic dXNlcjpwYXNz"));
  for (std::string bad : {"", "Bearer", "Bearer ", " Bearer x", "Bea(rer x", "Bearer a\tb",
                          "Bearer \xff", "Bearer caf\xc3\xa9", "Bearer x\r\n"}) {
    EXPECT_FALSE(CheckAuthorization(bad)) << bad;
  }
}

TEST(CheckTraceparentTest, W3cTraceContext) {
  const std::string good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  EXPECT_TRUE(CheckTraceparent(good));
  EXPECT_TRUE(CheckTraceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-later"));
  for (std::string bad : std::vector<std::string>{std::string("\xff"), good + "-x", good.substr(0, 54),
                          "ff" + good.substr(2), "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                          "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0\xff",
                          "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x"}) {
    EXPECT_FALSE(CheckTraceparent(bad)) << bad;
  }
}

TEST(CheckRequestIdTest, SafeCharactersOnly) {
  EXPECT_TRUE(CheckRequestId("req-42"));
  EXPECT_TRUE(CheckRequestId("3f2b0c1e-8d4a-4b8e-9c7a-1e2f3a4b5c6d"));
  EXPECT_FALSE(CheckRequestId(""));
  EXPECT_FALSE(CheckRequestId("a b"));
  EXPECT_FALSE(CheckRequestId("\xff"));
  EXPECT_FALSE(CheckRequestId(std::string(129, 'a')));
}

TEST(ForwardedHeadersTest, MalformedAuthorizationIsAnErrorOthersAreDropped) {
  ForwardedMetadata ok = ForwardedHeaders({{"authorization", "Bearer t"},
                                           {"x-request-id", "r1"},
                                           {"traceparent", "\xff"},
                                           {"cookie", "secret"}});
  EXPECT_EQ(ok.malformed, "");
  ASSERT_EQ(ok.metadata.size(), 2u);
  EXPECT_EQ(ok.metadata[0].key.view(), "authorization");
  EXPECT_EQ(ok.metadata[1].key.view(), "x-request-id");
  ForwardedMetadata bad = ForwardedHeaders({{"authorization", "Bearer \xff"}});
  EXPECT_EQ(bad.malformed, "Authorization");
  EXPECT_TRUE(bad.metadata.empty());
  EXPECT_EQ(ForwardedHeaders({{"authorization", ""}}).malformed, "Authorization");
  EXPECT_TRUE(ForwardedHeaders({}).metadata.empty());
}

}  // namespace
}  // namespace mgi::gateway
