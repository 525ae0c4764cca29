// A real PostgreSQL server for tests: `initdb` into a fresh temporary directory, `postgres` on a
// free loopback port (as the unprivileged user "nobody" when the tests run as root, since
// PostgreSQL refuses to run as root), waited for with a deadline (never a sleep), stopped and
// removed afterwards. Optionally with TLS (a certificate and key the test made) and a password.
// Debian's `postgresql` package provides the binaries (/usr/lib/postgresql/<version>/bin, or
// $MGI_PG_BINDIR).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"

namespace mgi::testing {

class PostgresServer {
 public:
  struct Options {
    // TLS: the server's certificate and key (PEM files; copied into the server's directory).
    std::string ssl_cert_file;
    std::string ssl_key_file;
    // When set, TCP connections need this password (SCRAM) for the user "mgi".
    std::string password;
  };
  // nullopt-like nullptr (with the reason on stderr) when PostgreSQL is not installed or did not
  // start within the deadline.
  static std::unique_ptr<PostgresServer> Start(const Options& options);
  static std::unique_ptr<PostgresServer> Start() { return Start(Options{}); }
  ~PostgresServer();  // fast shutdown, then the directory is removed
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Whether Debian's PostgreSQL binaries are there (tests GTEST_SKIP otherwise).
  static bool Available();

  int port() const { return port_; }
  // "postgresql://mgi@127.0.0.1:<port>/<db>" plus `query` ("sslmode=disable" by default).
  std::string Url(const std::string& db, const std::string& query = "sslmode=disable") const;
  // Creates a new empty database (a fresh name when `name` is empty) and returns its name.
  std::string CreateDatabase(const std::string& name = "");
  // Runs SQL in `db` as the superuser; the first column of the first row, "" when none, nullopt
  // on error (printed on stderr).
  std::optional<std::string> Query(const std::string& db, const std::string& sql);

  // Fast shutdown (SIGINT: open transactions roll back, committed ones are on disk) and wait.
  bool Stop();
  // Starts again on the same port and data directory, and waits until it accepts connections.
  bool Restart();
  bool Running() const;
  const std::string& dir() const { return dir_; }
  std::string Log() const;

 private:
  PostgresServer() = default;
  bool StartProcess(std::chrono::milliseconds timeout);
  bool WaitReady(std::chrono::milliseconds timeout);
  std::vector<std::string> AsServerUser(const std::string& binary,
                                        std::vector<std::string> args) const;
  std::string bindir_;
  std::string dir_;
  std::string password_;
  std::vector<std::string> server_args_;
  int port_ = 0;
  int counter_ = 0;
  std::unique_ptr<Process> process_;
};

// Makes a test CA and a server certificate signed by it for "localhost" and 127.0.0.1 with
// openssl, in `dir`: ca.crt, ca.key, server.crt, server.key. Returns false on failure.
bool MakeTestCertificates(const std::string& dir, const std::string& prefix = "");

}  // namespace mgi::testing
