// A writer process for the crash test: creates profiles "profiles/w-<i>" one commit at a time and
// prints "acked <name>" after each commit returns, until killed or `count` is reached.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "services/assessment/sqlite_profile_store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DB COUNT\n", argv[0]);
    return 2;
  }
  auto store = mgi::assessment::SqliteProfileStore::Open(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  int count = std::atoi(argv[2]);
  for (int i = 0; i < count; ++i) {
    mgi::assessment::ProfileWrite w;
    w.profile.set_name("profiles/w-" + std::to_string(i));
    w.profile.set_country("countries/GTM");
    w.profile.set_edition(1);
    w.profile.set_revision(1);
    w.profile.set_etag("\"e" + std::to_string(i) + "\"");
    w.revision.set_action(mgi::assessment::v1::Revision::ACTION_CREATE);
    auto s = (*store)->Commit({w});
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("acked %s\n", w.profile.name().c_str());
    std::fflush(stdout);
  }
  return 0;
}
