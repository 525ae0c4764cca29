// Unit tests of ProfileManager on a real SQLite file with a fake catalog and clock: workflow,
// state machine, errors, revisions, titles, comparison, import/export and seeding.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fakes.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "harness.h"
#include "services/assessment/profile_manager.h"
#include "services/assessment/profile_rules.h"
#include "services/assessment/sqlite_profile_store.h"
#include "test_profiles.h"

namespace mgi::assessment {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::CompleteDraft;

Caller Sys(const std::string& actor) { return Caller::System(actor, PeerCredentials::Anonymous()); }
using ::testing::ElementsAre;
using testing::FakeCatalog;
using testing::FakeClock;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::vector<std::string> Fields(const absl::Status& s) {
  std::vector<std::string> out;
  for (const auto& f : FieldViolations(s)) out.push_back(f.field);
  return out;
}

// The subjects of a FAILED_PRECONDITION's google.rpc.PreconditionFailure.
std::vector<std::string> Subjects(const absl::Status& s) {
  std::vector<std::string> out;
  auto payload = s.GetPayload("type.googleapis.com/google.rpc.PreconditionFailure");
  google::rpc::PreconditionFailure failure;
  if (payload && failure.ParseFromString(std::string(*payload))) {
    for (const auto& v : failure.violations()) out.push_back(v.subject());
  }
  return out;
}

av1::ProfileDocument ReadDocument(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  av1::ProfileDocument doc;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(buf.str(), &doc).ok()) << path;
  return doc;
}

class AssessmentManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = mgi::testing::TempDir("assessment-manager");
    Reopen();
  }
  void Reopen() {
    manager_.reset();
    store_.reset();
    auto store = SqliteProfileStore::Open(dir_ + "/a.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto messages = TitleMessages::Load(std::string(MGI_SOURCE_DIR) + "/data/profiles/messages");
    ASSERT_TRUE(messages.ok()) << messages.status();
    manager_ = std::make_unique<ProfileManager>(store_.get(), &catalog_, &clock_, *messages);
  }
  av1::Profile Create(const std::string& id, av1::Profile p = CompleteDraft()) {
    av1::CreateProfileRequest req;
    *req.mutable_profile() = p;
    req.set_profile_id(id);
    auto r = manager_->CreateProfile(req, Sys("alice"));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : av1::Profile();
  }
  absl::StatusOr<av1::Profile> Publish(const av1::Profile& p) {
    av1::PublishProfileRequest req;
    req.set_name(p.name());
    req.set_etag(p.etag());
    return manager_->PublishProfile(req, Sys("bob"));
  }
  void ImportSeed() {
    av1::ImportProfilesRequest req;
    *req.mutable_document() =
        ReadDocument(std::string(MGI_SOURCE_DIR) + "/data/profiles/gtm-2022.json");
    auto r = manager_->ImportProfiles(req, Sys("seed"));
    ASSERT_TRUE(r.ok()) << r.status();
  }

  std::string dir_;
  FakeCatalog catalog_;
  FakeClock clock_;
  std::unique_ptr<SqliteProfileStore> store_;
  std::unique_ptr<ProfileManager> manager_;
};

TEST_F(AssessmentManagerTest, CreateGivesADraftAtRevisionOne) {
  av1::Profile input = CompleteDraft();
  input.set_state(av1::PROFILE_STATE_PUBLISHED);  // output-only: ignored
  input.set_revision(42);
  av1::Profile p = Create("gtm-2018", input);
  EXPECT_EQ(p.name(), "profiles/gtm-2018");
  EXPECT_EQ(p.state(), av1::PROFILE_STATE_DRAFT);
  EXPECT_EQ(p.revision(), 1);
  EXPECT_FALSE(p.etag().empty());
  EXPECT_TRUE(p.has_create_time());
  av1::GetProfileRequest get;
  get.set_name("profiles/gtm-2018");
  auto stored = manager_->GetProfile(get, Sys("reader"));
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(MessageDifferencer::Equals(*stored, p));
}

TEST_F(AssessmentManagerTest, DuplicateIdIsAlreadyExistsAndServerPicksIdsWhenEmpty) {
  Create("gtm-2018");
  av1::CreateProfileRequest req;
  *req.mutable_profile() = CompleteDraft();
  req.set_profile_id("gtm-2018");
  EXPECT_TRUE(absl::IsAlreadyExists(manager_->CreateProfile(req, Sys("a")).status()));
  req.clear_profile_id();
  auto a = manager_->CreateProfile(req, Sys("a"));
  auto b = manager_->CreateProfile(req, Sys("a"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->name(), b->name());
  req.set_profile_id("Bad_Id");
  EXPECT_THAT(Fields(manager_->CreateProfile(req, Sys("a")).status()), ElementsAre("profile_id"));
}

TEST_F(AssessmentManagerTest, RetriedCreateWithRequestIdReturnsTheFirstProfileEvenAfterRestart) {
  av1::CreateProfileRequest req;
  *req.mutable_profile() = CompleteDraft();
  req.set_request_id("req-1");
  auto first = manager_->CreateProfile(req, Sys("a"));
  ASSERT_TRUE(first.ok()) << first.status();
  Reopen();
  auto again = manager_->CreateProfile(req, Sys("a"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*first, *again));
  av1::ListProfilesRequest list;
  EXPECT_EQ(manager_->ListProfiles(list, Sys("reader"))->total_size(), 1);
}

TEST_F(AssessmentManagerTest, InvalidCreateNamesTheFields) {
  av1::Profile p = CompleteDraft();
  p.set_country("countries/ZZZ");
  p.mutable_domains(1)->mutable_well_developed(0)->mutable_text()->clear();
  av1::CreateProfileRequest req;
  *req.mutable_profile() = p;
  auto r = manager_->CreateProfile(req, Sys("a"));
  ASSERT_TRUE(absl::IsInvalidArgument(r.status()));
  EXPECT_THAT(Fields(r.status()),
              ElementsAre("profile.country", "profile.domains[1].well_developed[0].text"));
  EXPECT_THAT(Fields(manager_->CreateProfile(av1::CreateProfileRequest(), Sys("a")).status()),
              ElementsAre("profile"));
}

TEST_F(AssessmentManagerTest, UpdateChecksEtagAndMaskAndRecordsARevision) {
  av1::Profile p = Create("gtm-2018");
  av1::UpdateProfileRequest req;
  req.mutable_profile()->set_name(p.name());
  req.mutable_profile()->set_edition(2);
  req.mutable_update_mask()->add_paths("edition");
  // Missing etag.
  EXPECT_THAT(Fields(manager_->UpdateProfile(req, Sys("carol")).status()), ElementsAre("profile.etag"));
  // Unknown mask path.
  req.mutable_profile()->set_etag(p.etag());
  req.mutable_update_mask()->add_paths("colour");
  EXPECT_THAT(Fields(manager_->UpdateProfile(req, Sys("carol")).status()), ElementsAre("update_mask"));
  req.mutable_update_mask()->mutable_paths()->RemoveLast();
  auto updated = manager_->UpdateProfile(req, Sys("carol"));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->edition(), 2);
  EXPECT_EQ(updated->revision(), 2);
  EXPECT_NE(updated->etag(), p.etag());
  EXPECT_EQ(updated->domains_size(), 6);  // untouched
  // Same etag again: stale.
  auto stale = manager_->UpdateProfile(req, Sys("carol"));
  EXPECT_TRUE(absl::IsAborted(stale.status())) << stale.status();
  // Invalid new value.
  req.mutable_profile()->set_etag(updated->etag());
  req.mutable_profile()->set_edition(-1);
  EXPECT_THAT(Fields(manager_->UpdateProfile(req, Sys("carol")).status()),
              ElementsAre("profile.edition"));

  av1::ListRevisionsRequest lr;
  lr.set_name(p.name());
  auto revs = manager_->ListRevisions(lr);
  ASSERT_TRUE(revs.ok());
  ASSERT_EQ(revs->revisions_size(), 2);
  EXPECT_EQ(revs->revisions(0).revision(), 2);
  EXPECT_EQ(revs->revisions(0).actor(), "carol");
  EXPECT_EQ(revs->revisions(0).action(), av1::Revision::ACTION_UPDATE);
  EXPECT_EQ(revs->revisions(0).summary(), "updated edition");
  EXPECT_THAT(revs->revisions(0).changed_fields(), ElementsAre("edition"));
  EXPECT_EQ(revs->revisions(1).actor(), "alice");
  EXPECT_FALSE(revs->revisions(0).has_snapshot());
  av1::GetRevisionRequest gr;
  gr.set_name(p.name() + "/revisions/1");
  auto r1 = manager_->GetRevision(gr);
  ASSERT_TRUE(r1.ok());
  av1::Profile stored = p;
  ClearDisplay(&stored);  // snapshots hold the data; display fields are filled per response
  EXPECT_TRUE(MessageDifferencer::Equals(r1->snapshot(), stored));
  gr.set_name(p.name() + "/revisions/9");
  EXPECT_TRUE(absl::IsNotFound(manager_->GetRevision(gr).status()));
  gr.set_name(p.name() + "/revisions/x");
  EXPECT_THAT(Fields(manager_->GetRevision(gr).status()), ElementsAre("name"));
}

TEST_F(AssessmentManagerTest, PublishListsEveryGapThenPublishedIsReadOnly) {
  av1::Profile draft = CompleteDraft();
  draft.mutable_domains()->DeleteSubrange(5, 1);
  draft.mutable_domains(0)->mutable_well_developed(0)->mutable_text()->erase("en");
  (*draft.mutable_domains(0)->mutable_well_developed(0)->mutable_text())["fr"] = "En français.";
  av1::Profile p = Create("gtm-2018", draft);
  auto r = Publish(p);
  ASSERT_TRUE(absl::IsFailedPrecondition(r.status())) << r.status();
  EXPECT_THAT(Subjects(r.status()), ElementsAre("domains", "domains[0].well_developed[0].text"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("2 gap(s)"));

  av1::UpdateProfileRequest fix;
  *fix.mutable_profile() = CompleteDraft();
  fix.mutable_profile()->set_name(p.name());
  fix.mutable_profile()->set_etag(p.etag());
  fix.mutable_update_mask()->add_paths("domains");
  auto fixed = manager_->UpdateProfile(fix, Sys("a"));
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  auto published = Publish(*fixed);
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->state(), av1::PROFILE_STATE_PUBLISHED);
  EXPECT_TRUE(published->has_publish_time());

  fix.mutable_profile()->set_etag(published->etag());
  EXPECT_TRUE(absl::IsFailedPrecondition(manager_->UpdateProfile(fix, Sys("a")).status()));
  av1::DeleteProfileRequest del;
  del.set_name(p.name());
  del.set_etag(published->etag());
  EXPECT_TRUE(absl::IsFailedPrecondition(manager_->DeleteProfile(del, Sys("a"))));
  EXPECT_TRUE(absl::IsFailedPrecondition(Publish(*published).status()));

  av1::ArchiveProfileRequest arch;
  arch.set_name(p.name());
  arch.set_etag("\"stale\"");
  EXPECT_TRUE(absl::IsAborted(manager_->ArchiveProfile(arch, Sys("a")).status()));
  arch.set_etag(published->etag());
  auto archived = manager_->ArchiveProfile(arch, Sys("a"));
  ASSERT_TRUE(archived.ok()) << archived.status();
  EXPECT_EQ(archived->state(), av1::PROFILE_STATE_ARCHIVED);
  EXPECT_EQ(archived->revision(), 4);
  arch.set_etag(archived->etag());
  EXPECT_TRUE(absl::IsFailedPrecondition(manager_->ArchiveProfile(arch, Sys("a")).status()));
}

TEST_F(AssessmentManagerTest, StartNewEditionCopiesAPublishedProfileForward) {
  av1::Profile p = Create("gtm-2018");
  auto published = Publish(p);
  ASSERT_TRUE(published.ok());
  av1::StartNewEditionRequest req;
  req.set_name(p.name());
  req.set_request_id("ne-1");
  auto next = manager_->StartNewEdition(req, Sys("dora"));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->name(), "profiles/gtm-2018-e2");
  EXPECT_EQ(next->edition(), 2);
  EXPECT_EQ(next->previous_edition(), "profiles/gtm-2018");
  EXPECT_EQ(next->state(), av1::PROFILE_STATE_DRAFT);
  EXPECT_EQ(next->revision(), 1);
  EXPECT_EQ(next->domains_size(), 6);
  auto again = manager_->StartNewEdition(req, Sys("dora"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->name(), next->name());
  req.set_name(next->name());  // a draft
  req.clear_request_id();
  EXPECT_TRUE(absl::IsFailedPrecondition(manager_->StartNewEdition(req, Sys("d")).status()));
  req.set_name("profiles/nope");
  EXPECT_TRUE(absl::IsNotFound(manager_->StartNewEdition(req, Sys("d")).status()));
}

TEST_F(AssessmentManagerTest, OnePublishedProfilePerEditionDraftsMayCoexist) {
  // Two drafts of one edition of one country coexist; only one may be published.
  av1::Profile a = Create("gtm-2018");
  av1::Profile b = Create("gtm-2018-copy");
  ASSERT_TRUE(Publish(a).ok());
  auto refused = Publish(b);
  ASSERT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("profiles/gtm-2018 is already the published edition 1 of countries/GTM"));
  EXPECT_THAT(Subjects(refused.status()), ElementsAre("name"));
  // The store refuses it too, whoever writes (a second writer racing past the check).
  av1::Profile forced = b;
  forced.set_state(av1::PROFILE_STATE_PUBLISHED);
  forced.set_revision(b.revision() + 1);
  forced.set_etag("\"forced\"");
  av1::Revision rev;
  rev.set_revision(forced.revision());
  auto raw = store_->Commit({{ProfileWrite::Kind::kReplace, forced, b.etag(), rev, ""}});
  ASSERT_TRUE(absl::IsFailedPrecondition(raw)) << raw;
  EXPECT_THAT(std::string(raw.message()), HasSubstr("already the published edition 1"));
  // Another local unit, level or edition is another slot.
  av1::Profile city = CompleteDraft();
  city.set_level(mgi::catalog::v1::LEVEL_LOCAL);
  (*city.mutable_local_unit()->mutable_display_name())["en"] = "Quetzaltenango";
  city.mutable_local_unit()->set_kind("municipality");
  av1::Profile local = Create("gtm-quetzaltenango", city);
  auto local_published = Publish(local);
  EXPECT_TRUE(local_published.ok()) << local_published.status();
  // Once the first is archived, the other may be published; an import of a third published copy
  // of that edition is refused whole, naming the field.
  auto current = manager_->GetProfile([&] {
    av1::GetProfileRequest g;
    g.set_name(a.name());
    return g;
  }(), Sys("bob"));
  ASSERT_TRUE(current.ok());
  av1::ArchiveProfileRequest arch;
  arch.set_name(a.name());
  arch.set_etag(current->etag());
  ASSERT_TRUE(manager_->ArchiveProfile(arch, Sys("bob")).ok());
  auto second = Publish(b);
  ASSERT_TRUE(second.ok()) << second.status();
  av1::ImportProfilesRequest imp;
  av1::Profile third = *second;
  third.set_name("profiles/gtm-2018-third");
  *imp.mutable_document()->add_profiles() = third;
  imp.mutable_document()->set_format(ReadDocument(std::string(MGI_SOURCE_DIR) +
                                                  "/data/profiles/gtm-2022.json").format());
  auto imported = manager_->ImportProfiles(imp, Sys("seed"));
  ASSERT_TRUE(absl::IsFailedPrecondition(imported.status())) << imported.status();
  EXPECT_THAT(Subjects(imported.status()), ElementsAre("profiles[0].state"));
  av1::GetProfileRequest g;
  g.set_name(third.name());
  EXPECT_TRUE(absl::IsNotFound(manager_->GetProfile(g, Sys("bob")).status()));
}

TEST_F(AssessmentManagerTest, DeleteRemovesDraftsOnly) {
  av1::Profile p = Create("gtm-2018");
  av1::DeleteProfileRequest del;
  del.set_name(p.name());
  EXPECT_THAT(Fields(manager_->DeleteProfile(del, Sys("a"))), ElementsAre("etag"));
  del.set_etag(p.etag());
  ASSERT_TRUE(manager_->DeleteProfile(del, Sys("a")).ok());
  av1::GetProfileRequest get;
  get.set_name(p.name());
  EXPECT_TRUE(absl::IsNotFound(manager_->GetProfile(get, Sys("reader")).status()));
  EXPECT_TRUE(absl::IsNotFound(manager_->DeleteProfile(del, Sys("a"))));
}

TEST_F(AssessmentManagerTest, ListFiltersAndPagesInAStableOrder) {
  av1::Profile can = CompleteDraft();
  can.set_country("countries/CAN");
  Create("can-2020", can);
  Create("gtm-b");
  av1::Profile p2 = CompleteDraft();
  p2.set_edition(2);
  Create("gtm-a", p2);
  ASSERT_TRUE(Publish(Create("gtm-c")).ok());
  av1::ListProfilesRequest req;
  req.set_page_size(2);
  auto page1 = manager_->ListProfiles(req, Sys("reader"));
  ASSERT_TRUE(page1.ok()) << page1.status();
  EXPECT_EQ(page1->total_size(), 4);
  ASSERT_EQ(page1->profiles_size(), 2);
  EXPECT_EQ(page1->profiles(0).name(), "profiles/can-2020");
  EXPECT_EQ(page1->profiles(1).name(), "profiles/gtm-b");
  req.set_page_token(page1->next_page_token());
  auto page2 = manager_->ListProfiles(req, Sys("reader"));
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->profiles_size(), 2);
  EXPECT_EQ(page2->profiles(0).name(), "profiles/gtm-c");  // edition 1 before edition 2
  EXPECT_EQ(page2->profiles(1).name(), "profiles/gtm-a");
  EXPECT_TRUE(page2->next_page_token().empty());

  req = av1::ListProfilesRequest();
  req.set_filter("country = \"GTM\" AND state = DRAFT");
  auto drafts = manager_->ListProfiles(req, Sys("reader"));
  ASSERT_TRUE(drafts.ok()) << drafts.status();
  EXPECT_EQ(drafts->total_size(), 2);
  req.set_filter("edition = 2 AND level = NATIONAL");
  EXPECT_EQ(manager_->ListProfiles(req, Sys("reader"))->total_size(), 1);
  req.set_filter("state = SHINY");
  EXPECT_THAT(Fields(manager_->ListProfiles(req, Sys("reader")).status()), ElementsAre("filter"));
  req.set_filter("colour = \"red\"");
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->ListProfiles(req, Sys("reader")).status()));
  req.set_filter("");
  req.set_page_token("garbage");
  EXPECT_THAT(Fields(manager_->ListProfiles(req, Sys("reader")).status()), ElementsAre("page_token"));
}

TEST_F(AssessmentManagerTest, ReadsInALanguageFillTheDisplayFields) {
  ImportSeed();
  av1::GetProfileRequest get;
  get.set_name("profiles/gtm-2022");
  auto plain = manager_->GetProfile(get, Sys("reader"));
  ASSERT_TRUE(plain.ok());
  // No language asked for: the profile's first language (English here).
  EXPECT_EQ(plain->display_title(),
            "Migration Governance Profile: Republic of Guatemala - Second Profile");
  get.set_language("en");
  auto en = manager_->GetProfile(get, Sys("reader"));
  ASSERT_TRUE(en.ok()) << en.status();
  EXPECT_EQ(en->display_title(),
            "Migration Governance Profile: Republic of Guatemala - Second Profile");
  EXPECT_EQ(en->domains(0).well_developed(0).display_language(), "en");
  EXPECT_THAT(en->domains(0).well_developed(0).display_text(),
              HasSubstr("Standards for Comprehensive Primary and Secondary Health Care (2018)"));
  get.set_language("fr");
  auto fr = manager_->GetProfile(get, Sys("reader"));
  ASSERT_TRUE(fr.ok());
  EXPECT_EQ(fr->display_title(),
            "Profil de gouvernance des migrations : République du Guatemala - Deuxième profil");
  EXPECT_EQ(fr->domains(0).well_developed(0).display_language(), "en");  // fell back
  get.set_language("es");
  EXPECT_EQ(manager_->GetProfile(get, Sys("reader"))->display_title(),
            "Perfil de gobernanza de la migración: República de Guatemala - Segundo perfil");
  get.set_language("!!");
  EXPECT_THAT(Fields(manager_->GetProfile(get, Sys("reader")).status()), ElementsAre("language"));

  av1::Profile local = CompleteDraft();
  local.set_level(mgi::catalog::v1::LEVEL_LOCAL);
  (*local.mutable_local_unit()->mutable_display_name())["en"] = "City of Quetzaltenango";
  local.mutable_local_unit()->set_kind("city");
  Create("xela-2021", local);
  get.set_name("profiles/xela-2021");
  get.set_language("en");
  EXPECT_EQ(manager_->GetProfile(get, Sys("reader"))->display_title(),
            "Local Migration Governance Profile: City of Quetzaltenango - First Profile");
}

TEST_F(AssessmentManagerTest, SeedFileMatchesTheGuatemalaKeyFindings) {
  ImportSeed();
  av1::GetProfileRequest get;
  get.set_name("profiles/gtm-2022");
  auto p = manager_->GetProfile(get, Sys("reader"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->state(), av1::PROFILE_STATE_PUBLISHED);
  EXPECT_EQ(p->edition(), 2);
  ASSERT_EQ(p->domains_size(), 6);
  std::vector<std::pair<int, int>> sizes;
  for (const auto& d : p->domains()) {
    sizes.emplace_back(d.well_developed_size(), d.further_development_size());
  }
  EXPECT_THAT(sizes, ElementsAre(std::pair{4, 2}, std::pair{4, 1}, std::pair{3, 1}, std::pair{5, 1},
                                 std::pair{4, 2}, std::pair{5, 1}));
  EXPECT_EQ(p->domains(5).further_development(0).text().at("en"),
            "The conclusion of formal cooperation agreements with other countries to prevent and "
            "counteract migrant smuggling is considered an area with potential for further "
            "development.");
}

TEST_F(AssessmentManagerTest, CompareListsAddedRemovedAndKeptPerDomain) {
  ImportSeed();
  av1::Profile older = CompleteDraft();
  auto* owg = older.mutable_domains(1);
  // One finding kept (other spacing, no final '.'), the draft's own findings removed.
  auto* kept = owg->add_well_developed();
  (*kept->mutable_text())["en"] =
      "IGM  publishes monthly figures on returnees and migratory flows by air and land";
  kept->set_finding_id("k1");
  Create("gtm-2018", older);
  av1::CompareProfilesRequest req;
  req.set_name("profiles/gtm-2022");
  req.set_other("profiles/gtm-2018");
  auto r = manager_->CompareProfiles(req, Sys("reader"));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->domains_size(), 6);
  const auto& wg = r->domains(1);
  EXPECT_EQ(wg.domain(), "domains/whole-of-government");
  EXPECT_EQ(wg.well_developed().kept_size(), 1);
  EXPECT_EQ(wg.well_developed().kept(0).display_text(),
            "IGM publishes monthly figures on returnees and migratory flows by air and land.");
  EXPECT_EQ(wg.well_developed().added_size(), 3);
  EXPECT_EQ(wg.well_developed().removed_size(), 1);
  EXPECT_EQ(r->domains(0).well_developed().added_size(), 4);
  EXPECT_EQ(r->domains(0).well_developed().removed_size(), 1);
  req.set_other("profiles/none");
  EXPECT_TRUE(absl::IsNotFound(manager_->CompareProfiles(req, Sys("reader")).status()));
}

TEST_F(AssessmentManagerTest, BadImportIsRejectedWholeWithEveryProblem) {
  av1::ImportProfilesRequest req;
  av1::ProfileDocument& doc = *req.mutable_document();
  doc.set_format("mgi.profiles/v1");
  av1::Profile good = CompleteDraft();
  good.set_name("profiles/good");
  *doc.add_profiles() = good;
  av1::Profile bad = CompleteDraft();
  bad.set_name("profiles/bad");
  bad.set_state(av1::PROFILE_STATE_PUBLISHED);
  bad.mutable_domains(2)->mutable_well_developed(0)->mutable_text()->erase("en");
  (*bad.mutable_domains(2)->mutable_well_developed(0)->mutable_text())["es"] = "Texto.";
  bad.add_answers()->set_indicator("indicators/n-9-99");
  *doc.add_profiles() = bad;
  av1::Profile dup = CompleteDraft();
  dup.set_name("profiles/good");
  dup.set_edition(0);
  *doc.add_profiles() = dup;
  auto r = manager_->ImportProfiles(req, Sys("a"));
  ASSERT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  EXPECT_THAT(Fields(r.status()),
              UnorderedElementsAre("profiles[1].answers[0].indicator",
                                   "profiles[1].domains[2].well_developed[0].text",
                                   "profiles[2].name", "profiles[2].edition"));
  av1::ListProfilesRequest list;
  EXPECT_EQ(manager_->ListProfiles(list, Sys("reader"))->total_size(), 0);  // nothing half-written
  doc.set_format("v0");
  doc.mutable_profiles()->Clear();
  EXPECT_THAT(Fields(manager_->ImportProfiles(req, Sys("a")).status()),
              ElementsAre("format", "profiles"));
}

TEST_F(AssessmentManagerTest, ImportWithoutThePublishRightWritesOnlyDrafts) {
  ImportSeed();
  const Caller editor{"eddie", absl::OkStatus(), false, PeerCredentials::Anonymous()};
  av1::GetProfileRequest get;
  get.set_name("profiles/gtm-2022");
  const av1::Profile official = *manager_->GetProfile(get, Sys("reader"));
  auto import = [&](std::vector<av1::Profile> profiles, const Caller& caller) {
    av1::ImportProfilesRequest req;
    req.mutable_document()->set_format("mgi.profiles/v1");
    for (auto& p : profiles) *req.mutable_document()->add_profiles() = p;
    req.set_allow_overwrite(true);
    return manager_->ImportProfiles(req, caller);
  };
  av1::Profile tampered = official;
  (*tampered.mutable_domains(0)->mutable_well_developed(0)->mutable_text())["en"] = "Tampered.";
  av1::Profile demoted = tampered;
  demoted.set_state(av1::PROFILE_STATE_DRAFT);
  av1::Profile archived = official;
  archived.set_state(av1::PROFILE_STATE_ARCHIVED);
  av1::Profile fresh = official;
  fresh.set_name("profiles/fresh");
  fresh.set_edition(official.edition() + 1);  // one published profile per edition
  av1::Profile draft = CompleteDraft();
  draft.set_name("profiles/new-draft");
  for (const auto& doc : std::vector<std::vector<av1::Profile>>{
           {tampered}, {demoted}, {archived}, {fresh}, {draft, tampered}}) {
    auto r = import(doc, editor);
    EXPECT_TRUE(absl::IsPermissionDenied(r.status())) << r.status();
  }
  // Nothing was written: the official profile is unchanged, the new ones absent.
  auto after = manager_->GetProfile(get, Sys("reader"));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(MessageDifferencer::Equals(official, *after));
  get.set_name("profiles/new-draft");
  EXPECT_TRUE(absl::IsNotFound(manager_->GetProfile(get, Sys("reader")).status()));
  get.set_name("profiles/fresh");
  EXPECT_TRUE(absl::IsNotFound(manager_->GetProfile(get, Sys("reader")).status()));
  // The unchanged official profile next to a new draft is fine (it writes nothing official).
  auto ok = import({official, draft}, editor);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_THAT(ok->unchanged(), ElementsAre("profiles/gtm-2022"));
  EXPECT_THAT(ok->imported(), ElementsAre("profiles/new-draft"));
  // The publish right allows all of it.
  ASSERT_TRUE(import({tampered, fresh}, Sys("paula")).ok());
}

TEST_F(AssessmentManagerTest, ExportThenImportGivesBackIdenticalProfiles) {
  ImportSeed();
  av1::Profile draft = Create("gtm-2018");
  av1::UpdateProfileRequest up;
  up.mutable_profile()->set_name(draft.name());
  up.mutable_profile()->set_etag(draft.etag());
  (*up.mutable_profile()->mutable_title_override())["en"] = "Custom title";
  ASSERT_TRUE(manager_->UpdateProfile(up, Sys("a")).ok());
  auto doc = manager_->ExportProfiles(av1::ExportProfilesRequest(), Sys("reader"));
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->profiles_size(), 2);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*doc, &json).ok());

  dir_ = mgi::testing::TempDir("assessment-import");
  Reopen();
  av1::ImportProfilesRequest req;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, req.mutable_document()).ok());
  auto r = manager_->ImportProfiles(req, Sys("b"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->imported(), ElementsAre("profiles/gtm-2018", "profiles/gtm-2022"));
  auto again = manager_->ExportProfiles(av1::ExportProfilesRequest(), Sys("reader"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(MessageDifferencer::Equals(*doc, *again));
  EXPECT_EQ(again->profiles(0).revision(), 2);
  // The same document again: identical, nothing to do.
  r = manager_->ImportProfiles(req, Sys("b"));
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->unchanged(), ElementsAre("profiles/gtm-2018", "profiles/gtm-2022"));
  // Changed content without allow_overwrite: ALREADY_EXISTS; with it, a new revision.
  req.mutable_document()->mutable_profiles(0)->set_edition(5);
  EXPECT_TRUE(absl::IsAlreadyExists(manager_->ImportProfiles(req, Sys("b")).status()));
  req.set_allow_overwrite(true);
  req.set_validate_only(true);
  ASSERT_TRUE(manager_->ImportProfiles(req, Sys("b")).ok());
  av1::GetProfileRequest get;
  get.set_name("profiles/gtm-2018");
  EXPECT_EQ(manager_->GetProfile(get, Sys("reader"))->edition(), 1);  // validate_only wrote nothing
  req.set_validate_only(false);
  ASSERT_TRUE(manager_->ImportProfiles(req, Sys("b")).ok());
  auto replaced = manager_->GetProfile(get, Sys("reader"));
  EXPECT_EQ(replaced->edition(), 5);
  EXPECT_EQ(replaced->revision(), 3);
}

TEST_F(AssessmentManagerTest, SeedingIsIdempotent) {
  auto n = manager_->SeedFromDirectory(std::string(MGI_SOURCE_DIR) + "/data/profiles", PeerCredentials::Anonymous());
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_GE(*n, 1);
  av1::GetProfileRequest get;
  get.set_name("profiles/gtm-2022");
  auto first = manager_->GetProfile(get, Sys("reader"));
  ASSERT_TRUE(first.ok());
  Reopen();
  n = manager_->SeedFromDirectory(std::string(MGI_SOURCE_DIR) + "/data/profiles", PeerCredentials::Anonymous());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_TRUE(MessageDifferencer::Equals(*manager_->GetProfile(get, Sys("reader")), *first));
  std::string dir = mgi::testing::TempDir("assessment-seed");
  std::ofstream(dir + "/bad.json") << "{\"format\": 1";
  n = manager_->SeedFromDirectory(dir, PeerCredentials::Anonymous());
  EXPECT_TRUE(absl::IsInvalidArgument(n.status()));
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("bad.json"));
  // A well-formed document with problems: the error names the file and lists every problem.
  std::filesystem::remove(dir + "/bad.json");
  std::ofstream(dir + "/wrong.json")
      << R"({"format": "mgi.profiles/v1", "profiles": [{"name": "profiles/x", "edition": 0}]})";
  n = manager_->SeedFromDirectory(dir, PeerCredentials::Anonymous());
  ASSERT_TRUE(absl::IsInvalidArgument(n.status()));
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("wrong.json"));
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("profiles[0].edition: must be 1"));
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("profiles[0].country: is required"));
}

TEST_F(AssessmentManagerTest, CatalogOutageIsUnavailable) {
  catalog_.available = false;
  av1::CreateProfileRequest req;
  *req.mutable_profile() = CompleteDraft();
  EXPECT_TRUE(absl::IsUnavailable(manager_->CreateProfile(req, Sys("a")).status()));
}

}  // namespace
}  // namespace mgi::assessment

namespace mgi::assessment {
namespace {

// A complete draft written in one language only: every finding's text in `lang`.
av1::Profile OneLanguageDraft(const std::string& lang) {
  av1::Profile p = CompleteDraft();
  p.clear_languages();
  p.add_languages(lang);
  for (auto& d : *p.mutable_domains()) {
    for (auto* g : {d.mutable_well_developed(), d.mutable_further_development()}) {
      for (auto& f : *g) {
        std::string text = f.text().at("en");
        f.mutable_text()->clear();
        (*f.mutable_text())[lang] = "[" + lang + "] " + text;
      }
    }
  }
  return p;
}

av1::Profile Local(av1::Profile p, const std::string& lang, const std::string& name,
                   const std::string& kind) {
  p.set_level(mgi::catalog::v1::LEVEL_LOCAL);
  (*p.mutable_local_unit()->mutable_display_name())[lang] = name;
  p.mutable_local_unit()->set_kind(kind);
  return p;
}

// Issue 17: IOM publishes local profiles in one language only (a Spanish municipal profile, a
// Swahili county profile): no English is required, titles use the name in the language asked
// for, else the profile's own, marked with its language.
TEST_F(AssessmentManagerTest, LocalProfilesNamedOnlyInTheirOwnLanguage) {
  av1::Profile villa = Create(
      "villa-2021", Local(OneLanguageDraft("es"), "es", "Municipio de Villa del Rosario",
                          "municipality"));
  ASSERT_FALSE(villa.name().empty());
  EXPECT_EQ(villa.display_title(),
            "Perfil de gobernanza de la migración a nivel local: Municipio de Villa del Rosario "
            "- Primer perfil");
  auto published = Publish(villa);
  ASSERT_TRUE(published.ok()) << published.status();
  av1::GetProfileRequest get;
  get.set_name(villa.name());
  get.set_language("en");
  auto en = manager_->GetProfile(get, Sys("reader"));
  ASSERT_TRUE(en.ok()) << en.status();
  EXPECT_EQ(en->display_title(),
            "Local Migration Governance Profile: Municipio de Villa del Rosario (es) - First "
            "Profile");
  EXPECT_EQ(en->domains(0).well_developed(0).display_language(), "es");
  EXPECT_THAT(en->domains(0).well_developed(0).display_text(), HasSubstr("[es] "));

  av1::Profile mombasa =
      Create("mombasa-2022", Local(OneLanguageDraft("sw"), "sw", "Kaunti ya Mombasa", "county"));
  ASSERT_FALSE(mombasa.name().empty());
  // No Swahili title wording: English wording, the name in the profile's own language.
  EXPECT_EQ(mombasa.display_title(),
            "Local Migration Governance Profile: Kaunti ya Mombasa - First Profile");
  ASSERT_TRUE(Publish(mombasa).ok());
  get.set_name(mombasa.name());
  get.set_language("fr");
  EXPECT_EQ(manager_->GetProfile(get, Sys("reader"))->display_title(),
            "Profil de gouvernance locale des migrations : Kaunti ya Mombasa (sw) - Premier "
            "profil");

  // A name, but in none of the profile's languages; no name at all.
  av1::CreateProfileRequest req;
  *req.mutable_profile() = Local(OneLanguageDraft("sw"), "en", "Mombasa County", "county");
  auto s = manager_->CreateProfile(req, Sys("alice")).status();
  EXPECT_THAT(Fields(s), ElementsAre("profile.local_unit.display_name"));
  EXPECT_THAT(std::string(s.message()) + FieldViolations(s)[0].description, HasSubstr("(sw)"));
  req.mutable_profile()->mutable_local_unit()->clear_display_name();
  EXPECT_THAT(Fields(manager_->CreateProfile(req, Sys("alice")).status()),
              ElementsAre("profile.local_unit.display_name"));
}

TEST_F(AssessmentManagerTest, DisplayTitleInEveryResponseInTheProfilesFirstLanguage) {
  av1::Profile input = CompleteDraft();
  input.clear_languages();
  input.add_languages("fr");
  input.add_languages("en");
  av1::Profile created = Create("gtm-2018", input);
  const std::string fr = "Profil de gouvernance des migrations : République du Guatemala - "
                         "Premier profil";
  EXPECT_EQ(created.display_title(), fr);
  // Findings without French fall back to the profile's next language, English.
  EXPECT_EQ(created.domains(0).well_developed(0).display_language(), "en");

  av1::UpdateProfileRequest up;
  up.mutable_profile()->set_name(created.name());
  up.mutable_profile()->set_etag(created.etag());
  up.mutable_profile()->set_edition(2);
  up.mutable_update_mask()->add_paths("edition");
  auto updated = manager_->UpdateProfile(up, Sys("carol"));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_title(), "Profil de gouvernance des migrations : République du "
                                      "Guatemala - Deuxième profil");
  // Publishing needs every finding in the first language, French.
  auto refused = Publish(*updated);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("12 gap(s)"));

  av1::ListProfilesRequest list;
  auto page = manager_->ListProfiles(list, Sys("reader"));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->profiles_size(), 1);
  EXPECT_EQ(page->profiles(0).display_title(), updated->display_title());
  list.set_language("es");
  EXPECT_EQ(manager_->ListProfiles(list, Sys("reader"))->profiles(0).display_title(),
            "Perfil de gobernanza de la migración: República de Guatemala - Segundo perfil");
}

TEST_F(AssessmentManagerTest, AssessmentYearIsStoredTitledFilteredAndSorted) {
  av1::Profile cri = CompleteDraft();
  cri.set_assessment_year(2019);
  cri.mutable_publication_month()->set_year(2020);
  cri.mutable_publication_month()->set_month(10);
  av1::Profile created = Create("gtm-2019", cri);
  EXPECT_EQ(created.assessment_year(), 2019);
  EXPECT_EQ(created.publication_month().year(), 2020);  // unchanged
  EXPECT_EQ(created.publication_month().month(), 10);
  EXPECT_EQ(created.display_title(),
            "Migration Governance Profile 2019: Republic of Guatemala - First Profile");
  av1::Profile later = CompleteDraft();
  later.set_assessment_year(2022);
  later.mutable_publication_month()->set_year(2023);
  Create("gtm-2022", later);
  Create("gtm-none");  // no assessment year

  av1::ListProfilesRequest list;
  list.set_filter("assessment_year = 2019");
  auto found = manager_->ListProfiles(list, Sys("reader"));
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->profiles_size(), 1);
  EXPECT_EQ(found->profiles(0).name(), "profiles/gtm-2019");
  list.set_filter("assessment_year = 0");
  EXPECT_EQ(manager_->ListProfiles(list, Sys("reader"))->profiles(0).name(), "profiles/gtm-none");
  list.set_filter("assessment_year = next");
  EXPECT_THAT(Fields(manager_->ListProfiles(list, Sys("reader")).status()), ElementsAre("filter"));

  list.set_filter("");
  auto names = [&](const std::string& order) {
    list.set_order_by(order);
    std::vector<std::string> out;
    auto r = manager_->ListProfiles(list, Sys("reader"));
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) {
      for (const auto& p : r->profiles()) out.push_back(p.name());
    }
    return out;
  };
  EXPECT_THAT(names("assessment_year"),
              ElementsAre("profiles/gtm-2019", "profiles/gtm-2022", "profiles/gtm-none"));
  EXPECT_THAT(names("assessment_year desc"),
              ElementsAre("profiles/gtm-2022", "profiles/gtm-2019", "profiles/gtm-none"));
  list.set_order_by("colour");
  EXPECT_THAT(Fields(manager_->ListProfiles(list, Sys("reader")).status()), ElementsAre("order_by"));
  // A page token of one order is not valid for another.
  list.set_order_by("assessment_year");
  list.set_page_size(1);
  auto first = manager_->ListProfiles(list, Sys("reader"));
  ASSERT_TRUE(first.ok());
  list.set_order_by("assessment_year desc");
  list.set_page_token(first->next_page_token());
  EXPECT_THAT(Fields(manager_->ListProfiles(list, Sys("reader")).status()), ElementsAre("page_token"));

  // Checked: a year, not after publication; settable with an update mask, and clearable.
  av1::CreateProfileRequest bad;
  *bad.mutable_profile() = CompleteDraft();
  bad.mutable_profile()->set_assessment_year(1989);
  EXPECT_THAT(Fields(manager_->CreateProfile(bad, Sys("a")).status()),
              ElementsAre("profile.assessment_year"));
  bad.mutable_profile()->set_assessment_year(2019);  // published September 2018
  EXPECT_THAT(Fields(manager_->CreateProfile(bad, Sys("a")).status()),
              ElementsAre("profile.assessment_year"));
  av1::UpdateProfileRequest up;
  up.mutable_profile()->set_name(created.name());
  up.mutable_profile()->set_etag(created.etag());
  up.mutable_update_mask()->add_paths("assessment_year");
  auto cleared = manager_->UpdateProfile(up, Sys("carol"));
  ASSERT_TRUE(cleared.ok()) << cleared.status();
  EXPECT_EQ(cleared->assessment_year(), 0);
  EXPECT_EQ(cleared->display_title(),
            "Migration Governance Profile: Republic of Guatemala - First Profile");
}

TEST_F(AssessmentManagerTest, DeletingADraftWithoutItsEtagSaysHowToSendIt) {
  av1::Profile p = Create("gtm-2018");
  av1::DeleteProfileRequest del;
  del.set_name(p.name());
  absl::Status s = manager_->DeleteProfile(del, Sys("a"));
  ASSERT_THAT(Fields(s), ElementsAre("etag"));
  std::string description = FieldViolations(s)[0].description;
  EXPECT_THAT(description, HasSubstr("If-Match"));
  EXPECT_THAT(description, HasSubstr("`etag` parameter"));
  EXPECT_THAT(description, HasSubstr("?etag="));
}

// Ordinal edition titles, 1 to 25, in every shipped language (issue 17: "Edición 11 perfil").
class EditionTitleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EditionTitleTest, EditionsOneToTwentyFiveReadCorrectly) {
  auto messages = TitleMessages::Load(std::string(MGI_SOURCE_DIR) + "/data/profiles/messages");
  ASSERT_TRUE(messages.ok()) << messages.status();
  const std::map<std::string, std::vector<std::string>> expected = {
      {"en",
       {"First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
        "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth",
        "Seventeenth", "Eighteenth", "Nineteenth", "Twentieth", "Twenty-first", "Twenty-second",
        "Twenty-third", "Twenty-fourth", "Twenty-fifth"}},
      {"fr",
       {"Premier", "Deuxième", "Troisième", "Quatrième", "Cinquième", "Sixième", "Septième",
        "Huitième", "Neuvième", "Dixième", "Onzième", "Douzième", "Treizième", "Quatorzième",
        "Quinzième", "Seizième", "Dix-septième", "Dix-huitième", "Dix-neuvième", "Vingtième",
        "Vingt et unième", "Vingt-deuxième", "Vingt-troisième", "Vingt-quatrième",
        "Vingt-cinquième"}},
      {"es",
       {"Primer", "Segundo", "Tercer", "Cuarto", "Quinto", "Sexto", "Séptimo", "Octavo",
        "Noveno", "Décimo", "Undécimo", "Duodécimo", "Decimotercer", "Decimocuarto",
        "Decimoquinto", "Decimosexto", "Decimoséptimo", "Decimoctavo", "Decimonoveno",
        "Vigésimo", "Vigésimo primer", "Vigésimo segundo", "Vigésimo tercer", "Vigésimo cuarto",
        "Vigésimo quinto"}},
  };
  const std::map<std::string, std::string> pattern = {
      {"en", "Migration Governance Profile: Republic of Guatemala - {} Profile"},
      {"fr", "Profil de gouvernance des migrations : Republic of Guatemala - {} profil"},
      {"es", "Perfil de gobernanza de la migración: Republic of Guatemala - {} perfil"}};
  const std::string& lang = GetParam();
  for (int edition = 1; edition <= 25; ++edition) {
    std::string want = pattern.at(lang);
    want.replace(want.find("{}"), 2, expected.at(lang)[edition - 1]);
    auto title = messages->Make(lang, false, "Republic of Guatemala", edition);
    EXPECT_EQ(title.text, want) << "edition " << edition;
    EXPECT_EQ(title.language, lang);
  }
  // Past the words: numeric ordinals, never "Edition 26".
  const std::map<std::string, std::vector<std::string>> numeric = {
      {"en", {"26th", "31st", "42nd", "53rd", "111th", "112th", "113th", "121st"}},
      {"fr", {"26e", "31e", "42e", "53e", "111e", "112e", "113e", "121e"}},
      {"es", {"26.º", "31.er", "42.º", "53.er", "111.º", "112.º", "113.er", "121.er"}}};
  int i = 0;
  for (int edition : {26, 31, 42, 53, 111, 112, 113, 121}) {
    EXPECT_EQ(messages->Edition(lang, edition), numeric.at(lang)[i++]) << edition;
  }
}

INSTANTIATE_TEST_SUITE_P(Languages, EditionTitleTest, ::testing::Values("en", "fr", "es"));

}  // namespace
}  // namespace mgi::assessment
