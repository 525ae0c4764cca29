// The access-control policy (every role against every permission and every RPC), the token file
// format, bearer-token authentication, and the token file reload (rewrite, broken file,
// Kubernetes Secret symlink swap).
#include "services/common/access.h"
#include "services/common/auth.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "mgi/assessment/v1/assessment_service.grpc.pb.h"
#include "mgi/catalog/v1/catalog_service.grpc.pb.h"
#include "mgi/report/v1/report_service.grpc.pb.h"

namespace mgi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// Known tokens and their SHA-256 (computed independently with `printf %s TOKEN | sha256sum`).
constexpr char kViewerToken[] = "viewer-token-1";
constexpr char kEditorToken[] = "editor-token-2";
constexpr char kPublisherToken[] = "publisher-token-3";
constexpr char kAdminToken[] = "admin-token-4";

std::string HashOf(const std::string& token) { return HexDigest(Sha256(token)); }

std::string TokenFile() {
  return "# test tokens\n\n" + HashOf(kViewerToken) + " viewer vera\n" + HashOf(kEditorToken) +
         "  editor\teddie\n" + HashOf(kPublisherToken) + " publisher paula@iom.int\n" +
         HashOf(kAdminToken) + " admin ada\n";
}

std::string TempPath(const std::string& name) {
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() /
                 ("mgi-auth-test-" + std::to_string(getpid()) + "-" + std::to_string(++counter));
  fs::create_directories(dir);
  return (dir / name).string();
}

void WriteFile(const std::string& path, const std::string& text) {
  // Write-then-rename, as editors and kubelet do.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
  }
  fs::rename(tmp, path);
}

// Captures everything spdlog logs while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string Text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

TEST(Sha256Test, KnownVector) {
  // FIPS 180-2 example "abc".
  EXPECT_EQ(HexDigest(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexDigest(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// ---- The policy: every caller against every permission. ----

enum class Expect { kOk, kUnauthenticated, kDenied };

struct PolicyCase {
  std::string caller;  // "anonymous" or a role name
  bool public_read;
  Permission permission;
  Expect expect;
};

std::string CaseName(const PolicyCase& c) {
  return c.caller + (c.public_read ? "" : "/private") + "/" + PermissionName(c.permission);
}

TEST(PolicyTest, EveryCallerAgainstEveryPermission) {
  using P = Permission;
  using E = Expect;
  const std::vector<PolicyCase> cases = {
      {"anonymous", true, P::kReadPublished, E::kOk},
      {"anonymous", true, P::kReadDrafts, E::kUnauthenticated},
      {"anonymous", true, P::kWriteDrafts, E::kUnauthenticated},
      {"anonymous", true, P::kPublish, E::kUnauthenticated},
      {"anonymous", false, P::kReadPublished, E::kUnauthenticated},
      {"anonymous", false, P::kReadDrafts, E::kUnauthenticated},
      {"anonymous", false, P::kWriteDrafts, E::kUnauthenticated},
      {"anonymous", false, P::kPublish, E::kUnauthenticated},
      {"viewer", true, P::kReadPublished, E::kOk},
      {"viewer", true, P::kReadDrafts, E::kOk},
      {"viewer", true, P::kWriteDrafts, E::kDenied},
      {"viewer", true, P::kPublish, E::kDenied},
      {"viewer", false, P::kReadPublished, E::kOk},
      {"editor", true, P::kReadPublished, E::kOk},
      {"editor", true, P::kReadDrafts, E::kOk},
      {"editor", true, P::kWriteDrafts, E::kOk},
      {"editor", true, P::kPublish, E::kDenied},
      {"editor", false, P::kReadPublished, E::kOk},
      {"publisher", true, P::kReadPublished, E::kOk},
      {"publisher", true, P::kReadDrafts, E::kOk},
      {"publisher", true, P::kWriteDrafts, E::kOk},
      {"publisher", true, P::kPublish, E::kOk},
      {"admin", true, P::kReadPublished, E::kOk},
      {"admin", true, P::kReadDrafts, E::kOk},
      {"admin", true, P::kWriteDrafts, E::kOk},
      {"admin", true, P::kPublish, E::kOk},
      {"admin", false, P::kReadPublished, E::kOk},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(CaseName(c));
    Authorizer authorizer(nullptr, c.public_read);
    Principal principal;
    if (c.caller != "anonymous") {
      principal.name = "someone";
      principal.role = ParseRole(c.caller);
      ASSERT_TRUE(principal.role.has_value());
    }
    absl::Status st = authorizer.Require(principal, c.permission);
    switch (c.expect) {
      case Expect::kOk:
        EXPECT_TRUE(st.ok()) << st;
        break;
      case Expect::kUnauthenticated:
        EXPECT_EQ(st.code(), absl::StatusCode::kUnauthenticated) << st;
        EXPECT_THAT(std::string(st.message()), HasSubstr("Bearer"));
        break;
      case Expect::kDenied:
        EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
        // Names the role needed, and who was refused.
        EXPECT_THAT(std::string(st.message()),
                    HasSubstr("needs the role " + RoleName(MinimumRole(c.permission))));
        EXPECT_THAT(std::string(st.message()),
                    HasSubstr("principal someone has the role " + c.caller));
        break;
    }
  }
}

// The least role of every RPC of the suite, written out by hand ("" = anyone with public read).
const std::map<std::string, std::string> kExpectedMethodRoles = {
    {"/mgi.catalog.v1.CatalogService/GetFramework", ""},
    {"/mgi.catalog.v1.CatalogService/ListDomains", ""},
    {"/mgi.catalog.v1.CatalogService/GetDomain", ""},
    {"/mgi.catalog.v1.CatalogService/ListIndicators", ""},
    {"/mgi.catalog.v1.CatalogService/GetIndicator", ""},
    {"/mgi.catalog.v1.CatalogService/SearchIndicators", ""},
    {"/mgi.catalog.v1.CatalogService/ListCountries", ""},
    {"/mgi.catalog.v1.CatalogService/GetCountry", ""},
    {"/mgi.assessment.v1.AssessmentService/ListProfiles", ""},
    {"/mgi.assessment.v1.AssessmentService/GetProfile", ""},
    {"/mgi.assessment.v1.AssessmentService/CompareProfiles", ""},
    {"/mgi.assessment.v1.AssessmentService/SearchFindings", ""},
    {"/mgi.assessment.v1.AssessmentService/ExportProfiles", ""},
    {"/mgi.assessment.v1.AssessmentService/WatchProfiles", ""},
    {"/mgi.assessment.v1.AssessmentService/ListRevisions", "viewer"},
    {"/mgi.assessment.v1.AssessmentService/GetRevision", "viewer"},
    {"/mgi.assessment.v1.AssessmentService/CreateProfile", "editor"},
    {"/mgi.assessment.v1.AssessmentService/UpdateProfile", "editor"},
    {"/mgi.assessment.v1.AssessmentService/DeleteProfile", "editor"},
    {"/mgi.assessment.v1.AssessmentService/ImportProfiles", "editor"},
    {"/mgi.assessment.v1.AssessmentService/StartNewEdition", "editor"},
    {"/mgi.assessment.v1.AssessmentService/PublishProfile", "publisher"},
    {"/mgi.assessment.v1.AssessmentService/ArchiveProfile", "publisher"},
    {"/mgi.report.v1.ReportService/GetReport", ""},
    {"/mgi.report.v1.ReportService/ListReportFormats", ""},
};

TEST(PolicyTest, EveryRpcOfTheProtosHasAnEntry) {
  std::set<std::string> from_protos;
  const google::protobuf::FileDescriptor* files[] = {
      mgi::catalog::v1::GetFrameworkRequest::descriptor()->file(),
      mgi::assessment::v1::GetProfileRequest::descriptor()->file(),
      mgi::report::v1::GetReportRequest::descriptor()->file()};
  int services = 0;
  for (const auto* file : files) {
    ASSERT_EQ(file->service_count(), 1) << file->name();
    const auto* service = file->service(0);
    ++services;
    for (int i = 0; i < service->method_count(); ++i) {
      from_protos.insert("/" + service->full_name() + "/" + service->method(i)->name());
    }
  }
  EXPECT_EQ(services, 3);
  // Every RPC declares its access in its contract.
  for (const auto& method : from_protos) {
    EXPECT_TRUE(DeclaredPermission(method).has_value()) << method;
  }
  EXPECT_TRUE(CheckAccessDeclared({"mgi.catalog.v1.CatalogService",
                                   "mgi.assessment.v1.AssessmentService",
                                   "mgi.report.v1.ReportService", "grpc.health.v1.Health"})
                  .ok());
  std::set<std::string> expected;
  for (const auto& [method, role] : kExpectedMethodRoles) expected.insert(method);
  EXPECT_EQ(from_protos, expected) << "and in kExpectedMethodRoles of this test";
  EXPECT_EQ(DeclaredPermission("/grpc.health.v1.Health/Check"), std::nullopt);
}

TEST(PolicyTest, EveryRoleAgainstEveryRpc) {
  std::vector<std::pair<std::string, std::optional<Role>>> callers = {
      {"anonymous", std::nullopt},
      {"viewer", Role::kViewer},
      {"editor", Role::kEditor},
      {"publisher", Role::kPublisher},
      {"admin", Role::kAdmin}};
  const std::vector<std::string> order = {"", "viewer", "editor", "publisher", "admin"};
  Authorizer authorizer(nullptr, /*public_read=*/true);
  for (const auto& [method, least] : kExpectedMethodRoles) {
    auto permission = DeclaredPermission(method);
    ASSERT_TRUE(permission.has_value()) << method;
    size_t least_rank = std::find(order.begin(), order.end(), least) - order.begin();
    for (size_t rank = 0; rank < callers.size(); ++rank) {
      SCOPED_TRACE(method + " as " + callers[rank].first);
      Principal p;
      p.role = callers[rank].second;
      absl::Status st = authorizer.Require(p, *permission);
      if (rank >= least_rank) {
        EXPECT_TRUE(st.ok()) << st;
      } else if (rank == 0) {
        EXPECT_EQ(st.code(), absl::StatusCode::kUnauthenticated) << st;
      } else {
        EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
        EXPECT_THAT(std::string(st.message()), HasSubstr("needs the role " + least));
      }
    }
  }
}

// ---- The token file. ----

TEST(TokenTableTest, ParsesRolesPrincipalsCommentsAndUpperCaseHex) {
  std::string text = TokenFile() + "   # indented comment\n" +
                     absl::AsciiStrToUpper(HashOf("shouty")) + " viewer shout\n";
  auto table = TokenTable::Parse(text);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 5u);
  const auto* e = table->Find(Sha256(kPublisherToken));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->role, Role::kPublisher);
  EXPECT_EQ(e->principal, "paula@iom.int");
  e = table->Find(Sha256(kEditorToken));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->principal, "eddie");
  ASSERT_NE(table->Find(Sha256("shouty")), nullptr);
  EXPECT_EQ(table->Find(Sha256("nope")), nullptr);
  EXPECT_TRUE(TokenTable::Parse("").ok());
}

TEST(TokenTableTest, ErrorsNameTheLineAndNeverQuoteTheSecretField) {
  const std::string hash = HashOf("x");
  struct Case {
    std::string text;
    std::string expected;
    std::string secret;  // must not appear in the message
  };
  std::vector<Case> cases = {
      {"# c\n" + hash + " editor\n", "line 2: expected 3 fields", hash},
      {"raw-token-pasted-here editor bob\n", "line 1: the first field must be the SHA-256",
       "raw-token-pasted-here"},
      {hash.substr(0, 63) + "g editor bob\n", "line 1: the first field must be the SHA-256",
       hash.substr(0, 63)},
      {hash + " superuser bob\n", "line 1: unknown role \"superuser\"", hash},
      {hash + " editor bob/smith\n", "line 1: the principal must be", hash},
      {hash + " editor bob\n" + hash + " viewer carl\n", "line 2: this hash appears on an earlier",
       hash},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected);
    auto table = TokenTable::Parse(c.text);
    ASSERT_FALSE(table.ok());
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(table.status().message()), HasSubstr(c.expected));
    EXPECT_THAT(std::string(table.status().message()), Not(HasSubstr(c.secret)));
  }
}

// ---- Authentication. ----

class AuthenticateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempPath("tokens");
    WriteFile(path_, TokenFile());
    store_ = std::make_unique<TokenStore>(path_);
    ASSERT_TRUE(store_->Reload().ok());
  }
  std::string path_;
  std::unique_ptr<TokenStore> store_;
};

TEST_F(AuthenticateTest, KnownTokensGiveTheirPrincipal) {
  Authorizer a(store_.get(), true);
  struct Case {
    std::string header;
    std::string name;
    Role role;
  };
  for (const auto& c : std::vector<Case>{
           {std::string("Bearer ") + kViewerToken, "vera", Role::kViewer},
           {std::string("bearer ") + kEditorToken, "eddie", Role::kEditor},
           {std::string("BEARER   ") + kPublisherToken + " ", "paula@iom.int", Role::kPublisher},
           {std::string("Bearer ") + kAdminToken, "ada", Role::kAdmin}}) {
    SCOPED_TRACE(c.name);
    auto p = a.Authenticate(std::vector<std::string>{c.header});
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->name, c.name);
    EXPECT_EQ(p->role, c.role);
    EXPECT_TRUE(p->authenticated());
  }
}

TEST_F(AuthenticateTest, NoHeaderIsAnonymous) {
  Authorizer a(store_.get(), true);
  auto p = a.Authenticate(std::vector<std::string>{});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->authenticated());
  EXPECT_EQ(p->name, "anonymous");
}

TEST_F(AuthenticateTest, BadHeadersAreUnauthenticatedWithoutEchoingTheToken) {
  LogCapture logs;
  Authorizer a(store_.get(), true);
  const std::string secret = "s3cret-unknown-token";
  for (const auto& headers : std::vector<std::vector<std::string>>{
           {"Bearer " + secret},
           {"Basic " + secret},
           {secret},
           {"Bearer "},
           {"Bearer " + secret + " extra"},
           {"Bearer " + std::string(kEditorToken) + "x"},
           {"Bearer " + std::string(kEditorToken), "Bearer " + std::string(kViewerToken)},
           {"Bearer " + std::string(5000, 'a')}}) {
    SCOPED_TRACE(headers.front().substr(0, 40));
    auto p = a.Authenticate(headers);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    std::string message(p.status().message());
    EXPECT_THAT(message, Not(HasSubstr(secret)));
    EXPECT_THAT(message, Not(HasSubstr(kEditorToken)));
  }
  std::string text = logs.Text();
  EXPECT_THAT(text, HasSubstr("rejected a bearer token"));
  EXPECT_THAT(text, Not(HasSubstr(secret)));
  EXPECT_THAT(text, Not(HasSubstr(HashOf(secret))));
  EXPECT_THAT(text, Not(HasSubstr(kEditorToken)));
}

TEST_F(AuthenticateTest, FromGrpcMetadata) {
  Authorizer a(store_.get(), true);
  std::string key = "authorization", value = std::string("Bearer ") + kEditorToken;
  std::string other_key = "x-mgi-actor", other_value = "mallory";
  std::multimap<grpc::string_ref, grpc::string_ref> md = {{other_key, other_value}, {key, value}};
  auto p = a.Authenticate(md);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "eddie");  // never the self-declared x-mgi-actor
}

TEST(AuthorizerTest, WithoutATokenFileEveryTokenIsRefused) {
  Authorizer a(nullptr, true);
  auto p = a.Authenticate(std::vector<std::string>{"Bearer anything"});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(AuthorizerTest, DisabledMakesEveryCallerAnAdmin) {
  Authorizer a(nullptr, false, /*disabled=*/true);
  auto p = a.Authenticate(std::vector<std::string>{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, Role::kAdmin);
  EXPECT_EQ(p->name, "anonymous");
  EXPECT_TRUE(a.Require(*p, Permission::kPublish).ok());
  // Only when disabled does the self-declared x-mgi-actor name the caller.
  std::string key = "x-mgi-actor", value = "dev.user", bad = "no spaces allowed";
  p = a.Authenticate(std::multimap<grpc::string_ref, grpc::string_ref>{{key, value}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "dev.user");
  p = a.Authenticate(std::multimap<grpc::string_ref, grpc::string_ref>{{key, bad}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "anonymous");
}

TEST(AuthorizerTest, AllowsAgreesWithRequire) {
  for (bool public_read : {true, false}) {
    Authorizer a(nullptr, public_read);
    for (std::optional<Role> role : std::vector<std::optional<Role>>{
             std::nullopt, Role::kViewer, Role::kEditor, Role::kPublisher, Role::kAdmin}) {
      for (const auto& rule : kPermissionPolicy) {
        Principal p;
        p.role = role;
        EXPECT_EQ(a.Allows(p, rule.permission), a.Require(p, rule.permission).ok())
            << rule.name << " public_read=" << public_read;
      }
    }
  }
}

// ---- Reloading the token file. ----

// Waits (polling the store's generation, with a deadline) until it reaches `generation`.
bool WaitForGeneration(const TokenStore& store, uint64_t generation) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store.generation() < generation) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll pacing, not synchronisation
  }
  return true;
}

TEST(TokenStoreTest, PollingPicksUpARewriteAndFailsClosedOnABrokenFile) {
  LogCapture logs;
  std::string path = TempPath("tokens");
  WriteFile(path, HashOf("first") + " editor first\n");
  TokenStore store(path);
  ASSERT_TRUE(store.Reload().ok());
  EXPECT_EQ(store.generation(), 1u);
  Authorizer a(&store, true);
  EXPECT_TRUE(a.Authenticate(std::vector<std::string>{"Bearer first"}).ok());

  store.Start(std::chrono::milliseconds(20));
  WriteFile(path, HashOf("second") + " publisher second\n" + HashOf("admin") + " admin root\n");
  ASSERT_TRUE(WaitForGeneration(store, 2));
  auto p = a.Authenticate(std::vector<std::string>{"Bearer second"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, Role::kPublisher);
  EXPECT_EQ(a.Authenticate(std::vector<std::string>{"Bearer first"}).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(a.Authenticate(std::vector<std::string>{"Bearer admin"}).ok());
  EXPECT_EQ(store.failures(), 0u);

  // The admin token is removed, and the same edit breaks a line: the admin token stops working
  // at once, the broken line grants nothing, the good line stays; the error is reported.
  WriteFile(path, HashOf("second") + " publisher second\n" + HashOf("third") + " overlord third\n");
  absl::Status st = store.Reload();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("line 2: unknown role"));
  EXPECT_EQ(store.status(), st);
  EXPECT_EQ(store.failures(), 1u);
  EXPECT_EQ(a.Authenticate(std::vector<std::string>{"Bearer admin"}).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(a.Authenticate(std::vector<std::string>{"Bearer third"}).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(a.Authenticate(std::vector<std::string>{"Bearer second"}).ok());
  // The same broken content again: no new load, no new failure, the same status.
  EXPECT_EQ(store.Reload(), st);
  EXPECT_EQ(store.failures(), 1u);

  // A hash on two lines: which role was meant is unknown, neither line counts.
  WriteFile(path, HashOf("second") + " publisher second\n" + HashOf("second") + " admin second\n");
  EXPECT_FALSE(store.Reload().ok());
  EXPECT_FALSE(a.Authenticate(std::vector<std::string>{"Bearer second"}).ok());

  // A deleted file: no token is accepted any more (public reads only).
  fs::remove(path);
  st = store.Reload();
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), HasSubstr("cannot read"));
  EXPECT_EQ(a.Authenticate(std::vector<std::string>{"Bearer second"}).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(a.Authenticate(std::vector<std::string>{}).ok());  // anonymous still reads
  EXPECT_EQ(store.failures(), 3u);

  // Fixed: the poller installs it and the status is OK again.
  WriteFile(path, HashOf("fourth") + " viewer fourth\n");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!store.status().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll pacing
  }
  EXPECT_TRUE(store.status().ok()) << store.status();
  EXPECT_TRUE(a.Authenticate(std::vector<std::string>{"Bearer fourth"}).ok());

  std::string text = logs.Text();
  EXPECT_THAT(text, HasSubstr("tokens accepted"));
  for (const char* token : {"first", "second", "third", "fourth", "admin"}) {
    EXPECT_THAT(text, Not(HasSubstr(HashOf(token)))) << token;
  }
}

TEST(MakeAuthTest, ABrokenFileMakesTheServiceNotReadyAndCountsInMetrics) {
  std::string path = TempPath("tokens");
  WriteFile(path, HashOf("good") + " viewer good\n");
  AuthConfig config;
  config.tokens_file = path;
  config.reload_interval = std::chrono::milliseconds(10);
  MetricsRegistry metrics;
  Readiness readiness;
  std::vector<bool> seen;
  readiness.Subscribe([&seen](const absl::Status& s) { seen.push_back(s.ok()); });
  auto auth = MakeAuth(config, &metrics, &readiness);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_TRUE(readiness.Check().ok());
  EXPECT_THAT(metrics.Render(), HasSubstr("mgi_auth_token_file_ok 1"));

  WriteFile(path, "garbage\n");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (readiness.Check().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll pacing
  }
  absl::Status not_ready = readiness.Check();
  EXPECT_FALSE(not_ready.ok());
  EXPECT_THAT(std::string(not_ready.message()), HasSubstr("auth-tokens-file"));
  std::string rendered = metrics.Render();
  EXPECT_THAT(rendered, HasSubstr("mgi_auth_token_file_ok 0"));
  EXPECT_THAT(rendered, HasSubstr("mgi_auth_token_reload_failures_total 1"));

  WriteFile(path, HashOf("good") + " viewer good\n");
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!readiness.Check().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll pacing
  }
  EXPECT_TRUE(readiness.Check().ok());
  auth->store.reset();  // stops the poller before `seen` goes
  EXPECT_THAT(seen, ::testing::ElementsAre(true, false, true));
}

TEST(TokenStoreTest, SameSizeRewriteIsSeenThroughTheContentHash) {
  std::string path = TempPath("tokens");
  {
    std::ofstream out(path);
    out << HashOf("aaaa") << " editor aaaa\n";
  }
  auto before = fs::last_write_time(path);
  TokenStore store(path);
  ASSERT_TRUE(store.Reload().ok());
  {
    std::ofstream out(path, std::ios::trunc);  // same inode, same size
    out << HashOf("bbbb") << " editor bbbb\n";
  }
  fs::last_write_time(path, before);  // and the same mtime
  ASSERT_TRUE(store.Reload().ok());
  EXPECT_EQ(store.generation(), 2u);
  Authorizer a(&store, true);
  EXPECT_TRUE(a.Authenticate(std::vector<std::string>{"Bearer bbbb"}).ok());
  // An unchanged file installs nothing.
  ASSERT_TRUE(store.Reload().ok());
  EXPECT_EQ(store.generation(), 2u);
}

TEST(TokenStoreTest, KubernetesSecretSymlinkSwap) {
  // What kubelet does: tokens -> ..data/tokens, ..data -> ..<timestamp>; an update writes a new
  // timestamped directory and renames a new ..data symlink over the old one.
  fs::path dir = fs::path(TempPath("secret")).parent_path();
  fs::create_directories(dir / "..2026_01");
  {
    std::ofstream out(dir / "..2026_01" / "tokens");
    out << HashOf("old-secret") << " editor old\n";
  }
  fs::create_directory_symlink("..2026_01", dir / "..data");
  fs::create_symlink("..data/tokens", dir / "tokens");
  TokenStore store((dir / "tokens").string());
  ASSERT_TRUE(store.Reload().ok());
  store.Start(std::chrono::milliseconds(20));
  Authorizer a(&store, true);
  EXPECT_TRUE(a.Authenticate(std::vector<std::string>{"Bearer old-secret"}).ok());

  fs::create_directories(dir / "..2026_02");
  {
    std::ofstream out(dir / "..2026_02" / "tokens");
    out << HashOf("new-secret") << " admin new\n";
  }
  fs::create_directory_symlink("..2026_02", dir / "..data_tmp");
  fs::rename(dir / "..data_tmp", dir / "..data");
  fs::remove_all(dir / "..2026_01");
  ASSERT_TRUE(WaitForGeneration(store, 2));
  auto p = a.Authenticate(std::vector<std::string>{"Bearer new-secret"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "new");
  EXPECT_FALSE(a.Authenticate(std::vector<std::string>{"Bearer old-secret"}).ok());
}

TEST(MakeAuthTest, ABrokenFileAtStartIsAnError) {
  std::string path = TempPath("tokens");
  WriteFile(path, "not a token file\n");
  AuthConfig config;
  config.tokens_file = path;
  auto auth = MakeAuth(config);
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  config.tokens_file = path + ".missing";
  EXPECT_FALSE(MakeAuth(config).ok());
}

TEST(MakeAuthTest, FlagsAndSuiteWideVariables) {
  std::string path = TempPath("tokens");
  WriteFile(path, TokenFile());
  Config config("assessment");
  AuthConfig auth_config;
  RegisterAuthFlags(config, &auth_config);
  std::string env_file = "MGI_AUTH_TOKENS_FILE=" + path;
  const char* argv[] = {"mgi-assessment", "--auth-reload-interval=250ms"};
  const char* envp[] = {env_file.c_str(), "MGI_PUBLIC_READ=false", nullptr};
  ASSERT_TRUE(config.Parse(2, argv, envp).ok());
  EXPECT_EQ(auth_config.tokens_file, path);
  EXPECT_FALSE(auth_config.public_read);
  EXPECT_EQ(auth_config.reload_interval, std::chrono::milliseconds(250));
  auto auth = MakeAuth(auth_config);
  ASSERT_TRUE(auth.ok()) << auth.status();
  auto p = auth->authorizer->Authenticate(std::vector<std::string>{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(auth->authorizer->Require(*p, Permission::kReadPublished).code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace mgi
