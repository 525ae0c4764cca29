#include "services/assessment/pg_pool.h"

#include <endian.h>
#include <libpq-fe.h>

#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mgi::assessment {
namespace {

std::string Trimmed(const char* message) {
  return std::string(absl::StripTrailingAsciiWhitespace(message ? message : ""));
}

// libpq's three parallel arrays for `params` (which must outlive them).
struct PgParamArrays {
  explicit PgParamArrays(const std::vector<PgParam>& params) {
    for (const auto& p : params) {
      values.push_back(p.value ? p.value->data() : nullptr);
      lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
};

}  // namespace

absl::Status CheckPostgresUrl(const std::string& url) {
  if (!absl::StartsWith(url, "postgresql://") && !absl::StartsWith(url, "postgres://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", url, "\" is neither sqlite:PATH nor postgresql://USER@HOST:PORT/DB"));
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string message = error ? Trimmed(error) : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(absl::StrCat("not a PostgreSQL URI: ", message));
  }
  bool has_password = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr && *o->val != '\0') {
      has_password = true;
    }
  }
  PQconninfoFree(options);
  if (has_password) {
    return absl::InvalidArgumentError(
        "must not carry a password (it would show in the process list and logs): use "
        "--database-password-file, PGPASSWORD or a passfile");
  }
  return absl::OkStatus();
}

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}
PgResult::~PgResult() { PQclear(r_); }
int PgResult::rows() const { return PQntuples(r_); }
bool PgResult::IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string PgResult::Text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), PQgetlength(r_, row, col));
}
int64_t PgResult::Int(int row, int col) const {
  const char* v = PQgetvalue(r_, row, col);
  switch (PQgetlength(r_, row, col)) {
    case 8: {
      uint64_t x;
      std::memcpy(&x, v, 8);
      return static_cast<int64_t>(be64toh(x));
    }
    case 4: {
      uint32_t x;
      std::memcpy(&x, v, 4);
      return static_cast<int32_t>(be32toh(x));
    }
    case 2: {
      uint16_t x;
      std::memcpy(&x, v, 2);
      return static_cast<int16_t>(be16toh(x));
    }
    case 1:
      return static_cast<unsigned char>(v[0]);
    default:
      return 0;
  }
}
bool PgResult::Bool(int row, int col) const { return Int(row, col) != 0; }

PgConnection::PgConnection(const PgOptions* options, const std::vector<PgStatement>* statements)
    : options_(options), statements_(statements) {}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool PgConnection::Broken() const { return conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK; }

int PgConnection::Socket() const { return conn_ == nullptr ? -1 : PQsocket(conn_); }

absl::StatusOr<int> PgConnection::TakeNotifications() {
  if (conn_ == nullptr) return absl::UnavailableError("postgresql: not connected");
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("postgresql: connection lost: ", Trimmed(PQerrorMessage(conn_))));
  }
  int n = 0;
  while (PGnotify* notify = PQnotifies(conn_)) {
    PQfreemem(notify);
    ++n;
  }
  return n;
}

bool PgConnection::InTransaction() const {
  return conn_ != nullptr && PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

absl::Status PgConnection::Ensure() {
  if (!Broken()) return absl::OkStatus();
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();
  // Defaults first: the URL (dbname, expanded) overrides them; the password comes last.
  std::vector<const char*> keys = {"connect_timeout",     "application_name", "keepalives_idle",
                                   "keepalives_interval", "keepalives_count", "dbname"};
  std::vector<const char*> values = {"5", "mgi-assessment", "10", "5", "3", options_->url.c_str()};
  if (!options_->password.empty()) {
    keys.push_back("password");
    values.push_back(options_->password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn_ == nullptr) return absl::ResourceExhaustedError("libpq: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = Trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", message));
  }
  // Server notices ("relation already exists, skipping" of an idempotent migration) are not
  // errors: keep them off stderr, where libpq would print them.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return absl::OkStatus();
}

absl::Status PgConnection::ErrorOf(pg_result* r, const std::string& what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  std::string message =
      Trimmed(r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
  std::string text = absl::StrCat("postgresql: ", what, ": ", message);
  if (Broken() || absl::StartsWith(code, "08") || code == "57P01" || code == "57P02" ||
      code == "57P03") {
    return absl::UnavailableError(text);
  }
  if (code == "23505") return absl::AlreadyExistsError(text);
  if (code == "40001" || code == "40P01" || code == "55P03") return absl::AbortedError(text);
  if (code == "57014") return absl::UnavailableError(text);  // statement timeout, cancelled
  return absl::InternalError(text);
}

absl::StatusOr<PgResult> PgConnection::Exec(const std::string& name,
                                            const std::vector<PgParam>& params) {
  if (conn_ == nullptr) return absl::UnavailableError("postgresql: not connected");
  if (!prepared_.count(name)) {
    const PgStatement* st = nullptr;
    for (const auto& s : *statements_) {
      if (name == s.name) st = &s;
    }
    if (st == nullptr) return absl::InternalError("postgresql: unknown statement " + name);
    PgResult r(PQprepare(conn_, st->name, st->sql, 0, nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      return ErrorOf(r.get(), "prepare " + name);
    }
    prepared_.insert(name);
  }
  PgParamArrays a(params);
  PgResult r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()), a.values.data(),
                            a.lengths.data(), a.formats.data(), /*resultFormat=*/1));
  auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorOf(r.get(), name);
  }
  return r;
}

absl::StatusOr<PgResult> PgConnection::Query(const std::string& sql,
                                             const std::vector<PgParam>& params) {
  if (conn_ == nullptr) return absl::UnavailableError("postgresql: not connected");
  PgParamArrays a(params);
  PgResult r(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                          a.values.data(), a.lengths.data(), a.formats.data(), /*resultFormat=*/1));
  auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorOf(r.get(), sql.substr(0, sql.find_first_of(" (")));
  }
  return r;
}

absl::StatusOr<PgResult> PgConnection::Sql(const std::string& sql) {
  if (conn_ == nullptr) return absl::UnavailableError("postgresql: not connected");
  PgResult r(PQexec(conn_, sql.c_str()));  // several commands allowed; text results
  auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorOf(r.get(), sql.substr(0, sql.find_first_of("\n(")));
  }
  return r;
}

PgPool::PgPool(PgOptions options, std::vector<PgStatement> statements)
    : options_(std::move(options)), statements_(std::move(statements)) {}

PgPool::~PgPool() = default;

absl::StatusOr<std::unique_ptr<PgPool>> PgPool::Open(PgOptions options,
                                                     std::vector<PgStatement> statements) {
  if (auto s = CheckPostgresUrl(options.url); !s.ok()) return s;
  if (options.pool_size < 1) return absl::InvalidArgumentError("pool size must be at least 1");
  std::unique_ptr<PgPool> pool(new PgPool(std::move(options), std::move(statements)));
  for (int i = 0; i < pool->options_.pool_size; ++i) {
    pool->all_.push_back(std::make_unique<PgConnection>(&pool->options_, &pool->statements_));
    pool->free_.push_back(pool->all_.back().get());
  }
  if (auto s = pool->all_.front()->Ensure(); !s.ok()) return s;
  return pool;
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire() {
  PgConnection* conn = nullptr;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, options_.acquire_timeout, [this] { return !free_.empty(); })) {
      return absl::UnavailableError(absl::StrCat("postgresql: all ", all_.size(),
                                                 " connections busy (--database-pool-size)"));
    }
    // The most recently used connection first: it is the most likely to be open and warm.
    conn = free_.back();
    free_.pop_back();
  }
  Lease lease(this, conn);
  if (auto s = conn->Ensure(); !s.ok()) return s;
  return lease;
}

void PgPool::Release(PgConnection* conn) {
  // A transaction left open by an error path must not leak into the next call.
  if (conn->InTransaction()) conn->Sql("ROLLBACK").IgnoreError();
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(conn);
  }
  cv_.notify_one();
}

PgPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(conn_);
}

}  // namespace mgi::assessment
