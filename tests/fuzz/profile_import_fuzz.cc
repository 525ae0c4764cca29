// libFuzzer target over profile import documents (the JSON of `ImportProfiles` and of the seed
// files, mgi.profiles/v1) through ProfileManager on a real SQLite store, with the unit tests'
// fake catalog (tests/services/assessment/fakes.h).
// Input: a JSON ProfileDocument. Properties:
//   - a refused document (validation or any other error) changes nothing: all or nothing;
//   - validate_only never writes, and agrees with the real import on whether the document is
//     acceptable;
//   - an imported document exports, and the export imports again as all unchanged.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <filesystem>
#include <memory>
#include <unistd.h>

#include "fakes.h"
#include "fuzz_util.h"
#include "services/assessment/profile_manager.h"
#include "services/assessment/sqlite_profile_store.h"

namespace {

namespace av1 = mgi::assessment::v1;
using mgi::assessment::Caller;
using mgi::assessment::ProfileManager;

struct World {
  std::string dir;
  mgi::assessment::testing::FakeCatalog catalog;
  mgi::assessment::testing::FakeClock clock;
  std::unique_ptr<mgi::assessment::SqliteProfileStore> store;
  std::unique_ptr<ProfileManager> manager;
  int uses = 0;

  // A fresh database every few hundred inputs keeps the store small (and the runs fast).
  ProfileManager& Manager() {
    if (manager && ++uses < 300) return *manager;
    manager.reset();
    store.reset();
    if (dir.empty()) {
      const char* shm = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
      dir = std::string(shm) + "/mgi-fuzz-import-" + std::to_string(getpid());
    }
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = mgi::assessment::SqliteProfileStore::Open(dir + "/a.db");
    MGI_REQUIRE(opened.ok(), "the store opens");
    store = *std::move(opened);
    auto messages = mgi::assessment::TitleMessages::Load(std::string(MGI_SOURCE_DIR) +
                                                         "/data/profiles/messages");
    MGI_REQUIRE(messages.ok(), "the title messages load");
    manager = std::make_unique<ProfileManager>(store.get(), &catalog, &clock, *messages);
    uses = 0;
    return *manager;
  }
  ~World() {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

World& TheWorld() {
  static World* world = new World();
  return *world;
}

Caller System() { return Caller::System("fuzz", mgi::PeerCredentials::Anonymous()); }

// Everything stored, as an export of all states.
av1::ProfileDocument Everything(ProfileManager& m) {
  av1::ExportProfilesRequest req;
  auto doc = m.ExportProfiles(req, System());
  MGI_REQUIRE(doc.ok(), "the store exports");
  return *std::move(doc);
}

bool Same(const av1::ProfileDocument& a, const av1::ProfileDocument& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  av1::ImportProfilesRequest req;
  google::protobuf::util::JsonParseOptions options;
  if (!google::protobuf::util::JsonStringToMessage(std::string(mgi::fuzz::AsView(data, size)),
                                                   req.mutable_document(), options)
           .ok()) {
    return 0;
  }
  ProfileManager& m = TheWorld().Manager();
  av1::ProfileDocument before = Everything(m);

  req.set_allow_overwrite(true);
  req.set_validate_only(true);
  auto checked = m.ImportProfiles(req, System());
  MGI_REQUIRE(Same(Everything(m), before), "validate_only writes nothing");

  req.set_validate_only(false);
  auto imported = m.ImportProfiles(req, System());
  if (!imported.ok()) {
    MGI_REQUIRE(Same(Everything(m), before), "a refused import changes nothing");
    MGI_REQUIRE(!checked.ok(), "validate_only refuses what the import refuses");
    return 0;
  }
  MGI_REQUIRE(checked.ok(), "validate_only accepts what the import accepts");

  for (const std::string& name : imported->imported()) {
    av1::ExportProfilesRequest one;
    one.set_name(name);
    auto exported = m.ExportProfiles(one, System());
    MGI_REQUIRE(exported.ok() && exported->profiles_size() == 1, "an imported profile exports");
    av1::ImportProfilesRequest again;
    *again.mutable_document() = *exported;
    av1::ProfileDocument stored = Everything(m);
    auto second = m.ImportProfiles(again, System());
    MGI_REQUIRE(second.ok(), "an export imports");
    MGI_REQUIRE(second->imported_size() == 0 && second->unchanged_size() == 1,
                "an export imports as unchanged");
    MGI_REQUIRE(Same(Everything(m), stored), "an unchanged import writes nothing");
  }
  return 0;
}
