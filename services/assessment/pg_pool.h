// A small pool of libpq connections to one PostgreSQL server, with the statements of a fixed
// catalogue prepared once per connection (on first use). A worker takes one connection for the
// length of one store call (a read, or one whole transaction) and gives it back; a broken
// connection (server restarted, network cut) is reopened on its next use, so the service
// recovers by itself when the server returns. Server errors map to absl codes:
// unique violation -> ALREADY_EXISTS, serialization failure or deadlock -> ABORTED, a lost or
// refused connection -> UNAVAILABLE, anything else -> INTERNAL.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct pg_conn;
struct pg_result;

namespace mgi::assessment {

// How to reach the server. `url` is a libpq URI ("postgresql://user@host:port/db?sslmode=...")
// without a password; the password, if any, comes from `password` (read from a file by the
// caller), PGPASSWORD or a passfile, never from the command line.
struct PgOptions {
  std::string url;
  std::string password;  // empty: libpq's own sources (PGPASSWORD, passfile)
  int pool_size = 8;
  // How long a call waits for a free connection before it fails with UNAVAILABLE.
  std::chrono::milliseconds acquire_timeout{5000};
};

// Checks a libpq URI as --database-url takes it: parses, is postgresql:// or postgres://, and
// carries no password (INVALID_ARGUMENT saying why).
absl::Status CheckPostgresUrl(const std::string& url);

// One statement of the catalogue: a name and its SQL with $1.. parameters.
struct PgStatement {
  const char* name;
  const char* sql;
};

// A result (owned); rows and columns in binary format, so integers are read as big-endian.
class PgResult {
 public:
  explicit PgResult(pg_result* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  ~PgResult();
  int rows() const;
  bool IsNull(int row, int col) const;
  std::string Text(int row, int col) const;  // text or bytea, raw bytes
  int64_t Int(int row, int col) const;       // int8 (cast in SQL), int4 or int2
  bool Bool(int row, int col) const;
  pg_result* get() const { return r_; }

 private:
  pg_result* r_;
};

// A parameter: NULL, text or bytes (sent in binary), or an integer (sent as text).
struct PgParam {
  std::optional<std::string> value;
  bool binary = false;
  static PgParam Null() { return {}; }
  static PgParam Text(std::string v) { return {std::move(v), false}; }
  static PgParam Bytes(std::string v) { return {std::move(v), true}; }
  static PgParam Int(int64_t v) { return {std::to_string(v), false}; }
};

// One open connection; used by one thread at a time (the pool's lease).
class PgConnection {
 public:
  PgConnection(const PgOptions* options, const std::vector<PgStatement>* statements);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Opens (or reopens) the connection when it is absent or broken.
  absl::Status Ensure();
  // Runs the catalogue statement `name` (prepared on this connection on first use).
  absl::StatusOr<PgResult> Exec(const std::string& name, const std::vector<PgParam>& params = {});
  // Runs SQL made at run time (not in the catalogue) with parameters, unprepared: planned for
  // these values each time (searches whose conditions vary). Results as Exec's.
  absl::StatusOr<PgResult> Query(const std::string& sql, const std::vector<PgParam>& params);
  // Runs plain SQL without parameters, possibly several commands (BEGIN, COMMIT, migrations);
  // its results are in text format (read them with Text()).
  absl::StatusOr<PgResult> Sql(const std::string& sql);
  // Whether the connection is lost (the last call failed because of it).
  bool Broken() const;
  // The connection's socket (to wait on with poll()), -1 when not connected.
  int Socket() const;
  // Reads what the server sent (without blocking) and returns how many notifications (LISTEN)
  // arrived since the last call; UNAVAILABLE when the connection is lost.
  absl::StatusOr<int> TakeNotifications();
  // Whether a transaction is open (or failed and not yet rolled back).
  bool InTransaction() const;

 private:
  absl::Status ErrorOf(pg_result* r, const std::string& what);
  const PgOptions* options_;
  const std::vector<PgStatement>* statements_;
  pg_conn* conn_ = nullptr;
  std::set<std::string> prepared_;
};

class PgPool {
 public:
  // Opens the first connection at once (so a bad URL, a refused password or a server that is
  // not there is reported at start); the others open on first use.
  static absl::StatusOr<std::unique_ptr<PgPool>> Open(PgOptions options,
                                                      std::vector<PgStatement> statements);
  ~PgPool();

  // A connection for one call; returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(PgPool* pool, PgConnection* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(o.conn_) { o.conn_ = nullptr; }
    ~Lease();
    PgConnection* operator->() const { return conn_; }
    PgConnection& operator*() const { return *conn_; }

   private:
    PgPool* pool_;
    PgConnection* conn_;
  };
  // Waits up to options.acquire_timeout for a free connection (UNAVAILABLE after), and opens
  // it if it is absent or broken (UNAVAILABLE when the server cannot be reached).
  absl::StatusOr<Lease> Acquire();
  int size() const { return static_cast<int>(all_.size()); }

 private:
  PgPool(PgOptions options, std::vector<PgStatement> statements);
  void Release(PgConnection* conn);
  PgOptions options_;
  std::vector<PgStatement> statements_;
  std::vector<std::unique_ptr<PgConnection>> all_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PgConnection*> free_;
};

}  // namespace mgi::assessment
