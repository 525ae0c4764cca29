// SearchFindings: the store conformance tests on SQLite, the query syntax, matches and snippets,
// and FindingSearch on a real SQLite file with ProfileManager and a fake catalog (access,
// alphabetical order by country name, pages, errors, the Guatemala seed).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "fakes.h"
#include "finding_search_conformance.h"
#include "google/protobuf/util/json_util.h"
#include "harness.h"
#include "services/assessment/finding_search.h"
#include "services/assessment/sqlite_profile_store.h"
#include "test_profiles.h"

namespace mgi::assessment {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using testing::FindingSearchConformanceTest;
INSTANTIATE_TEST_SUITE_P(Sqlite, FindingSearchConformanceTest,
                         ::testing::Values(testing::StoreFactory{
                             "sqlite", []() -> std::unique_ptr<ProfileStore> {
                               auto s = SqliteProfileStore::Open(
                                   mgi::testing::TempDir("finding-search") + "/s.db");
                               return s.ok() ? std::move(*s) : nullptr;
                             }}));

std::vector<std::string> Words(const ParsedSearch& p) {
  std::vector<std::string> out;
  for (const auto& t : p.terms) {
    std::string s;
    for (const auto& w : t.words) s += (s.empty() ? "" : "_") + w;
    out.push_back(s + (t.prefix ? "*" : ""));
  }
  return out;
}

TEST(FindingSearchQueryTest, WordsPhrasesPrefixesAndWhatIsNotAWord) {
  auto p = ParseSearchQuery("Labo* \"Trafficking  in persons\" MIGRACIÓN co-operation");
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(Words(*p), ElementsAre("labo*", "trafficking_in_persons", "migracion", "co_operation"));
  EXPECT_THAT(Words(*ParseSearchQuery("\"labour migr\"* \"unclosed phrase")),
              ElementsAre("labour_migr*", "unclosed_phrase"));
  auto blank = ParseSearchQuery("   ");
  EXPECT_TRUE(blank->blank);
  auto symbols = ParseSearchQuery("🙂 * \"\" !!");
  EXPECT_FALSE(symbols->blank);
  EXPECT_THAT(symbols->terms, IsEmpty());
  EXPECT_TRUE(absl::IsInvalidArgument(ParseSearchQuery(std::string(501, 'a')).status()));
  std::string many;
  for (int i = 0; i < 33; ++i) many += "w" + std::to_string(i) + " ";
  EXPECT_TRUE(absl::IsInvalidArgument(ParseSearchQuery(many).status()));
}

TEST(FindingSearchQueryTest, MatchesAreInCodePointsAndSnippetsCutAtWords) {
  auto terms = ParseSearchQuery("migracion \"trata de\"")->terms;
  // "🙂" is one code point (two UTF-16 units, four bytes); "ó" one code point.
  std::string text = "🙂 Migración y trata de personas; MIGRACIÓN.";
  auto m = FindMatches(text, terms);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].start(), 2);
  EXPECT_EQ(m[0].length(), 9);
  EXPECT_EQ(m[1].start(), 14);
  EXPECT_EQ(m[1].length(), 8);  // "trata de"
  EXPECT_EQ(m[2].start(), 33);
  std::string long_text;
  for (int i = 0; i < 60; ++i) long_text += "palabra ";
  long_text += "migración al final";
  auto lm = FindMatches(long_text, terms);
  ASSERT_EQ(lm.size(), 1u);
  av1::Snippet s = MakeSnippet(long_text, lm, 100);
  EXPECT_GT(s.start(), 0);
  EXPECT_FALSE(s.truncated_end());
  EXPECT_EQ(s.text().substr(0, 8), "palabra ");  // starts at a word
  ASSERT_EQ(s.highlights_size(), 1);
  EXPECT_EQ(s.highlights(0).start() + s.start(), lm[0].start());
  av1::Snippet head = MakeSnippet(long_text, {}, 20);
  EXPECT_EQ(head.start(), 0);
  EXPECT_TRUE(head.truncated_end());
  EXPECT_EQ(head.text(), "palabra palabra");
}

TEST(FindingSearchStoreTest, MigrationIndexesTheProfilesStoredBeforeIt) {
  std::string db = mgi::testing::TempDir("finding-search") + "/v1.db";
  {
    std::ifstream in(std::string(MGI_SOURCE_DIR) +
                     "/tests/services/assessment/fixtures/schema_v1.sql");
    std::stringstream sql;
    sql << in.rdbuf() << "PRAGMA user_version = 1;";
    av1::Profile p = testing::CompleteDraft();
    p.set_name("profiles/old");
    p.set_state(av1::PROFILE_STATE_PUBLISHED);
    (*p.mutable_domains(5)->mutable_well_developed(0)->mutable_text())["en"] =
        "An office against trafficking.";
    sql << "INSERT INTO profiles VALUES ('profiles/old', 'countries/GTM', 1, 2, 1, '', 1, "
           "'\"x\"', X'";
    static const char* kHex = "0123456789ABCDEF";
    for (unsigned char c : p.SerializeAsString()) sql << kHex[c >> 4] << kHex[c & 15];
    sql << "');";
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(raw, sql.str().c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(raw);
  }
  auto store = SqliteProfileStore::Open(db);
  ASSERT_TRUE(store.ok()) << store.status();
  FindingQuery q;
  q.terms = ParseSearchQuery("trafficking")->terms;
  auto rows = (*store)->SearchFindings(q, 0, 10);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].profile, "profiles/old");
  EXPECT_EQ((*rows)[0].domain, "domains/safe-orderly-regular-migration");
}

// A database of schema version 6 holds the first index (migration 5) with whatever it had; the
// migration to 7 replaces it with the tagged one, indexed again from the profiles.
TEST(FindingSearchStoreTest, MigrationSevenReindexesWithTagsAndDropsTheFirstIndex) {
  std::string db = mgi::testing::TempDir("finding-search") + "/v6.db";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    char* err = nullptr;
    for (int v = 0; v < 6; ++v) {
      ASSERT_EQ(sqlite3_exec(raw, SchemaMigrations()[v].c_str(), nullptr, nullptr, &err), SQLITE_OK)
          << err;
    }
    av1::Profile p = testing::CompleteDraft();
    p.set_name("profiles/old");
    p.set_state(av1::PROFILE_STATE_PUBLISHED);
    (*p.mutable_domains(5)->mutable_well_developed(0)->mutable_text())["en"] =
        "An office against trafficking.";
    std::ostringstream sql;
    sql << "PRAGMA user_version = 6; INSERT INTO profiles (name, country, level, state, edition,"
           " local_key, revision, etag, data) VALUES ('profiles/old', 'countries/GTM', 1, 2, 1,"
           " '', 1, '\"x\"', X'";
    static const char* kHex = "0123456789ABCDEF";
    for (unsigned char c : p.SerializeAsString()) sql << kHex[c >> 4] << kHex[c & 15];
    sql << "'); INSERT INTO finding_index VALUES (1, 'profiles/old', 'f', 'en', 1, ' en ',"
           " 'domains/partnerships', 0, 1, 0, 2022, 'stale words');"
           " INSERT INTO finding_fts (rowid, body) VALUES (1, 'stale words');";
    ASSERT_EQ(sqlite3_exec(raw, sql.str().c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(raw);
  }
  auto store = SqliteProfileStore::Open(db);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->SchemaVersion(), 7);
  FindingQuery q;
  q.terms = ParseSearchQuery("stale")->terms;
  auto stale = (*store)->SearchFindings(q, 0, 10);
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_TRUE(stale->empty());
  q.terms = ParseSearchQuery("trafficking")->terms;
  q.country = "countries/GTM";
  q.domain = "domains/safe-orderly-regular-migration";
  auto rows = (*store)->SearchFindings(q, 0, 10);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].profile, "profiles/old");
  auto counts = (*store)->CountFindings(q);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->total, 1);
  EXPECT_FALSE(counts->estimated);
}

Caller Sys() { return Caller::System("alice", PeerCredentials::Anonymous()); }
Caller Anonymous() {
  return Caller{"anonymous", absl::UnauthenticatedError("drafts need a token"), false,
                PeerCredentials::Anonymous()};
}

class FindingSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteProfileStore::Open(mgi::testing::TempDir("finding-search") + "/m.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto messages = TitleMessages::Load(std::string(MGI_SOURCE_DIR) + "/data/profiles/messages");
    ASSERT_TRUE(messages.ok()) << messages.status();
    catalog_.countries["countries/CHE"] = {{"en", "Switzerland"}, {"fr", "Suisse"}};
    catalog_.countries["countries/DEU"] = {{"en", "Germany"}, {"fr", "Allemagne"}};
    manager_ = std::make_unique<ProfileManager>(store_.get(), &catalog_, &clock_, *messages);
    search_ = std::make_unique<FindingSearch>(store_.get(), manager_.get(), &catalog_);
  }
  void ImportSeed() {
    std::ifstream in(std::string(MGI_SOURCE_DIR) + "/data/profiles/gtm-2022.json");
    std::stringstream buf;
    buf << in.rdbuf();
    av1::ImportProfilesRequest req;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(buf.str(), req.mutable_document()).ok());
    ASSERT_TRUE(manager_->ImportProfiles(req, Sys()).ok());
  }
  av1::Profile Create(const std::string& id, const std::string& country, const std::string& text,
                      bool publish) {
    av1::CreateProfileRequest req;
    *req.mutable_profile() = testing::CompleteDraft();
    req.mutable_profile()->set_country(country);
    // One published profile per edition: each profile of a country is its next edition.
    req.mutable_profile()->set_edition(++editions_[country]);
    (*req.mutable_profile()->mutable_domains(0)->mutable_well_developed(0)->mutable_text())["en"] =
        text;
    req.set_profile_id(id);
    auto p = manager_->CreateProfile(req, Sys());
    EXPECT_TRUE(p.ok()) << p.status();
    if (!publish || !p.ok()) return p.ok() ? *p : av1::Profile();
    av1::PublishProfileRequest pub;
    pub.set_name(p->name());
    pub.set_etag(p->etag());
    auto published = manager_->PublishProfile(pub, Sys());
    EXPECT_TRUE(published.ok()) << published.status();
    return published.ok() ? *published : av1::Profile();
  }
  absl::StatusOr<av1::SearchFindingsResponse> Search(const std::string& query,
                                                     const Caller& caller = Anonymous(),
                                                     const std::string& filter = "",
                                                     const std::string& language = "") {
    av1::SearchFindingsRequest req;
    req.set_query(query);
    req.set_filter(filter);
    req.set_language(language);
    return search_->Search(req, caller);
  }

  testing::FakeCatalog catalog_;
  testing::FakeClock clock_;
  std::unique_ptr<SqliteProfileStore> store_;
  std::unique_ptr<ProfileManager> manager_;
  std::unique_ptr<FindingSearch> search_;
  std::map<std::string, int> editions_;  // the last edition created per country
};

TEST_F(FindingSearchTest, TraffickingFindsTheGuatemalaFindingsWithHighlightedSnippets) {
  ImportSeed();
  auto r = Search("trafficking");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_GE(r->hits_size(), 1);
  EXPECT_EQ(r->total_size(), r->hits_size());
  EXPECT_EQ(r->language(), "en");
  for (const auto& hit : r->hits()) {
    EXPECT_EQ(hit.profile(), "profiles/gtm-2022");
    EXPECT_EQ(hit.country(), "countries/GTM");
    EXPECT_EQ(hit.country_display_name(), "Republic of Guatemala");  // the fake has no short name
    EXPECT_THAT(hit.profile_title(), HasSubstr("Guatemala"));
    EXPECT_EQ(hit.edition(), 2);
    EXPECT_EQ(hit.publication_month().year(), 2022);
    EXPECT_FALSE(hit.language_fallback());
    ASSERT_GE(hit.snippet().highlights_size(), 1) << hit.text();
    const auto& h = hit.snippet().highlights(0);
    // The highlighted code points spell the word, whatever its case.
    std::string cut;
    int cp = 0;
    for (size_t i = 0; i < hit.snippet().text().size();) {
      unsigned char c = hit.snippet().text()[i];
      size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      if (cp >= h.start() && cp < h.start() + h.length()) cut += hit.snippet().text().substr(i, n);
      i += n;
      ++cp;
    }
    EXPECT_EQ(absl::AsciiStrToLower(cut), "trafficking");
  }
  EXPECT_EQ(r->hits(0).domain(), "domains/safe-orderly-regular-migration");
}

TEST_F(FindingSearchTest, DraftsOnlyForThoseWhoMayReadThem) {
  Create("che-draft", "countries/CHE", "Trafficking draft text.", false);
  Create("deu-pub", "countries/DEU", "Trafficking published text.", true);
  auto anon = Search("trafficking");
  ASSERT_TRUE(anon.ok()) << anon.status();
  ASSERT_EQ(anon->hits_size(), 1);
  EXPECT_EQ(anon->hits(0).profile(), "profiles/deu-pub");
  EXPECT_TRUE(absl::IsUnauthenticated(Search("trafficking", Anonymous(), "state = DRAFT").status()));
  auto viewer = Search("trafficking", Sys());
  ASSERT_TRUE(viewer.ok());
  EXPECT_EQ(viewer->hits_size(), 2);
  auto drafts = Search("trafficking", Sys(), "state = DRAFT");
  ASSERT_TRUE(drafts.ok());
  ASSERT_EQ(drafts->hits_size(), 1);
  EXPECT_EQ(drafts->hits(0).state(), av1::PROFILE_STATE_DRAFT);
}

TEST_F(FindingSearchTest, CountriesAreAlphabeticalByNameInTheLanguageNeverByCode) {
  Create("che-1", "countries/CHE", "Migration policy.", true);
  Create("deu-1", "countries/DEU", "Migration policy.", true);
  auto order = [&](const std::string& language) {
    std::vector<std::string> out;
    auto r = Search("\"migration policy\"", Anonymous(), "domain = \"migrants-rights\"", language);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) {
      for (const auto& h : r->hits()) out.push_back(h.country_display_name());
    }
    return out;
  };
  EXPECT_THAT(order("en"), ElementsAre("Germany", "Switzerland"));  // CHE < DEU by code
  EXPECT_THAT(order("fr"), ElementsAre("Allemagne", "Suisse"));
}

TEST_F(FindingSearchTest, PagesFollowEachOtherAndTokensAreBoundToTheQuery) {
  for (int i = 0; i < 3; ++i) {
    Create("che-" + std::to_string(i), "countries/CHE", "Trafficking office.", true);
  }
  av1::SearchFindingsRequest req;
  req.set_query("trafficking");
  req.set_page_size(2);
  auto first = search_->Search(req, Anonymous());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->hits_size(), 2);
  EXPECT_EQ(first->total_size(), 3);
  ASSERT_FALSE(first->next_page_token().empty());
  req.set_page_token(first->next_page_token());
  auto second = search_->Search(req, Anonymous());
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->hits_size(), 1);
  EXPECT_TRUE(second->next_page_token().empty());
  EXPECT_NE(second->hits(0).profile(), first->hits(0).profile());
  EXPECT_NE(second->hits(0).profile(), first->hits(1).profile());
  req.set_query("office");
  EXPECT_TRUE(absl::IsInvalidArgument(search_->Search(req, Anonymous()).status()));
}

// More hits than the store counts exactly: the total is an estimate and says so, and following
// the tokens still gives every hit once, countries in alphabetical order.
TEST_F(FindingSearchTest, AnEstimatedTotalSaysSoAndThePagesStillGiveEveryHitOnce) {
  std::vector<ProfileWrite> batch;
  for (int i = 0; i < 30; ++i) {
    av1::Profile p = testing::CompleteDraft();
    p.set_name(absl::StrCat("profiles/many-", i));
    p.set_country(absl::StrCat("countries/", std::string(1, static_cast<char>('Z' - i % 26)),
                               std::string(1, static_cast<char>('A' + i / 26)), "Q"));
    p.set_state(av1::PROFILE_STATE_PUBLISHED);
    p.set_revision(1);
    p.set_etag(absl::StrCat("\"m", i, "\""));
    auto* well = p.mutable_domains(0)->mutable_well_developed();
    well->Clear();
    for (int k = 0; k < 40; ++k) {
      auto* f = well->Add();
      f->set_finding_id(absl::StrCat("m", k));
      (*f->mutable_text())["en"] = absl::StrCat("Zeppelin migration policy number ", k, ".");
    }
    ProfileWrite w;
    w.profile = p;
    w.revision.set_action(av1::Revision::ACTION_IMPORT);
    batch.push_back(std::move(w));
  }
  ASSERT_TRUE(store_->Commit(batch).ok());
  av1::SearchFindingsRequest req;
  req.set_query("zeppelin");
  req.set_page_size(100);
  std::set<std::string> seen;
  std::vector<std::string> countries;
  for (int page = 0; page < 20; ++page) {
    auto r = search_->Search(req, Anonymous());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->total_size_estimated());
    EXPECT_GT(r->total_size(), 1000);
    for (const auto& hit : r->hits()) {
      EXPECT_TRUE(seen.insert(hit.profile() + "/" + hit.finding_id()).second) << hit.profile();
      if (countries.empty() || countries.back() != hit.country()) countries.push_back(hit.country());
    }
    if (r->next_page_token().empty()) break;
    req.set_page_token(r->next_page_token());
  }
  EXPECT_EQ(seen.size(), 1200u);
  EXPECT_EQ(countries.size(), 30u);  // each country's hits together
  EXPECT_TRUE(std::is_sorted(countries.begin(), countries.end()));  // the fake names them by code
  // A filter that leaves fewer hits is counted exactly, and says so.
  req.clear_page_token();
  req.set_filter("country = \"countries/ZAQ\"");
  auto one = search_->Search(req, Anonymous());
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_FALSE(one->total_size_estimated());
  EXPECT_EQ(one->total_size(), 40);
}

TEST_F(FindingSearchTest, BadInputIsInvalidArgumentAndSymbolsFindNothing) {
  ImportSeed();
  for (const char* filter : {"domain = \"nowhere\"", "group = BEST", "level = GLOBAL",
                             "edition = 0", "publication_year = 1800", "rank = 1"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(Search("migration", Anonymous(), filter).status()))
        << filter;
  }
  EXPECT_TRUE(absl::IsInvalidArgument(Search("migration", Anonymous(), "", "not a tag").status()));
  auto emoji = Search("🙂🙂");
  ASSERT_TRUE(emoji.ok()) << emoji.status();
  EXPECT_EQ(emoji->hits_size(), 0);
  // An empty query lists the findings the filter selects: the domain view.
  auto domain = Search("", Anonymous(), "domain = \"partnerships\" AND group = WELL_DEVELOPED");
  ASSERT_TRUE(domain.ok()) << domain.status();
  EXPECT_EQ(domain->total_size(), 3);
  for (const auto& h : domain->hits()) {
    EXPECT_EQ(h.group(), av1::FINDING_GROUP_WELL_DEVELOPED);
    EXPECT_EQ(h.highlights_size(), 0);
  }
}

TEST_F(FindingSearchTest, AFindingWithoutTextInTheLanguageIsShownInItsOwnMarked) {
  ImportSeed();
  auto r = Search("trafficking", Anonymous(), "", "fr");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_GE(r->hits_size(), 1);
  EXPECT_EQ(r->language(), "fr");
  EXPECT_EQ(r->hits(0).language(), "en");
  EXPECT_TRUE(r->hits(0).language_fallback());
  EXPECT_THAT(r->hits(0).profile_title(), HasSubstr("Guatemala"));
}

}  // namespace
}  // namespace mgi::assessment
