// Access control of the real mgi-assessment binary (with a real mgi-catalog), over loopback:
// every caller (anonymous, viewer, editor, publisher, admin) against every RPC, drafts hidden
// from callers who may not read them, revisions recording the token's principal (never the
// self-declared x-mgi-actor), and a log that never contains a token or its hash.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "services/common/access.h"
#include "services/common/auth.h"
#include "harness.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"

namespace mgi {
namespace {

namespace av1 = ::mgi::assessment::v1;
namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPublished[] = "profiles/gtm-2022";

struct Caller {
  std::string role;   // "" = anonymous
  std::string token;  // "" = none
  std::string principal;
};

const std::vector<Caller> kCallers = {
    {"", "", "anonymous"},
    {"viewer", "tok-viewer-3e9b1d0c", "vera"},
    {"editor", "tok-editor-a71c44f2", "eddie"},
    {"publisher", "tok-publisher-5d2e8b77", "paula"},
    {"admin", "tok-admin-c0ffee11", "ada"},
};
const std::vector<std::string> kRank = {"", "viewer", "editor", "publisher", "admin"};

class AssessmentAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::TempDir("mgi-assessment-auth"));
    std::string tokens = *dir_ + "/tokens";
    {
      std::ofstream out(tokens);
      for (const auto& c : kCallers) {
        if (!c.token.empty())
          out << HexDigest(Sha256(c.token)) << " " << c.role << " " << c.principal << "\n";
      }
    }
    auto catalog = testing::StartService("mgi-catalog");
    ASSERT_TRUE(catalog.has_value());
    catalog_ = new testing::Service(std::move(*catalog));
    auto assessment = testing::StartService(
        "mgi-assessment",
        {"--db=" + *dir_ + "/assessment.db", "--catalog-addr=" + catalog_->address,
         "--seed-dir=" + testing::DataDir() + "/profiles", "--auth-tokens-file=" + tokens});
    ASSERT_TRUE(assessment.has_value());
    assessment_ = new testing::Service(std::move(*assessment));
  }
  static void TearDownTestSuite() {
    delete assessment_;
    delete catalog_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(assessment_, nullptr);
    stub_ = av1::AssessmentService::NewStub(
        grpc::CreateChannel(assessment_->address, grpc::InsecureChannelCredentials()));
  }

  static void Prepare(grpc::ClientContext* context, const Caller& caller) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!caller.token.empty()) context->AddMetadata("authorization", "Bearer " + caller.token);
  }

  absl::StatusOr<av1::Profile> Get(const Caller& caller, const std::string& name) {
    grpc::ClientContext context;
    Prepare(&context, caller);
    av1::GetProfileRequest req;
    req.set_name(name);
    av1::Profile out;
    grpc::Status st = stub_->GetProfile(&context, req, &out);
    if (!st.ok())
      return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
    return out;
  }

  std::vector<std::string> ListNames(const Caller& caller, const std::string& filter,
                                     grpc::Status* status) {
    grpc::ClientContext context;
    Prepare(&context, caller);
    av1::ListProfilesRequest req;
    req.set_filter(filter);
    req.set_page_size(100);
    av1::ListProfilesResponse out;
    *status = stub_->ListProfiles(&context, req, &out);
    std::vector<std::string> names;
    for (const auto& p : out.profiles()) names.push_back(p.name());
    return names;
  }

  static std::string* dir_;
  static testing::Service* catalog_;
  static testing::Service* assessment_;
  std::unique_ptr<av1::AssessmentService::Stub> stub_;
};

std::string* AssessmentAuthTest::dir_ = nullptr;
testing::Service* AssessmentAuthTest::catalog_ = nullptr;
testing::Service* AssessmentAuthTest::assessment_ = nullptr;

// Every caller against every RPC. Requests are harmless (a bogus etag, validate_only, a missing
// profile): a caller with the right passes authorization and then fails, if at all, for another
// reason; one without it gets UNAUTHENTICATED (no token) or PERMISSION_DENIED.
TEST_F(AssessmentAuthTest, EveryCallerAgainstEveryRpc) {
  using Call = std::function<grpc::Status(av1::AssessmentService::Stub*, grpc::ClientContext*)>;
  struct Op {
    std::string least_role;  // "" = anyone
    Call call;
  };
  const std::string bogus_etag = "\"not-the-etag\"";
  std::map<std::string, Op> ops = {
      {"ListProfiles",
       {"",
        [](auto* s, auto* c) {
          av1::ListProfilesResponse out;
          return s->ListProfiles(c, av1::ListProfilesRequest(), &out);
        }}},
      {"GetProfile",
       {"",
        [](auto* s, auto* c) {
          av1::GetProfileRequest r;
          r.set_name(kPublished);
          av1::Profile out;
          return s->GetProfile(c, r, &out);
        }}},
      {"CompareProfiles",
       {"",
        [](auto* s, auto* c) {
          av1::CompareProfilesRequest r;
          r.set_name(kPublished);
          r.set_other(kPublished);
          av1::CompareProfilesResponse out;
          return s->CompareProfiles(c, r, &out);
        }}},
      {"SearchFindings",
       {"",
        [](auto* s, auto* c) {
          av1::SearchFindingsRequest r;
          r.set_query("trafficking");
          av1::SearchFindingsResponse out;
          return s->SearchFindings(c, r, &out);
        }}},
      {"ExportProfiles",
       {"",
        [](auto* s, auto* c) {
          av1::ExportProfilesRequest r;
          r.set_name(kPublished);
          av1::ProfileDocument out;
          return s->ExportProfiles(c, r, &out);
        }}},
      {"WatchProfiles",
       {"",
        [](auto* s, auto* c) {
          av1::WatchProfilesRequest r;
          r.set_resume_token("not-a-token");  // INVALID_ARGUMENT once authorized
          auto reader = s->WatchProfiles(c, r);
          av1::ProfileEvent e;
          while (reader->Read(&e)) {
          }
          return reader->Finish();
        }}},
      {"ListRevisions",
       {"viewer",
        [](auto* s, auto* c) {
          av1::ListRevisionsRequest r;
          r.set_name(kPublished);
          av1::ListRevisionsResponse out;
          return s->ListRevisions(c, r, &out);
        }}},
      {"GetRevision",
       {"viewer",
        [](auto* s, auto* c) {
          av1::GetRevisionRequest r;
          r.set_name(std::string(kPublished) + "/revisions/1");
          av1::Revision out;
          return s->GetRevision(c, r, &out);
        }}},
      {"CreateProfile",
       {"editor",
        [](auto* s, auto* c) {
          av1::CreateProfileRequest r;  // no profile: INVALID_ARGUMENT once authorized
          av1::Profile out;
          return s->CreateProfile(c, r, &out);
        }}},
      {"UpdateProfile",
       {"editor",
        [bogus_etag](auto* s, auto* c) {
          av1::UpdateProfileRequest r;
          r.mutable_profile()->set_name(kPublished);
          r.mutable_profile()->set_etag(bogus_etag);
          av1::Profile out;
          return s->UpdateProfile(c, r, &out);
        }}},
      {"DeleteProfile",
       {"editor",
        [bogus_etag](auto* s, auto* c) {
          av1::DeleteProfileRequest r;
          r.set_name(kPublished);
          r.set_etag(bogus_etag);
          google::protobuf::Empty out;
          return s->DeleteProfile(c, r, &out);
        }}},
      {"ImportProfiles",
       {"editor",
        [](auto* s, auto* c) {
          av1::ImportProfilesRequest r;
          r.set_validate_only(true);
          av1::ImportProfilesResponse out;
          return s->ImportProfiles(c, r, &out);
        }}},
      {"StartNewEdition",
       {"editor",
        [](auto* s, auto* c) {
          av1::StartNewEditionRequest r;
          r.set_name("profiles/does-not-exist");
          av1::Profile out;
          return s->StartNewEdition(c, r, &out);
        }}},
      {"PublishProfile",
       {"publisher",
        [bogus_etag](auto* s, auto* c) {
          av1::PublishProfileRequest r;
          r.set_name(kPublished);
          r.set_etag(bogus_etag);
          av1::Profile out;
          return s->PublishProfile(c, r, &out);
        }}},
      {"ArchiveProfile",
       {"publisher",
        [bogus_etag](auto* s, auto* c) {
          av1::ArchiveProfileRequest r;
          r.set_name(kPublished);
          r.set_etag(bogus_etag);
          av1::Profile out;
          return s->ArchiveProfile(c, r, &out);
        }}},
  };
  // The table covers the whole service, and agrees with the policy of common/auth.
  const auto* service = av1::GetProfileRequest::descriptor()->file()->service(0);
  ASSERT_EQ(static_cast<size_t>(service->method_count()), ops.size());
  for (const auto& [method, op] : ops) {
    auto permission = DeclaredPermission("/mgi.assessment.v1.AssessmentService/" + method);
    ASSERT_TRUE(permission.has_value()) << method;
    EXPECT_EQ(op.least_role.empty() ? std::string() : op.least_role,
              *permission == Permission::kReadPublished ? std::string()
                                                        : RoleName(MinimumRole(*permission)))
        << method;
  }

  for (const auto& [method, op] : ops) {
    size_t least = std::find(kRank.begin(), kRank.end(), op.least_role) - kRank.begin();
    for (size_t rank = 0; rank < kCallers.size(); ++rank) {
      const Caller& caller = kCallers[rank];
      SCOPED_TRACE(method + " as " + caller.principal);
      grpc::ClientContext context;
      Prepare(&context, caller);
      grpc::Status st = op.call(stub_.get(), &context);
      if (rank >= least) {
        EXPECT_NE(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
        EXPECT_NE(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
      } else if (rank == 0) {
        EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
      } else {
        EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
        EXPECT_THAT(st.error_message(), HasSubstr("needs the role " + op.least_role));
      }
    }
  }
  // The seeded profile is untouched by all that.
  auto profile = Get(kCallers[0], kPublished);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->state(), av1::PROFILE_STATE_PUBLISHED);
}

TEST_F(AssessmentAuthTest, DraftWorkflowRecordsThePrincipalAndHidesDrafts) {
  const Caller& anonymous = kCallers[0];
  const Caller& viewer = kCallers[1];
  const Caller& editor = kCallers[2];
  const Caller& publisher = kCallers[3];

  // The editor starts a new edition, pretending to be someone else.
  av1::Profile draft;
  {
    grpc::ClientContext context;
    Prepare(&context, editor);
    context.AddMetadata("x-mgi-actor", "mallory");
    av1::StartNewEditionRequest req;
    req.set_name(kPublished);
    grpc::Status st = stub_->StartNewEdition(&context, req, &draft);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(draft.state(), av1::PROFILE_STATE_DRAFT);
  }

  // The draft is invisible to the public, visible to a viewer.
  EXPECT_EQ(Get(anonymous, draft.name()).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Get(viewer, draft.name()).ok());
  grpc::Status st;
  auto names = ListNames(anonymous, "", &st);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_THAT(names, Contains(std::string(kPublished)));
  EXPECT_THAT(names, Not(Contains(draft.name())));
  names = ListNames(anonymous, "country = GTM", &st);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_THAT(names, Not(Contains(draft.name())));
  ListNames(anonymous, "state = DRAFT", &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  names = ListNames(viewer, "", &st);
  ASSERT_TRUE(st.ok());
  EXPECT_THAT(names, Contains(draft.name()));
  {
    grpc::ClientContext context;
    Prepare(&context, anonymous);
    av1::CompareProfilesRequest req;
    req.set_name(kPublished);
    req.set_other(draft.name());
    av1::CompareProfilesResponse out;
    EXPECT_EQ(stub_->CompareProfiles(&context, req, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  for (const std::string& name : {draft.name(), std::string()}) {
    grpc::ClientContext context;
    Prepare(&context, anonymous);
    av1::ExportProfilesRequest req;
    req.set_name(name);
    av1::ProfileDocument out;
    grpc::Status export_status = stub_->ExportProfiles(&context, req, &out);
    if (name.empty()) {
      ASSERT_TRUE(export_status.ok()) << export_status.error_message();
      for (const auto& p : out.profiles()) EXPECT_NE(p.name(), draft.name());
    } else {
      EXPECT_EQ(export_status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    }
  }

  // The editor may not publish it; the publisher may.
  {
    grpc::ClientContext context;
    Prepare(&context, editor);
    av1::PublishProfileRequest req;
    req.set_name(draft.name());
    req.set_etag(draft.etag());
    av1::Profile out;
    grpc::Status denied = stub_->PublishProfile(&context, req, &out);
    EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(denied.error_message(), HasSubstr("needs the role publisher"));
  }
  {
    grpc::ClientContext context;
    Prepare(&context, publisher);
    av1::PublishProfileRequest req;
    req.set_name(draft.name());
    req.set_etag(draft.etag());
    av1::Profile out;
    grpc::Status published = stub_->PublishProfile(&context, req, &out);
    ASSERT_TRUE(published.ok()) << published.error_message();
    EXPECT_EQ(out.state(), av1::PROFILE_STATE_PUBLISHED);
  }
  EXPECT_TRUE(Get(anonymous, draft.name()).ok()) << "published: public now";

  // The revisions name the principals of the tokens.
  {
    grpc::ClientContext context;
    Prepare(&context, viewer);
    av1::ListRevisionsRequest req;
    req.set_name(draft.name());
    av1::ListRevisionsResponse out;
    grpc::Status listed = stub_->ListRevisions(&context, req, &out);
    ASSERT_TRUE(listed.ok()) << listed.error_message();
    std::vector<std::string> actors;
    for (const auto& r : out.revisions()) actors.push_back(r.actor());
    EXPECT_THAT(actors, Contains("eddie"));
    EXPECT_THAT(actors, Contains("paula"));
    EXPECT_THAT(actors, Not(Contains("mallory")));
    EXPECT_THAT(actors, Not(Contains("anonymous")));
  }

  // Nothing of any token reached the service's log; the denials did.
  std::string log = assessment_->process->Log();
  EXPECT_THAT(log, HasSubstr("permission denied principal=eddie"));
  for (const auto& c : kCallers) {
    if (c.token.empty()) continue;
    EXPECT_THAT(log, Not(HasSubstr(c.token))) << c.principal;
    EXPECT_THAT(log, Not(HasSubstr(HexDigest(Sha256(c.token))))) << c.principal;
  }
}

// Issue 21 item 2: ImportProfiles needs the rights of every state it writes. An editor may import
// drafts but may not publish, overwrite or archive an official profile through it; the check
// covers every profile of the document and nothing is written when any is refused.
TEST_F(AssessmentAuthTest, ImportNeedsTheRightsOfEveryStateItWrites) {
  auto exported = [&](const Caller& caller) {
    grpc::ClientContext context;
    Prepare(&context, caller);
    av1::ExportProfilesRequest req;
    req.set_name(kPublished);
    av1::ProfileDocument out;
    grpc::Status st = stub_->ExportProfiles(&context, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  };
  auto import = [&](const Caller& caller, const av1::ProfileDocument& doc) {
    grpc::ClientContext context;
    Prepare(&context, caller);
    av1::ImportProfilesRequest req;
    *req.mutable_document() = doc;
    req.set_allow_overwrite(true);
    av1::ImportProfilesResponse out;
    return stub_->ImportProfiles(&context, req, &out);
  };
  auto first_finding = [](const av1::Profile& p) {
    return p.domains(0).well_developed(0).text().at("en");
  };
  const av1::ProfileDocument original = exported(kCallers[0]);
  ASSERT_EQ(original.profiles_size(), 1);
  const std::string official_text = first_finding(original.profiles(0));

  // The tampered official profile, as published, and as a draft over the published one.
  av1::ProfileDocument tampered = original;
  (*tampered.mutable_profiles(0)->mutable_domains(0)->mutable_well_developed(0)->mutable_text())
      ["en"] = "Tampered finding.";
  av1::ProfileDocument demoted = tampered;
  demoted.mutable_profiles(0)->set_state(av1::PROFILE_STATE_DRAFT);
  // A new profile imported as published, and as archived.
  av1::ProfileDocument fresh = original;
  fresh.mutable_profiles(0)->set_name("profiles/gtm-import-published");
  // (its own edition: one published profile per edition)
  fresh.mutable_profiles(0)->set_edition(original.profiles(0).edition() + 1);
  av1::ProfileDocument fresh_archived = original;
  fresh_archived.mutable_profiles(0)->set_name("profiles/gtm-import-archived");
  fresh_archived.mutable_profiles(0)->set_state(av1::PROFILE_STATE_ARCHIVED);
  // A harmless new draft next to a refused profile: all or nothing.
  av1::ProfileDocument mixed = tampered;
  av1::Profile new_draft = original.profiles(0);
  new_draft.set_name("profiles/gtm-import-draft");
  new_draft.set_state(av1::PROFILE_STATE_DRAFT);
  *mixed.add_profiles() = new_draft;

  for (size_t rank = 0; rank <= 2; ++rank) {  // anonymous, viewer, editor
    const Caller& caller = kCallers[rank];
    for (const auto* doc : {&tampered, &demoted, &fresh, &fresh_archived, &mixed}) {
      SCOPED_TRACE(caller.principal + " imports " + doc->profiles(0).name() + " as " +
                   av1::ProfileState_Name(doc->profiles(0).state()));
      grpc::Status st = import(caller, *doc);
      EXPECT_EQ(st.error_code(), rank == 0 ? grpc::StatusCode::UNAUTHENTICATED
                                           : grpc::StatusCode::PERMISSION_DENIED)
          << st.error_message();
      if (rank == 2) {
        EXPECT_THAT(st.error_message(), HasSubstr("nothing was imported"));
      }
    }
  }
  // Nothing of that reached the store: the official text is intact, the new names are absent.
  auto official = Get(kCallers[0], kPublished);
  ASSERT_TRUE(official.ok()) << official.status();
  EXPECT_EQ(official->state(), av1::PROFILE_STATE_PUBLISHED);
  EXPECT_EQ(first_finding(*official), official_text);
  for (const char* name : {"profiles/gtm-import-published", "profiles/gtm-import-archived",
                           "profiles/gtm-import-draft"}) {
    EXPECT_EQ(Get(kCallers[4], name).status().code(), absl::StatusCode::kNotFound) << name;
  }

  // The editor may still import drafts.
  {
    av1::ProfileDocument drafts;
    drafts.set_format(original.format());
    *drafts.add_profiles() = new_draft;
    grpc::Status st = import(kCallers[2], drafts);
    EXPECT_TRUE(st.ok()) << st.error_message();
    auto stored = Get(kCallers[1], new_draft.name());
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->state(), av1::PROFILE_STATE_DRAFT);
  }
  // A publisher may import published and archived profiles, an admin may overwrite one.
  {
    grpc::Status st = import(kCallers[3], fresh);
    EXPECT_TRUE(st.ok()) << st.error_message();
    st = import(kCallers[3], fresh_archived);
    EXPECT_TRUE(st.ok()) << st.error_message();
    av1::ProfileDocument changed = fresh;
    (*changed.mutable_profiles(0)->mutable_domains(0)->mutable_well_developed(0)->mutable_text())
        ["en"] = "Corrected finding.";
    st = import(kCallers[4], changed);
    EXPECT_TRUE(st.ok()) << st.error_message();
    auto stored = Get(kCallers[0], "profiles/gtm-import-published");
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->state(), av1::PROFILE_STATE_PUBLISHED);
    EXPECT_EQ(first_finding(*stored), "Corrected finding.");
    auto archived = Get(kCallers[0], "profiles/gtm-import-archived");
    ASSERT_TRUE(archived.ok()) << archived.status();
    EXPECT_EQ(archived->state(), av1::PROFILE_STATE_ARCHIVED);
  }
}

TEST_F(AssessmentAuthTest, BadTokensAreRefusedEvenForPublicReads) {
  Caller impostor{"", "tok-not-in-the-file", "x"};
  auto result = Get(impostor, kPublished);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(result.status().message()), Not(HasSubstr("tok-not-in-the-file")));
}

// WatchProfiles enforces the draft rule in the service: an anonymous watcher never hears of a
// draft (its creation, its changes) and sees its publication as PUBLISHED, without the actor; a
// viewer sees every change with the token's principal; asking for drafts without the right is
// refused before any event.
TEST_F(AssessmentAuthTest, WatchShowsAnonymousCallersOnlyWhatTheyMayRead) {
  const Caller& anonymous = kCallers[0];
  const Caller& viewer = kCallers[1];
  const Caller& editor = kCallers[2];
  const Caller& publisher = kCallers[3];
  struct Watch {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<av1::ProfileEvent>> reader;
    bool Next(av1::ProfileEvent* e) {
      while (reader->Read(e)) {
        if (e->type() != av1::ProfileEvent::TYPE_HEARTBEAT) return true;
      }
      return false;
    }
  };
  auto open = [&](const Caller& caller, const std::string& filter) {
    auto w = std::make_unique<Watch>();
    Prepare(&w->context, caller);
    w->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    av1::WatchProfilesRequest req;
    req.set_filter(filter);
    w->reader = stub_->WatchProfiles(&w->context, req);
    w->reader->WaitForInitialMetadata();
    return w;
  };
  {
    auto refused = open(anonymous, "state = DRAFT");
    av1::ProfileEvent e;
    EXPECT_FALSE(refused->reader->Read(&e));
    EXPECT_EQ(refused->reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  auto public_watch = open(anonymous, "country = \"GTM\"");
  auto viewer_watch = open(viewer, "country = \"GTM\"");

  av1::Profile draft;
  {
    grpc::ClientContext context;
    Prepare(&context, editor);
    av1::StartNewEditionRequest req;
    req.set_name(kPublished);
    req.set_profile_id("gtm-watch");
    ASSERT_TRUE(stub_->StartNewEdition(&context, req, &draft).ok());
  }
  av1::Profile published;
  {
    grpc::ClientContext context;
    Prepare(&context, publisher);
    av1::PublishProfileRequest req;
    req.set_name(draft.name());
    req.set_etag(draft.etag());
    grpc::Status st = stub_->PublishProfile(&context, req, &published);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  av1::ProfileEvent e;
  ASSERT_TRUE(viewer_watch->Next(&e));
  EXPECT_EQ(e.type(), av1::ProfileEvent::TYPE_CREATED);
  EXPECT_EQ(e.name(), draft.name());
  EXPECT_EQ(e.actor(), "eddie");
  ASSERT_TRUE(viewer_watch->Next(&e));
  EXPECT_EQ(e.type(), av1::ProfileEvent::TYPE_PUBLISHED);
  EXPECT_EQ(e.actor(), "paula");
  // The anonymous watcher's first event is the publication.
  ASSERT_TRUE(public_watch->Next(&e));
  EXPECT_EQ(e.type(), av1::ProfileEvent::TYPE_PUBLISHED);
  EXPECT_EQ(e.name(), draft.name());
  EXPECT_EQ(e.etag(), published.etag());
  EXPECT_EQ(e.actor(), "");
  public_watch->context.TryCancel();
  viewer_watch->context.TryCancel();
}

}  // namespace
}  // namespace mgi
