#include "pg_server.h"

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace mgi::testing {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;  // Debian's nobody:nogroup

std::string FindBindir() {
  if (const char* env = std::getenv("MGI_PG_BINDIR"); env && *env) return env;
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    std::string bin = e.path().string() + "/bin";
    if (fs::exists(bin + "/postgres") && fs::exists(bin + "/initdb") && bin > best) best = bin;
  }
  return best;
}

bool RunToEnd(const std::string& binary, const std::vector<std::string>& args,
              std::chrono::milliseconds timeout) {
  auto p = Process::Start(binary, args);
  if (!p) return false;
  auto code = p->Wait(timeout);
  if (!code || *code != 0) {
    std::fprintf(stderr, "%s failed (%s):\n%s\n", binary.c_str(),
                 code ? std::to_string(*code).c_str() : "timeout", p->Log().c_str());
    return false;
  }
  return true;
}

void GiveToServerUser(const std::string& path) {
  if (::geteuid() == 0 && ::chown(path.c_str(), kNobody, kNobody) != 0) {
    std::perror(("chown " + path).c_str());
  }
}

}  // namespace

bool PostgresServer::Available() { return !FindBindir().empty(); }

std::vector<std::string> PostgresServer::AsServerUser(const std::string& binary,
                                                      std::vector<std::string> args) const {
  // PostgreSQL refuses to run as root: as root, run it as nobody (setpriv execs, so the pid is
  // the server's own); otherwise as ourselves.
  if (::geteuid() != 0) {
    args.insert(args.begin(), binary);
    return args;
  }
  std::vector<std::string> out = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                  "--clear-groups", binary};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

std::unique_ptr<PostgresServer> PostgresServer::Start(const Options& options) {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->bindir_ = FindBindir();
  if (s->bindir_.empty()) {
    std::fprintf(stderr, "PostgreSQL is not installed (Debian package postgresql)\n");
    return nullptr;
  }
  s->dir_ = TempDir("mgi-pg");
  s->password_ = options.password;
  GiveToServerUser(s->dir_);
  std::string data = s->dir_ + "/data";
  std::vector<std::string> initdb = {
      "-D", data, "-U", "mgi", "-E", "UTF8", "--locale=C", "--no-sync", "--auth-local=trust"};
  if (options.password.empty()) {
    initdb.push_back("--auth-host=trust");
  } else {
    std::string pwfile = s->dir_ + "/pw";
    std::ofstream(pwfile) << options.password << "\n";
    GiveToServerUser(pwfile);
    initdb.push_back("--auth-host=scram-sha-256");
    initdb.push_back("--pwfile=" + pwfile);
  }
  auto argv = s->AsServerUser(s->bindir_ + "/initdb", initdb);
  if (!RunToEnd(argv[0], {argv.begin() + 1, argv.end()}, std::chrono::seconds(120))) {
    return nullptr;
  }
  s->port_ = FreePort();
  s->server_args_ = {"-D", data,
                     "-p", std::to_string(s->port_),
                     "-k", s->dir_,
                     "-c", "listen_addresses=127.0.0.1",
                     "-c", "max_connections=200",
                     "-c", "shared_buffers=16MB",
                     "-c", "log_min_messages=warning"};
  if (!options.ssl_cert_file.empty()) {
    for (const auto& [from, to] : {std::pair{options.ssl_cert_file, std::string("server.crt")},
                                   std::pair{options.ssl_key_file, std::string("server.key")}}) {
      std::string target = s->dir_ + "/" + to;
      fs::copy_file(from, target, fs::copy_options::overwrite_existing);
      fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
      GiveToServerUser(target);
    }
    s->server_args_.insert(s->server_args_.end(),
                           {"-c", "ssl=on", "-c", "ssl_cert_file=" + s->dir_ + "/server.crt", "-c",
                            "ssl_key_file=" + s->dir_ + "/server.key"});
  }
  if (!s->StartProcess(std::chrono::seconds(60))) return nullptr;
  return s;
}

bool PostgresServer::StartProcess(std::chrono::milliseconds timeout) {
  auto argv = AsServerUser(bindir_ + "/postgres", server_args_);
  process_ = Process::Start(argv[0], {argv.begin() + 1, argv.end()});
  if (!process_) return false;
  if (!WaitReady(timeout)) {
    std::fprintf(stderr, "postgres did not accept connections:\n%s\n", Log().c_str());
    return false;
  }
  return true;
}

bool PostgresServer::WaitReady(std::chrono::milliseconds timeout) {
  std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                         " dbname=postgres user=mgi connect_timeout=2 sslmode=disable";
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return true;
    if (!process_->Running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval
  }
  return false;
}

PostgresServer::~PostgresServer() {
  if (Running()) Stop();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string PostgresServer::Url(const std::string& db, const std::string& query) const {
  return "postgresql://mgi@127.0.0.1:" + std::to_string(port_) + "/" + db +
         (query.empty() ? "" : "?" + query);
}

std::optional<std::string> PostgresServer::Query(const std::string& db, const std::string& sql) {
  std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + db +
                         " user=mgi connect_timeout=5 sslmode=disable";
  if (!password_.empty()) conninfo += " password=" + password_;
  PGconn* c = PQconnectdb(conninfo.c_str());
  std::optional<std::string> out;
  if (PQstatus(c) != CONNECTION_OK) {
    std::fprintf(stderr, "connect: %s\n", PQerrorMessage(c));
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    auto st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      out = (st == PGRES_TUPLES_OK && PQntuples(r) > 0) ? PQgetvalue(r, 0, 0) : "";
    } else {
      std::fprintf(stderr, "%s: %s\n", sql.c_str(), PQresultErrorMessage(r));
    }
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

std::string PostgresServer::CreateDatabase(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string db =
      name.empty() ? "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) : name;
  if (!Query("postgres", "CREATE DATABASE " + db)) return "";
  return db;
}

bool PostgresServer::Stop() {
  if (!process_) return true;
  process_->Signal(SIGINT);
  return process_->Wait(std::chrono::seconds(60)).has_value();
}

bool PostgresServer::Restart() {
  if (Running()) Stop();
  return StartProcess(std::chrono::seconds(60));
}

bool PostgresServer::Running() const { return process_ && process_->Running(); }

std::string PostgresServer::Log() const { return process_ ? process_->Log() : ""; }

bool MakeTestCertificates(const std::string& dir, const std::string& prefix) {
  const std::string ssl = "/usr/bin/openssl";
  std::string ca_key = dir + "/" + prefix + "ca.key", ca = dir + "/" + prefix + "ca.crt";
  std::string key = dir + "/" + prefix + "server.key", csr = dir + "/" + prefix + "server.csr";
  std::string crt = dir + "/" + prefix + "server.crt", ext = dir + "/" + prefix + "ext.cnf";
  std::ofstream(ext) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  auto ms = std::chrono::seconds(60);
  return RunToEnd(
             ssl,
             {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=mgi test CA " + prefix},
             ms) &&
         RunToEnd(ssl,
                  {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                   "-keyout", key, "-out", csr, "-subj", "/CN=localhost"},
                  ms) &&
         RunToEnd(ssl,
                  {"x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
                   "-out", crt, "-days", "2", "-extfile", ext},
                  ms);
}

}  // namespace mgi::testing
