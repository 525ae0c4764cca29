// The PostgreSQL server the store tests of one process share: started on first use (so that the
// SQLite half of a parameterised suite starts none), stopped and removed at exit.
#pragma once

#include <memory>

#include "pg_server.h"

namespace mgi::assessment::testing {

inline mgi::testing::PostgresServer* SharedPostgres() {
  static std::unique_ptr<mgi::testing::PostgresServer> server =
      mgi::testing::PostgresServer::Start();
  return server.get();
}

}  // namespace mgi::assessment::testing
