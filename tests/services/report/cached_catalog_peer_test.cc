// CachedCatalogPeer: the catalog's answers are kept per language (and country) for the TTL, errors
// never, and nothing at all with a TTL of 0.
#include "services/report/cached_catalog_peer.h"

#include <gtest/gtest.h>

#include <chrono>

namespace mgi::report {
namespace {

namespace cv1 = mgi::catalog::v1;
using std::chrono::milliseconds;

class CountingCatalog : public CatalogPeer {
 public:
  int calls = 0;
  bool fail = false;
  absl::StatusOr<std::vector<cv1::Domain>> ListDomains(const std::string& language,
                                                       const PeerCredentials&) override {
    ++calls;
    if (fail) return absl::UnavailableError("down");
    cv1::Domain d;
    d.set_display_name("domain in " + language);
    return std::vector<cv1::Domain>{d};
  }
  absl::StatusOr<cv1::Framework> GetFramework(const std::string& language,
                                              const PeerCredentials&) override {
    ++calls;
    if (fail) return absl::UnavailableError("down");
    cv1::Framework f;
    f.set_display_name("framework in " + language);
    return f;
  }
  absl::StatusOr<cv1::Country> GetCountry(const std::string& name, const std::string& language,
                                          const PeerCredentials&) override {
    ++calls;
    if (fail) return absl::UnavailableError("down");
    cv1::Country c;
    c.set_name(name);
    c.set_display_name(name + " in " + language);
    return c;
  }
};

TEST(CachedCatalogPeerTest, KeepsEachAnswerPerLanguageUntilItsTtl) {
  CountingCatalog inner;
  std::chrono::steady_clock::time_point now{};
  CachedCatalogPeer peer(&inner, milliseconds(1000), [&] { return now; });
  PeerCredentials none = PeerCredentials::Anonymous();
  EXPECT_EQ(peer.ListDomains("en", none)->at(0).display_name(), "domain in en");
  EXPECT_EQ(peer.ListDomains("en", none)->at(0).display_name(), "domain in en");
  EXPECT_EQ(inner.calls, 1);
  EXPECT_EQ(peer.ListDomains("fr", none)->at(0).display_name(), "domain in fr");
  EXPECT_EQ(peer.GetFramework("fr", none)->display_name(), "framework in fr");
  EXPECT_EQ(peer.GetFramework("fr", none)->display_name(), "framework in fr");
  EXPECT_EQ(peer.GetCountry("countries/GTM", "fr", none)->display_name(), "countries/GTM in fr");
  EXPECT_EQ(peer.GetCountry("countries/MEX", "fr", none)->display_name(), "countries/MEX in fr");
  EXPECT_EQ(peer.GetCountry("countries/GTM", "fr", none)->display_name(), "countries/GTM in fr");
  EXPECT_EQ(inner.calls, 5);
  now += milliseconds(1001);  // expired: asked again
  EXPECT_EQ(peer.ListDomains("en", none)->at(0).display_name(), "domain in en");
  EXPECT_EQ(inner.calls, 6);
}

TEST(CachedCatalogPeerTest, ErrorsAreNeverKeptAndZeroTtlKeepsNothing) {
  CountingCatalog inner;
  CachedCatalogPeer peer(&inner, milliseconds(60000));
  PeerCredentials none = PeerCredentials::Anonymous();
  inner.fail = true;
  EXPECT_FALSE(peer.GetFramework("en", none).ok());
  inner.fail = false;
  EXPECT_TRUE(peer.GetFramework("en", none).ok());
  EXPECT_EQ(inner.calls, 2);

  CountingCatalog inner2;
  CachedCatalogPeer off(&inner2, milliseconds(0));
  off.GetFramework("en", none).IgnoreError();
  off.GetFramework("en", none).IgnoreError();
  EXPECT_EQ(inner2.calls, 2);
}

}  // namespace
}  // namespace mgi::report
