// mgi-catalog: serves mgi.catalog.v1.CatalogService (framework, domains, indicators, countries).
#include <malloc.h>

#include "services/common/executor.h"
#include "services/common/service_main.h"
#include "services/catalog/catalog.h"
#include "services/catalog/catalog_data.h"
#include "services/catalog/catalog_grpc_service.h"

int main(int argc, char** argv) {
  using namespace mgi::catalog;
  mgi::ServiceMain app("catalog", {.port = 50051, .metrics_port = 9101});
  CatalogOptions options{.data_dir = MGI_DATA_DIR "/catalog",
                         .iso_codes_dir = "/usr/share/iso-codes/json",
                         .locale_dir = "/usr/share/locale"};
  std::chrono::milliseconds delay{0};
  RegisterCatalogFlags(app.config(), &options);
#ifdef MGI_TESTING_HOOKS  // mgi-catalog-testing only: hold each response to observe calls in flight
  app.config().Duration("test-response-delay", &delay, "Testing only: hold every response");
#endif
  DataCheckFlag check_data(app.config());  // --check-data DIR: check and exit
  if (int code = app.Parse(argc, argv); code >= 0) return code;
  if (check_data.requested()) return check_data.Run();
  if (int code = app.Start(); code >= 0) return code;
  auto catalog = Catalog::Load(options);
  if (!catalog.ok()) return app.Fail(catalog.status());
  auto data_version = CatalogDataVersion(options);
  if (!data_version.ok()) return app.Fail(data_version.status());
  // Loading parsed every data file and translation: give the heap those buffers back, so the
  // resident set is the catalog itself (docs/performance.md: each service under 40 MB).
  malloc_trim(0);
  // The catalog's data is immutable and in memory: a lookup costs less than a round trip to
  // Redis, so the shared cache stays off its read path (docs/performance.md).
  CachedCatalog cached(catalog->get(), nullptr, *data_version);
  mgi::Executor executor(static_cast<size_t>(app.server().worker_threads));
  CatalogGrpcService service(catalog->get(), &app.metrics(), delay, &executor);
  service.set_cache(&cached);
  return app.Run({&service});
}
