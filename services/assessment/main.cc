// mgi-assessment: country and local MGI profiles (AssessmentService) on SQLite or PostgreSQL.
#include <spdlog/spdlog.h>

#include "services/common/channel.h"
#include "services/common/executor.h"
#include "services/common/near_cache.h"
#include "services/common/service_main.h"
#include "services/assessment/assessment_grpc_service.h"
#include "services/assessment/background_seeder.h"
#include "services/assessment/database_probe.h"
#include "services/assessment/monitored_store.h"
#include "services/assessment/store_factory.h"

int main(int argc, char** argv) {
  using namespace mgi::assessment;
  mgi::ServiceMain app("assessment", {.port = 50052, .metrics_port = 9102});
  mgi::ChannelConfig channel;
  AssessmentOptions options;
  RegisterAssessmentFlags(app.config(), &options, &channel);
  if (int code = app.Start(argc, argv); code >= 0) return code;
  std::string url = options.database.url.empty() ? "sqlite:" + options.db : options.database.url;
  auto store = OpenProfileStore(url, options.database);
  if (!store.ok()) return app.Fail(store.status());
  if (!options.database.copy_from.empty()) {  // the one-shot copy, e.g. SQLite -> PostgreSQL
    auto copied = CopyProfiles(options.database.copy_from, **store, options.database);
    if (!copied.ok()) return app.Fail(copied.status());
    spdlog::info("copied from={} to={} profiles={} revisions={} skipped={}",
                 DatabaseKind(options.database.copy_from), DatabaseKind(url), copied->profiles,
                 copied->revisions, copied->skipped);
    return 0;
  }
  auto messages = TitleMessages::Load(options.messages_dir);
  auto chan = mgi::MakeChannel(options.catalog_addr, channel);
  for (const absl::Status& s : {messages.status(), chan.status()}) {
    if (!s.ok()) return app.Fail(s);
  }
  spdlog::info("profile store database={}", DatabaseKind(url));
  SystemClock clock;
  GrpcCatalogClient catalog(*chan, channel, options.catalog_cache_ttl, &clock);
  (*store)->set_change_retention(options.watch_retention);
  MonitoredProfileStore monitored_store(store->get(), &app.metrics(), "assessment",
                                        &app.readiness());
  DatabaseProbe probe(&monitored_store, std::chrono::seconds(1));
  ProfileFeed feed(&monitored_store, {.poll_interval = options.watch_poll_interval,
                                      .heartbeat = options.watch_heartbeat});
  feed.set_watchers_gauge(
      app.metrics().GetGauge("mgi_assessment_watchers", "Open WatchProfiles streams"));
  NotifyingProfileStore notifying_store(&monitored_store, &feed);  // wakes watchers on commit
  auto cache = app.MakeSharedCache();
  ProfileManager manager(&notifying_store, &catalog, &clock, std::move(*messages), cache.get());
  BackgroundSeeder seeder(&manager, options.seed_dir, app.service_credentials(),
                          options.seed_timeout);  // serves meanwhile
  mgi::Executor executor(static_cast<size_t>(app.server().worker_threads));
  // Published profiles, presented and serialized, near the wire (docs/performance.md).
  mgi::NearCache near_cache({.max_entries = static_cast<size_t>(options.near_cache_entries),
                             .max_age = options.catalog_cache_ttl},
                            &app.metrics(), "assessment");
  PublishedProfiles published(&monitored_store, &manager,
                              options.near_cache_entries > 0 ? &near_cache : nullptr,
                              options.catalog_cache_ttl);
  FindingSearch search(&monitored_store, &manager, &catalog);
  AssessmentGrpcService service(&manager, &executor, &published, &feed, &search);
  return seeder.ExitCode(app.Run({&service}, [&feed] { feed.Stop(); }));
}
