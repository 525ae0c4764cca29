// mgi-search-bench: SearchFindings (FindingSearch on SqliteProfileStore, or PostgresProfileStore
// with --store=postgresql on a server it starts; the service's own code path: count per country,
// names, order, page, profiles, snippets) with 100, 1,000 and 10,000
// generated published profiles of 33 findings each (6 domains), first page of 20 hits, median
// of repeated runs, printed as ratios to the 100-profile figure. The goal: 100x the data costs
// less than 10x the time.
// Usage: mgi-search-bench [--seconds=S] [--max=10000] [--store=sqlite|postgresql]
//   (time budget per measurement, default 1)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/assessment/finding_search.h"
#include "services/assessment/sqlite_profile_store.h"
#ifdef MGI_SEARCH_BENCH_POSTGRES
#include "pg_server.h"
#include "services/assessment/postgres_profile_store.h"
#endif

namespace mgi::assessment {
namespace {

using Steady = std::chrono::steady_clock;
namespace av1 = mgi::assessment::v1;

// A catalog of 200 countries whose names do not sort like their codes.
class BenchCatalog final : public CatalogClient, public CatalogConnector {
 public:
  std::unique_ptr<CatalogClient> Connect(const PeerCredentials&) override {
    return std::make_unique<Session>(this);
  }
  absl::StatusOr<CountryInfo> GetCountry(const std::string& name, const std::string&) override {
    std::string code = name.substr(name.find('/') + 1);
    std::string reversed(code.rbegin(), code.rend());
    return CountryInfo{name, "Republic of " + reversed, "Land " + reversed};
  }
  absl::StatusOr<std::vector<std::string>> ListDomains() override { return Domains(); }
  absl::StatusOr<IndicatorInfo> GetIndicator(const std::string& name) override {
    return absl::NotFoundError(name);
  }
  static std::vector<std::string> Domains() {
    return {"domains/migrants-rights",       "domains/whole-of-government",
            "domains/partnerships",          "domains/well-being",
            "domains/mobility-dimensions-of-crises", "domains/safe-orderly-regular-migration"};
  }

 private:
  class Session final : public CatalogClient {
   public:
    explicit Session(BenchCatalog* c) : c_(c) {}
    absl::StatusOr<CountryInfo> GetCountry(const std::string& n, const std::string& l) override {
      return c_->GetCountry(n, l);
    }
    absl::StatusOr<std::vector<std::string>> ListDomains() override { return c_->ListDomains(); }
    absl::StatusOr<IndicatorInfo> GetIndicator(const std::string& n) override {
      return c_->GetIndicator(n);
    }

   private:
    BenchCatalog* c_;
  };
};

class BenchClock final : public mgi::assessment::Clock {
 public:
  int64_t NowMicros() override { return 1'700'000'000'000'000; }
};

// Finding texts: 25 words from a 5,000-word vocabulary with a Zipf-like skew, plus marker words:
// "migration" in 30% of findings, "labour" in 1%, "ombudsperson" in 5 findings whatever the size.
std::string Text(std::mt19937_64& rng, int64_t serial) {
  static const std::vector<std::string> vocabulary = [] {
    std::vector<std::string> v;
    const char* syllables[] = {"ka", "lo", "mi", "ra", "te", "su", "vo", "ne", "di", "pa",
                               "gu", "fe", "zo", "bi", "ta", "ro"};
    for (int i = 0; i < 5000; ++i) {
      std::string w;
      for (int n = i, k = 0; k < 3 || n > 0; ++k, n /= 16) w += syllables[n % 16];
      v.push_back(w);
    }
    return v;
  }();
  std::uniform_real_distribution<double> u(0, 1);
  std::string text;
  for (int i = 0; i < 25; ++i) {
    size_t index = static_cast<size_t>(std::pow(u(rng), 3) * vocabulary.size());
    text += vocabulary[std::min(index, vocabulary.size() - 1)] + " ";
  }
  if (u(rng) < 0.30) text += "international migration governance ";
  if (u(rng) < 0.01) text += "labour agreements ";
  if (serial % 1'000'003 < 5) text += "ombudsperson ";
  return text + "policy.";
}

void Generate(ProfileStore& store, int profiles) {
  std::mt19937_64 rng(42);
  std::vector<ProfileWrite> batch;
  int64_t serial = 0;
  for (int i = 0; i < profiles; ++i) {
    av1::Profile p;
    p.set_name(absl::StrCat("profiles/p", i));
    char code[4] = {static_cast<char>('A' + i % 26), static_cast<char>('A' + (i / 26) % 26),
                    static_cast<char>('A' + (i / 676) % 8), 0};  // about 200 countries... and more
    p.set_country(absl::StrCat("countries/", std::string(code).substr(0, 2), "X"));
    p.set_level(mgi::catalog::v1::LEVEL_NATIONAL);
    p.set_edition(1 + i / 200);
    p.mutable_publication_month()->set_year(2018 + i % 6);
    p.mutable_publication_month()->set_month(1 + i % 12);
    p.add_languages("en");
    p.set_state(av1::PROFILE_STATE_PUBLISHED);
    p.set_revision(1);
    p.set_etag(absl::StrCat("\"", i, "\""));
    int findings = 0;
    for (const auto& d : BenchCatalog::Domains()) {
      auto* df = p.add_domains();
      df->set_domain(d);
      int well = findings < 27 ? 4 : 3;  // 6 domains: 33 findings
      for (int k = 0; k < well + 2 && findings < 33; ++k, ++findings) {
        auto* f = k < well ? df->add_well_developed() : df->add_further_development();
        f->set_finding_id(absl::StrCat("f", findings));
        (*f->mutable_text())["en"] = Text(rng, serial++);
      }
    }
    ProfileWrite w;
    w.profile = p;
    w.revision.set_action(av1::Revision::ACTION_IMPORT);
    batch.push_back(std::move(w));
    if (batch.size() == 500 || i + 1 == profiles) {
      if (auto s = store.Commit(batch); !s.ok()) {
        std::fprintf(stderr, "generate: %s\n", s.ToString().c_str());
        std::exit(1);
      }
      batch.clear();
    }
  }
}

double Median(FindingSearch& search, const av1::SearchFindingsRequest& req, double budget,
              int* total) {
  std::vector<double> samples;
  Caller anonymous{"anonymous", absl::UnauthenticatedError("no"), false,
                   PeerCredentials::Anonymous()};
  auto start = Steady::now();
  while (samples.size() < 5 ||
         (std::chrono::duration<double>(Steady::now() - start).count() < budget &&
          samples.size() < 500)) {
    auto t0 = Steady::now();
    auto r = search.Search(req, anonymous);
    auto t1 = Steady::now();
    if (!r.ok()) {
      std::fprintf(stderr, "search failed: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    *total = r->total_size();
    samples.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

}  // namespace
}  // namespace mgi::assessment

int main(int argc, char** argv) {
  using namespace mgi::assessment;
  double budget = 1.0;
  int max = 10000;
  std::string kind = "sqlite";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) budget = std::atof(argv[i] + 10);
    if (std::strncmp(argv[i], "--max=", 6) == 0) max = std::atoi(argv[i] + 6);
    if (std::strncmp(argv[i], "--store=", 8) == 0) kind = argv[i] + 8;
  }
#ifdef MGI_SEARCH_BENCH_POSTGRES
  std::unique_ptr<mgi::testing::PostgresServer> server;
  if (kind == "postgresql") {
    server = mgi::testing::PostgresServer::Start();
    if (!server) return 1;
  }
#endif
  if (kind != "sqlite" && kind != "postgresql") {
    std::fprintf(stderr, "--store must be sqlite or postgresql\n");
    return 2;
  }
  struct Query {
    const char* label;
    const char* query;
    const char* filter;
  };
  const std::vector<Query> queries = {
      {"rare word (5 hits)", "ombudsperson", ""},
      {"1% of findings", "labour", ""},
      {"phrase, 30%", "\"migration governance\"", ""},
      {"prefix, 30%", "migr*", ""},
      {"word + filter", "migration", "domain = \"partnerships\" AND publication_year = 2020"},
      {"domain view", "", "domain = \"partnerships\""},
  };
  auto messages = TitleMessages::Load(std::string(MGI_SOURCE_DIR) + "/data/profiles/messages");
  if (!messages.ok()) {
    std::fprintf(stderr, "%s\n", messages.status().ToString().c_str());
    return 1;
  }
  std::vector<int> sizes;
  for (int n : {100, 1000, 10000}) {
    if (n <= max) sizes.push_back(n);
  }
  std::vector<std::vector<double>> ms(queries.size());
  std::vector<std::vector<int>> totals(queries.size());
  std::string dir = std::filesystem::temp_directory_path() / ("mgi-search-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (int n : sizes) {
    absl::StatusOr<std::unique_ptr<ProfileStore>> store;
    if (kind == "sqlite") {
      auto sqlite = SqliteProfileStore::Open(absl::StrCat(dir, "/", n, ".db"));
      if (sqlite.ok()) store = std::move(*sqlite); else store = sqlite.status();
    } else {
#ifdef MGI_SEARCH_BENCH_POSTGRES
      PgOptions options;
      options.url = server->Url(server->CreateDatabase());
      options.pool_size = 2;
      auto pg = PostgresProfileStore::Open(options);
      if (pg.ok()) store = std::move(*pg); else store = pg.status();
#else
      store = absl::UnimplementedError("built without the test support (MGI_BUILD_TESTS)");
#endif
    }
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      return 1;
    }
    auto g0 = Steady::now();
    Generate(**store, n);
    std::fprintf(stderr, "%d profiles (%d findings) indexed in %.1f s\n", n, n * 33,
                 std::chrono::duration<double>(Steady::now() - g0).count());
    BenchCatalog catalog;
    BenchClock clock;
    ProfileManager manager(store->get(), &catalog, &clock, *messages);
    FindingSearch search(store->get(), &manager, &catalog);
    for (size_t q = 0; q < queries.size(); ++q) {
      av1::SearchFindingsRequest req;
      req.set_query(queries[q].query);
      req.set_filter(queries[q].filter);
      req.set_page_size(20);
      int total = 0;
      ms[q].push_back(Median(search, req, budget, &total));
      totals[q].push_back(total);
    }
  }
  std::filesystem::remove_all(dir);
  std::printf("store: %s\n", kind.c_str());
  std::printf("%-20s", "query (first 20)");
  for (int n : sizes) std::printf(" %9d p ms %8s", n, "hits");
  for (size_t i = 1; i < sizes.size(); ++i) std::printf(" %8s", absl::StrCat("x", sizes[i] / 100).c_str());
  std::printf("\n");
  for (size_t q = 0; q < queries.size(); ++q) {
    std::printf("%-20s", queries[q].label);
    for (size_t i = 0; i < sizes.size(); ++i) std::printf(" %14.2f %8d", ms[q][i], totals[q][i]);
    for (size_t i = 1; i < sizes.size(); ++i) std::printf(" %7.1fx", ms[q][i] / ms[q][0]);
    std::printf("\n");
  }
  std::printf("ratios: time at N profiles / time at 100 profiles; goal: below 10x at 100x the data\n");
  return 0;
}
