// mgi-assessment: country and local MGI profiles (AssessmentService) on SQLite.
#include "common/auth.h"
#include "common/cache_config.h"
#include "common/channel.h"
#include "common/config.h"
#include "common/executor.h"
#include "common/logging.h"
#include "common/peer_auth.h"
#include "common/server.h"
#include "services/assessment/assessment_grpc_service.h"
#include "services/assessment/monitored_store.h"
#include "services/assessment/sqlite_profile_store.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  using namespace mgi::assessment;
  mgi::BlockShutdownSignals();
  mgi::Config config("assessment");
  mgi::ServerConfig server{.port = 50052, .metrics_port = 9102};
  mgi::ChannelConfig channel;
  std::string db = "assessment.db", catalog_addr = "127.0.0.1:50051", seed_dir;
  std::string messages_dir = std::string(MGI_DATA_DIR) + "/profiles/messages";
  std::chrono::milliseconds cache_ttl{60000}, seed_timeout{0};
  mgi::RegisterServerFlags(config, &server);
  mgi::RegisterChannelFlags(config, &channel);
  mgi::AuthConfig auth_config;
  mgi::RegisterAuthFlags(config, &auth_config);
  mgi::CacheConfig cache_config;
  mgi::RegisterCacheFlags(config, &cache_config);
  std::string service_token_file;
  mgi::RegisterServiceTokenFlag(config, &service_token_file);
  config.String("db", &db, "SQLite database file (created and migrated at start)");
  config.String("catalog-addr", &catalog_addr, "Address of the catalog service");
  config.Duration("catalog-cache-ttl", &cache_ttl, "How long catalog answers are kept");
  config.String("seed-dir", &seed_dir, "Import the absent profiles of every *.json here at start");
  config.Duration("seed-timeout", &seed_timeout,
                  "Give up seeding (exit 1) if the catalog stays unavailable this long; 0: never");
  config.String("messages-dir", &messages_dir, "Directory of the title wording per language");
  config.SuiteWide({"catalog-addr"});
  if (int rc = mgi::ParseOrExit(config, argc, argv); rc >= 0) return rc;
  if (auto s = mgi::InitLogging("assessment", server.log_format, server.log_level); !s.ok()) return 2;

  auto fail = [](const absl::Status& s) { spdlog::critical("{}", s.ToString()); return 1; };
  mgi::MetricsRegistry metrics;
  mgi::Readiness readiness;
  auto auth = mgi::MakeAuth(auth_config, &metrics, &readiness);
  if (!auth.ok()) return fail(auth.status());
  if (auto s = mgi::LoadServiceToken(service_token_file); !s.ok()) return fail(s);
  auto store = SqliteProfileStore::Open(db);
  if (!store.ok()) return fail(store.status());
  auto messages = TitleMessages::Load(messages_dir);
  if (!messages.ok()) return fail(messages.status());
  auto chan = mgi::MakeChannel(catalog_addr, channel);
  if (!chan.ok()) return fail(chan.status());
  SystemClock clock;
  GrpcCatalogClient catalog(*chan, channel, cache_ttl, &clock);
  MonitoredProfileStore monitored_store(store->get(), &metrics, "assessment");
  auto cache = mgi::MakeCache(cache_config, &metrics, "assessment");
  ProfileManager manager(&monitored_store, &catalog, &clock, std::move(*messages));
  manager.set_cache(cache.get());
  BackgroundSeeder seeder(&manager, seed_dir, seed_timeout);  // serves meanwhile
  mgi::Executor executor(static_cast<size_t>(server.worker_threads));
  AssessmentGrpcService service(&manager, &executor, auth->authorizer.get());
  return seeder.ExitCode(mgi::RunServer(server, &metrics, {&service}, &readiness));
}
