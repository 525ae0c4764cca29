// The suite's one resource-id rule and one digest of bytes and messages.
#include <gtest/gtest.h>

#include "services/common/digest.h"
#include "services/common/resource_id.h"
#include "google/protobuf/struct.pb.h"

namespace mgi {
namespace {

TEST(ResourceIdTest, AcceptsAip122Ids) {
  EXPECT_TRUE(IsResourceId("gtm-2022"));
  EXPECT_TRUE(IsResourceId("a"));
  EXPECT_TRUE(IsResourceId(std::string(63, 'a')));
  EXPECT_TRUE(IsResourceId("1-rights", IdStart::kLetterOrDigit));
  EXPECT_TRUE(IsResourceId("n-1-01", IdStart::kLetterOrDigit));
}

TEST(ResourceIdTest, RefusesWhatIsNotAnId) {
  EXPECT_FALSE(IsResourceId(""));
  EXPECT_FALSE(IsResourceId(std::string(64, 'a'))) << "at most 63";
  EXPECT_FALSE(IsResourceId("1-rights")) << "a letter first unless digits are allowed";
  EXPECT_FALSE(IsResourceId("-a", IdStart::kLetterOrDigit));
  EXPECT_FALSE(IsResourceId("GTM"));
  EXPECT_FALSE(IsResourceId("a_b"));
  EXPECT_FALSE(IsResourceId("a/b"));
  EXPECT_FALSE(IsResourceId("caf\xc3\xa9"));
  EXPECT_FALSE(IsResourceId(std::string_view("a\0b", 3)));
}

TEST(DigestTest, ContentEtagIsAQuotedSha256Prefix) {
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  EXPECT_EQ(KeyDigest("abc"), "ba7816bf8f01cfea414140de5dae2223");
  EXPECT_EQ(ContentEtag("abc"), "\"ba7816bf8f01cfea414140de5dae2223\"");
  EXPECT_NE(ContentEtag("abc"), ContentEtag("abd"));
}

TEST(DigestTest, DeterministicBytesIgnoreMapInsertionOrder) {
  google::protobuf::Struct a, b;
  for (const char* k : {"x", "y", "z", "w", "v"}) (*a.mutable_fields())[k].set_number_value(1);
  for (const char* k : {"v", "w", "z", "y", "x"}) (*b.mutable_fields())[k].set_number_value(1);
  EXPECT_EQ(DeterministicBytes(a), DeterministicBytes(b));
  (*b.mutable_fields())["x"].set_number_value(2);
  EXPECT_NE(DeterministicBytes(a), DeterministicBytes(b));
}

}  // namespace
}  // namespace mgi
