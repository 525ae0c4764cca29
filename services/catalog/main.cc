// mgi-catalog: serves mgi.catalog.v1.CatalogService (framework, domains, indicators, countries).
#include <spdlog/spdlog.h>

#include "catalog/catalog.h"
#include "catalog/catalog_grpc_service.h"
#include "common/auth.h"
#include "common/cache_config.h"
#include "common/config.h"
#include "common/executor.h"
#include "common/logging.h"
#include "common/server.h"

int main(int argc, char** argv) {
  mgi::BlockShutdownSignals();
  mgi::Config config("catalog");
  mgi::ServerConfig server{.port = 50051, .metrics_port = 9101};
  mgi::RegisterServerFlags(config, &server);
  mgi::catalog::CatalogOptions options{.data_dir = MGI_DATA_DIR "/catalog",
                                       .iso_codes_dir = "/usr/share/iso-codes/json",
                                       .locale_dir = "/usr/share/locale"};
  std::chrono::milliseconds delay{0};
  mgi::CacheConfig cache_config;
  mgi::RegisterCacheFlags(config, &cache_config);
  mgi::AuthConfig auth_config;
  mgi::RegisterAuthFlags(config, &auth_config);
  config.String("data-dir", &options.data_dir,
                "Catalog data: framework.json and indicators/*.json");
  config.String("iso-codes-dir", &options.iso_codes_dir, "Directory of iso-codes' iso_3166-1.json");
  config.String("locale-dir", &options.locale_dir, "Directory of <lang>/LC_MESSAGES/iso_3166-1.mo");
  config.List("country-languages", &options.country_languages,
              "Country-name translations to load, e.g. fr,es (empty: all found)");
  config.Duration("test-response-delay", &delay,
                  "Testing only: hold every response this long (never set in production)");
  mgi::catalog::DataCheckFlag check_data(config);  // --check-data DIR: check and exit
  if (int code = mgi::ParseOrExit(config, argc, argv); code >= 0) return code;
  if (check_data.requested()) return check_data.Run();
  if (auto s = mgi::InitLogging("catalog", server.log_format, server.log_level); !s.ok()) return 2;

  mgi::MetricsRegistry metrics;
  mgi::Readiness readiness;
  auto auth = mgi::MakeAuth(auth_config, &metrics, &readiness);
  if (!auth.ok()) {
    spdlog::critical("cannot start: {}", auth.status().ToString());
    return 1;
  }
  auto catalog = mgi::catalog::Catalog::Load(options);
  if (!catalog.ok()) {
    spdlog::critical("cannot load the catalog: {}", catalog.status().ToString());
    return 1;
  }
  spdlog::info("catalog loaded: {} domains, {} indicators, {} countries, {} country languages",
               (*catalog)->data().framework.domains.size(), (*catalog)->data().indicators.size(),
               (*catalog)->countries().records().size(),
               (*catalog)->countries().languages().size());
  auto data_version = mgi::catalog::CatalogDataVersion(options);
  if (!data_version.ok()) {
    spdlog::critical("cannot digest the catalog data: {}", data_version.status().ToString());
    return 1;
  }
  auto cache = mgi::MakeCache(cache_config, &metrics, "catalog");
  mgi::catalog::CachedCatalog cached(catalog->get(), cache.get(), *data_version);
  mgi::Executor executor(static_cast<size_t>(server.worker_threads));
  mgi::catalog::CatalogGrpcService service(catalog->get(), &metrics, delay, &executor);
  service.set_cache(&cached);
  service.set_authorizer(auth->authorizer.get());
  return mgi::RunServer(server, &metrics, {&service}, &readiness);
}
