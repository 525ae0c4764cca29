#include "gateway/dispatch.h"

#include <gtest/gtest.h>

#include "gateway/request_builder.h"
#include "gwtest.pb.h"

namespace mgi::gateway {
namespace {

using std::chrono::milliseconds;

const Route& GetThingRoute(const RouteTable& table) {
  return *table.Find("GET", "/v1/shelves/s1/things/t1").route;
}

TEST(DispatchTest, CallCarriesTheMessageDeadlineAndCheckedMetadata) {
  auto table = RouteTable::Build(
      {mgi::gwtest::v1::Thing::descriptor()->file()->FindServiceByName("ThingService")});
  ASSERT_TRUE(table.ok());
  const Route& route = GetThingRoute(*table);
  mgi::gwtest::v1::GetThingRequest req;
  req.set_name("shelves/s1/things/t1");
  DispatchOptions options{milliseconds(5000), milliseconds(60000)};
  ForwardedMetadata md = ForwardedHeaders({{"authorization", "Bearer t"}});
  auto call = MakeCall(route, req, "", md.metadata, options);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->service, "mgi.gwtest.v1.ThingService");
  EXPECT_EQ(call->rpc_path, "/mgi.gwtest.v1.ThingService/GetThing");
  EXPECT_EQ(call->timeout, milliseconds(5000));
  ASSERT_EQ(call->metadata.size(), 1u);
  EXPECT_EQ(call->metadata[0].value.str(), "Bearer t");
  mgi::gwtest::v1::GetThingRequest back;
  ASSERT_TRUE(back.ParseFromString(call->request));
  EXPECT_EQ(back.name(), "shelves/s1/things/t1");
  EXPECT_EQ(MakeCall(route, req, "2S", {}, options)->timeout, milliseconds(2000));
  EXPECT_EQ(MakeCall(route, req, "5H", {}, options)->timeout, milliseconds(60000));  // capped
  EXPECT_EQ(MakeCall(route, req, "soon", {}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mgi::gateway
