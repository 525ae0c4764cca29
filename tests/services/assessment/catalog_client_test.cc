// GrpcCatalogClient against an in-process fake CatalogService on a loopback port: mapping of the
// answers, NOT_FOUND passed through and cached, TTL expiry on the injected clock, no caching of
// UNAVAILABLE.
#include "services/assessment/catalog_client.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "fakes.h"

namespace mgi::assessment {
namespace {

namespace cv1 = mgi::catalog::v1;

class FakeCatalogService final : public cv1::CatalogService::Service {
 public:
  grpc::Status GetCountry(grpc::ServerContext*, const cv1::GetCountryRequest* req,
                          cv1::Country* resp) override {
    ++country_calls;
    if (failing) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "catalog is restarting");
    if (req->name() != "countries/GTM") return grpc::Status(grpc::StatusCode::NOT_FOUND, "no");
    resp->set_name(req->name());
    resp->set_display_name("Guatemala");
    resp->set_official_name(req->language() == "fr" ? "République du Guatemala"
                                                    : "Republic of Guatemala");
    return grpc::Status::OK;
  }
  grpc::Status ListDomains(grpc::ServerContext*, const cv1::ListDomainsRequest* req,
                           cv1::ListDomainsResponse* resp) override {
    ++domain_calls;
    // Two pages, numbers out of order: the client must follow tokens and sort by number.
    if (req->page_token().empty()) {
      auto* d = resp->add_domains();
      d->set_name("domains/b");
      d->set_number(2);
      resp->set_next_page_token("p2");
    } else {
      auto* d = resp->add_domains();
      d->set_name("domains/a");
      d->set_number(1);
    }
    return grpc::Status::OK;
  }
  grpc::Status GetIndicator(grpc::ServerContext* context, const cv1::GetIndicatorRequest* req,
                            cv1::Indicator* resp) override {
    {
      auto it = context->client_metadata().find("authorization");
      std::lock_guard<std::mutex> lock(mu);
      last_authorization = it == context->client_metadata().end()
                               ? std::string()
                               : std::string(it->second.data(), it->second.size());
    }
    resp->set_name(req->name());
    resp->set_level(cv1::LEVEL_LOCAL);
    resp->add_scale()->set_value(cv1::SCALE_VALUE_ABSENT);
    resp->add_scale()->set_value(cv1::SCALE_VALUE_COMPLETE);
    return grpc::Status::OK;
  }
  std::mutex mu;
  std::string last_authorization;
  std::atomic<bool> failing{false};
  std::atomic<int> country_calls{0};
  std::atomic<int> domain_calls{0};
};

class AssessmentCatalogClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    ChannelConfig config;
    config.deadline = std::chrono::milliseconds(2000);
    auto channel = MakeChannel("127.0.0.1:" + std::to_string(port_), config);
    ASSERT_TRUE(channel.ok()) << channel.status();
    channel_ = *channel;
    config_ = config;
    client_ =
        std::make_unique<GrpcCatalogClient>(*channel, config, std::chrono::seconds(30), &clock_);
    session_ = client_->Connect(PeerCredentials::Anonymous());
  }
  FakeCatalogService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  testing::FakeClock clock_;  // advances 1 s per reading
  std::unique_ptr<GrpcCatalogClient> client_;
  std::unique_ptr<CatalogClient> session_;
  std::shared_ptr<grpc::Channel> channel_;
  ChannelConfig config_;
};

// Peer calls carry the credentials of the session they are made in, never any other.
TEST_F(AssessmentCatalogClientTest, EachSessionCallsWithItsOwnCredentials) {
  std::multimap<grpc::string_ref, grpc::string_ref> metadata;
  metadata.emplace("authorization", "Bearer caller-token");
  auto session = client_->Connect(PeerCredentials::Forward(metadata));
  ASSERT_TRUE(session->GetIndicator("indicators/n-1-01").ok());
  {
    std::lock_guard<std::mutex> lock(service_.mu);
    EXPECT_EQ(service_.last_authorization, "Bearer caller-token");
  }
  ASSERT_TRUE(session_->GetIndicator("indicators/n-1-02").ok());
  std::lock_guard<std::mutex> lock(service_.mu);
  EXPECT_EQ(service_.last_authorization, "");
}

TEST_F(AssessmentCatalogClientTest, MapsAndCachesAnswers) {
  auto en = session_->GetCountry("countries/GTM", "en");
  ASSERT_TRUE(en.ok()) << en.status();
  EXPECT_EQ(en->official_name, "Republic of Guatemala");
  auto fr = session_->GetCountry("countries/GTM", "fr");
  ASSERT_TRUE(fr.ok());
  EXPECT_EQ(fr->official_name, "République du Guatemala");
  EXPECT_EQ(service_.country_calls, 2);
  EXPECT_TRUE(session_->GetCountry("countries/GTM", "en").ok());
  EXPECT_EQ(service_.country_calls, 2);  // from the cache
  // NOT_FOUND passes through and is cached too.
  EXPECT_TRUE(absl::IsNotFound(session_->GetCountry("countries/ZZZ", "en").status()));
  EXPECT_TRUE(absl::IsNotFound(session_->GetCountry("countries/ZZZ", "en").status()));
  EXPECT_EQ(service_.country_calls, 3);

  auto domains = session_->ListDomains();
  ASSERT_TRUE(domains.ok()) << domains.status();
  EXPECT_EQ(*domains, (std::vector<std::string>{"domains/a", "domains/b"}));
  EXPECT_EQ(service_.domain_calls, 2);  // two pages

  auto ind = session_->GetIndicator("indicators/l-1-01");
  ASSERT_TRUE(ind.ok());
  EXPECT_EQ(ind->level, cv1::LEVEL_LOCAL);
  EXPECT_EQ(ind->scale,
            (std::vector<cv1::ScaleValue>{cv1::SCALE_VALUE_ABSENT, cv1::SCALE_VALUE_COMPLETE}));
}

TEST_F(AssessmentCatalogClientTest, RefetchesAfterTheTtl) {
  ASSERT_TRUE(session_->GetCountry("countries/GTM", "en").ok());
  clock_.now_us += 31'000'000;  // past the 30 s TTL
  ASSERT_TRUE(session_->GetCountry("countries/GTM", "en").ok());
  EXPECT_EQ(service_.country_calls, 2);
}

TEST_F(AssessmentCatalogClientTest, DoesNotCacheUnavailable) {
  service_.failing = true;
  auto r = session_->GetCountry("countries/GTM", "en");
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  int calls_while_failing = service_.country_calls;
  EXPECT_GE(calls_while_failing, 1);
  service_.failing = false;
  auto ok = session_->GetCountry("countries/GTM", "en");
  EXPECT_TRUE(ok.ok()) << ok.status();  // the failure was not cached
  EXPECT_EQ(service_.country_calls, calls_while_failing + 1);
}

// The one catalog client (clients/catalog), as the report uses it: answers kept per language
// (and country) for the TTL; with a TTL of 0 nothing is kept.
TEST_F(AssessmentCatalogClientTest, TheSharedClientKeepsAnswersPerLanguage) {
  int64_t now = 0;
  clients::CatalogRpcClient kept(channel_, config_, std::chrono::seconds(60), [&] { return now; });
  auto creds = PeerCredentials::Anonymous();
  ASSERT_TRUE(kept.ListDomains("en", creds).ok());
  ASSERT_TRUE(kept.ListDomains("fr", creds).ok());
  ASSERT_TRUE(kept.ListDomains("en", creds).ok());
  EXPECT_EQ(service_.domain_calls, 4) << "one listing (two pages) per language";
  ASSERT_TRUE(kept.GetCountry("countries/GTM", "fr", creds).ok());
  ASSERT_TRUE(kept.GetCountry("countries/GTM", "fr", creds).ok());
  EXPECT_EQ(service_.country_calls, 1);
  now += 61'000'000;
  ASSERT_TRUE(kept.GetCountry("countries/GTM", "fr", creds).ok());
  EXPECT_EQ(service_.country_calls, 2) << "fetched again after the TTL";

  clients::CatalogRpcClient none(channel_, config_);
  ASSERT_TRUE(none.ListDomains("en", creds).ok());
  ASSERT_TRUE(none.ListDomains("en", creds).ok());
  EXPECT_EQ(service_.domain_calls, 8) << "a TTL of 0 keeps nothing";
}

}  // namespace
}  // namespace mgi::assessment
