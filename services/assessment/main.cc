// mgi-assessment: country and local MGI profiles (AssessmentService) on SQLite.
#include "common/channel.h"
#include "common/executor.h"
#include "common/service_main.h"
#include "services/assessment/assessment_grpc_service.h"
#include "services/assessment/background_seeder.h"
#include "services/assessment/monitored_store.h"
#include "services/assessment/sqlite_profile_store.h"

int main(int argc, char** argv) {
  using namespace mgi::assessment;
  mgi::ServiceMain app("assessment", {.port = 50052, .metrics_port = 9102});
  mgi::ChannelConfig channel;
  AssessmentOptions options;
  RegisterAssessmentFlags(app.config(), &options, &channel);
  if (int code = app.Start(argc, argv); code >= 0) return code;
  auto store = SqliteProfileStore::Open(options.db);
  auto messages = TitleMessages::Load(options.messages_dir);
  auto chan = mgi::MakeChannel(options.catalog_addr, channel);
  for (const absl::Status& s : {store.status(), messages.status(), chan.status()}) {
    if (!s.ok()) return app.Fail(s);
  }
  SystemClock clock;
  GrpcCatalogClient catalog(*chan, channel, options.catalog_cache_ttl, &clock);
  MonitoredProfileStore monitored_store(store->get(), &app.metrics(), "assessment");
  auto cache = app.MakeSharedCache();
  ProfileManager manager(&monitored_store, &catalog, &clock, std::move(*messages), cache.get());
  BackgroundSeeder seeder(&manager, options.seed_dir, app.service_credentials(),
                          options.seed_timeout);  // serves meanwhile
  mgi::Executor executor(static_cast<size_t>(app.server().worker_threads));
  FindingSearch search(&monitored_store, &manager, &catalog);
  AssessmentGrpcService service(&manager, &executor, &search);
  return seeder.ExitCode(app.Run({&service}));
}
