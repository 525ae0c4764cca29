#include "services/common/status.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/error_info.pb.h"
#include "google/rpc/status.pb.h"

namespace mgi {
namespace {

TEST(StatusTest, InvalidArgumentCarriesFieldViolationsAndErrorInfo) {
  grpc::Status g = ToGrpcStatus(InvalidArgument("profile.edition", "must be at least 1"));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  bool has_info = false, has_bad = false;
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&info)) {
      has_info = true;
      EXPECT_EQ(info.reason(), "INVALID_ARGUMENT");
      EXPECT_EQ(info.domain(), "mgi.iom.int");
    } else if (any.UnpackTo(&bad)) {
      has_bad = true;
      ASSERT_EQ(bad.field_violations_size(), 1);
      EXPECT_EQ(bad.field_violations(0).field(), "profile.edition");
    }
  }
  EXPECT_TRUE(has_info);
  EXPECT_TRUE(has_bad);
}

TEST(StatusTest, RoundTripThroughGrpcKeepsDetails) {
  absl::Status in = WithReason(NotFound("profiles/x"), "PROFILE_NOT_FOUND");
  absl::Status out = FromGrpcStatus(ToGrpcStatus(in));
  EXPECT_EQ(out.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(out.message(), "profiles/x not found");
  grpc::Status again = ToGrpcStatus(out);
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(again.error_details()));
  int infos = 0;
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      ++infos;
      EXPECT_EQ(info.reason(), "PROFILE_NOT_FOUND");
    }
  }
  EXPECT_EQ(infos, 1);
}

// Found by the query_request fuzz target: a field name echoing a client's invalid UTF-8 made the
// BadRequest detail unparsable, so the violation never reached the client.
TEST(StatusTest, InvalidUtf8InAViolationIsReplacedNotLost) {
  absl::Status s = InvalidArgument("update_m\xbc\xbc" "ask", "unknown query parameter 'x\xff'");
  auto v = FieldViolations(s);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "update_m\xEF\xBF\xBD\xEF\xBF\xBD" "ask");
  EXPECT_EQ(v[0].description, "unknown query parameter 'x\xEF\xBF\xBD'");
  EXPECT_EQ(FieldViolations(InvalidArgument("caf\xC3\xA9", "ok"))[0].field, "caf\xC3\xA9");
}

TEST(StatusTest, OkIsOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

}  // namespace
}  // namespace mgi
