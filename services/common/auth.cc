#include "services/common/auth.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "services/common/status.h"

namespace mgi {

const std::vector<PermissionRule> kPermissionPolicy = {
    {Permission::kReadPublished, "read-published", std::nullopt},
    {Permission::kReadDrafts, "read-drafts", Role::kViewer},
    {Permission::kWriteDrafts, "write-drafts", Role::kEditor},
    {Permission::kPublish, "publish", Role::kPublisher},
};

namespace {

constexpr size_t kMaxTokenBytes = 4096;

const PermissionRule& Rule(Permission permission) {
  for (const auto& rule : kPermissionPolicy) {
    if (rule.permission == permission) return rule;
  }
  return kPermissionPolicy.front();  // unreachable: every permission has a rule
}

bool ValidPrincipal(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

std::optional<Sha256Digest> ParseHex(const std::string& hex) {
  if (hex.size() != 64) return std::nullopt;
  Sha256Digest out{};
  for (size_t i = 0; i < 32; ++i) {
    int value = 0;
    for (size_t j = 0; j < 2; ++j) {
      char c = absl::ascii_tolower(static_cast<unsigned char>(hex[2 * i + j]));
      int nibble;
      if (c >= '0' && c <= '9')
        nibble = c - '0';
      else if (c >= 'a' && c <= 'f')
        nibble = c - 'a' + 10;
      else
        return std::nullopt;
      value = value * 16 + nibble;
    }
    out[i] = static_cast<uint8_t>(value);
  }
  return out;
}

absl::Status Unauthenticated(const std::string& message, const std::string& reason) {
  return WithReason(absl::UnauthenticatedError(message), reason);
}

}  // namespace

std::string RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kEditor:
      return "editor";
    case Role::kPublisher:
      return "publisher";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> ParseRole(const std::string& name) {
  for (Role r : {Role::kViewer, Role::kEditor, Role::kPublisher, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::string PermissionName(Permission permission) { return Rule(permission).name; }

Role MinimumRole(Permission permission) {
  return Rule(permission).minimum_role.value_or(Role::kViewer);
}

Sha256Digest Sha256(const std::string& data) {
  Sha256Digest out{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

std::string HexDigest(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

TokenTable TokenTable::ParseLines(const std::string& text, std::vector<std::string>* problems) {
  TokenTable table;
  std::vector<Sha256Digest> ambiguous;  // hashes on several lines: none of their lines is kept
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    std::string where = absl::StrCat("line ", line_number, ": ");
    if (fields.size() != 3) {
      problems->push_back(absl::StrCat(
          where, "expected 3 fields (sha256-hex role principal), found ", fields.size()));
      continue;
    }
    auto hash = ParseHex(fields[0]);
    if (!hash) {
      // The field is not quoted: it may be a raw token pasted by mistake.
      problems->push_back(
          absl::StrCat(where, "the first field must be the SHA-256 of the token (64 hex digits)"));
      continue;
    }
    auto role = ParseRole(fields[1]);
    if (!role) {
      problems->push_back(absl::StrCat(where, "unknown role \"", fields[1],
                                       "\" (viewer, editor, publisher or admin)"));
      continue;
    }
    if (!ValidPrincipal(fields[2])) {
      problems->push_back(
          absl::StrCat(where, "the principal must be 1 to 128 of [A-Za-z0-9._@-]"));
      continue;
    }
    if (table.Find(*hash) != nullptr) {
      problems->push_back(absl::StrCat(where, "this hash appears on an earlier line"));
      ambiguous.push_back(*hash);
      continue;
    }
    table.entries_.push_back({*hash, *role, fields[2]});
  }
  // Which of two lines of one hash was meant is unknown: neither grants anything.
  std::erase_if(table.entries_, [&](const Entry& e) {
    return std::find(ambiguous.begin(), ambiguous.end(), e.hash) != ambiguous.end();
  });
  return table;
}

absl::StatusOr<TokenTable> TokenTable::Parse(const std::string& text) {
  std::vector<std::string> problems;
  TokenTable table = ParseLines(text, &problems);
  if (!problems.empty()) return absl::InvalidArgumentError(problems.front());
  return table;
}

const TokenTable::Entry* TokenTable::Find(const Sha256Digest& hash) const {
  const Entry* found = nullptr;
  // Every entry is compared, in constant time, whatever matches.
  for (const Entry& e : entries_) {
    bool equal = CRYPTO_memcmp(e.hash.data(), hash.data(), hash.size()) == 0;
    if (equal) found = &e;
  }
  return found;
}

TokenStore::TokenStore(std::string path) : path_(std::move(path)) {}

TokenStore::~TokenStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

absl::Status TokenStore::Reload() {
  // std::ifstream follows symlinks: a Secret's ..data swap is read like any rewrite.
  std::ifstream in(path_, std::ios::binary);
  std::string text;
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  bool readable = in.is_open() && !in.bad();
  // An unreadable file is a content of its own, so that its errors are logged once.
  Sha256Digest content_hash =
      readable ? Sha256(text) : Sha256(absl::StrCat("unreadable:", path_));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (table_ && content_hash == content_hash_) return status_;
  }
  // Fail closed: the new table has exactly the lines that parse (none when the file cannot be
  // read), never a line of an older file. A removed token stops working even when the rest of
  // the edit is broken; a broken line grants nothing.
  std::vector<std::string> problems;
  TokenTable table;
  if (readable) {
    table = TokenTable::ParseLines(text, &problems);
  } else {
    problems.push_back("cannot read the file (deleted or unreadable): no token is accepted");
  }
  absl::Status status;
  if (!problems.empty()) {
    status = absl::InvalidArgumentError(absl::StrCat(
        "auth-tokens-file ", path_, ": ", absl::StrJoin(problems, "; "),
        problems.size() > 1 || readable ? " (the lines above are skipped)" : ""));
  }
  auto shared = std::make_shared<const TokenTable>(std::move(table));
  size_t count = shared->size();
  Listener listener;
  {
    std::lock_guard<std::mutex> lock(mu_);
    table_ = std::move(shared);
    content_hash_ = content_hash;
    status_ = status;
    listener = listener_;
  }
  ++generation_;
  if (!status.ok()) ++failures_;
  if (status.ok()) {
    spdlog::info("auth: loaded {} tokens from {} (generation {})", count, path_,
                 generation_.load());
  } else {
    spdlog::error("auth: {}; {} tokens accepted (generation {})", std::string(status.message()),
                  count, generation_.load());
  }
  if (listener) listener(status);
  return status;
}

void TokenStore::SetListener(Listener listener) {
  absl::Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listener_ = listener;
    if (!table_) return;
    status = status_;
  }
  if (listener) listener(status);
}

absl::Status TokenStore::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void TokenStore::Start(std::chrono::milliseconds interval) {
  if (poller_.joinable()) return;
  poller_ = std::thread([this, interval] { Poll(interval); });
}

void TokenStore::Poll(std::chrono::milliseconds interval) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    (void)Reload();  // errors are logged by Reload
    lock.lock();
  }
}

std::shared_ptr<const TokenTable> TokenStore::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_;
}

void RegisterAuthFlags(Config& config, AuthConfig* out) {
  config.String("auth-tokens-file", &out->tokens_file,
                "Token file: one 'sha256hex role principal' a line (see docs/security.md); "
                "reloaded when it changes");
  config.Bool("public-read", &out->public_read, "Let callers without a token read published data");
  config.Duration("auth-reload-interval", &out->reload_interval,
                  "How often the token file is checked for changes");
  config.Bool("auth-disabled", &out->disabled,
              "DEVELOPMENT ONLY: no authentication, every caller is an admin");
  config.SuiteWide({"auth-tokens-file", "public-read", "auth-reload-interval", "auth-disabled"});
}

Authorizer::Authorizer(const TokenStore* store, bool public_read, bool disabled)
    : store_(store), public_read_(public_read), disabled_(disabled) {}

absl::StatusOr<Principal> Authorizer::Authenticate(const std::vector<std::string>& authorization,
                                                   const std::string& declared_actor) const {
  if (disabled_) {
    return Principal{ValidPrincipal(declared_actor) ? declared_actor : "anonymous", Role::kAdmin};
  }
  if (authorization.empty()) return Principal{};
  if (authorization.size() > 1) {
    return Unauthenticated("send one authorization header, not several", "AUTHORIZATION_MALFORMED");
  }
  absl::string_view header = authorization.front();
  if (header.size() > kMaxTokenBytes + 16) {
    return Unauthenticated("the authorization header is too long", "AUTHORIZATION_MALFORMED");
  }
  // The message never quotes the header: it is a secret.
  constexpr absl::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme)) {
    return Unauthenticated("the authorization header must be 'Bearer <token>'",
                           "AUTHORIZATION_MALFORMED");
  }
  absl::string_view token = absl::StripAsciiWhitespace(header.substr(kScheme.size()));
  if (token.empty() || std::any_of(token.begin(), token.end(), [](char c) {
        return absl::ascii_isspace(static_cast<unsigned char>(c)) ||
               !absl::ascii_isprint(static_cast<unsigned char>(c));
      })) {
    return Unauthenticated("the authorization header must be 'Bearer <token>'",
                           "AUTHORIZATION_MALFORMED");
  }
  std::shared_ptr<const TokenTable> table = store_ ? store_->Current() : nullptr;
  const TokenTable::Entry* entry = table ? table->Find(Sha256(std::string(token))) : nullptr;
  if (entry == nullptr) {
    spdlog::warn("auth: rejected a bearer token that is not configured");
    return Unauthenticated("the bearer token is not valid", "TOKEN_INVALID");
  }
  return Principal{entry->principal, entry->role};
}

absl::StatusOr<Principal> Authorizer::Authenticate(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
  std::vector<std::string> values;
  auto range = metadata.equal_range("authorization");
  for (auto it = range.first; it != range.second; ++it) {
    values.emplace_back(it->second.data(), it->second.size());
  }
  std::string declared;
  if (disabled_) {
    auto actor = metadata.find("x-mgi-actor");
    if (actor != metadata.end()) declared.assign(actor->second.data(), actor->second.size());
  }
  return Authenticate(values, declared);
}

absl::StatusOr<Principal> Authorizer::Authenticate(const grpc::ServerContextBase& context) const {
  return Authenticate(context.client_metadata());
}

absl::Status Authorizer::Require(const Principal& principal, Permission permission) const {
  const PermissionRule& rule = Rule(permission);
  if (!principal.authenticated()) {
    if (!rule.minimum_role && public_read_) return absl::OkStatus();
    return Unauthenticated(
        absl::StrCat("this operation (", rule.name,
                     ") needs a bearer token: send 'authorization: Bearer <token>'"),
        "TOKEN_MISSING");
  }
  Role needed = MinimumRole(permission);
  if (*principal.role >= needed) return absl::OkStatus();
  spdlog::warn("auth: permission denied principal={} role={} permission={}", principal.name,
               RoleName(*principal.role), rule.name);
  return WithReason(
      absl::PermissionDeniedError(absl::StrCat(
          "this operation (", rule.name, ") needs the role ", RoleName(needed),
          " or higher; principal ", principal.name, " has the role ", RoleName(*principal.role))),
      "ROLE_REQUIRED");
}

bool Authorizer::Allows(const Principal& principal, Permission permission) const {
  const PermissionRule& rule = Rule(permission);
  if (!principal.authenticated()) return !rule.minimum_role && public_read_;
  return *principal.role >= MinimumRole(permission);
}

absl::StatusOr<Principal> Authorizer::Authorize(const grpc::ServerContextBase& context,
                                                Permission permission) const {
  auto principal = Authenticate(context);
  if (!principal.ok()) return principal.status();
  if (auto st = Require(*principal, permission); !st.ok()) return st;
  return principal;
}

absl::StatusOr<Auth> MakeAuth(const AuthConfig& config, MetricsRegistry* metrics,
                              Readiness* readiness) {
  Auth auth;
  if (config.disabled) {
    spdlog::warn(
        "auth: DISABLED (auth-disabled): every caller is an admin; never do this in a "
        "deployment");
  } else if (!config.tokens_file.empty()) {
    auth.store = std::make_unique<TokenStore>(config.tokens_file);
    if (auto st = auth.store->Reload(); !st.ok()) return st;
    Counter* failures = nullptr;
    Gauge* file_ok = nullptr;
    if (metrics != nullptr) {
      failures = metrics->GetCounter("mgi_auth_token_reload_failures_total",
                                     "Loads of the token file that found it unreadable or with bad "
                                     "lines (the bad lines are refused)");
      file_ok = metrics->GetGauge("mgi_auth_token_file_ok",
                                  "1 when the whole token file was loaded, 0 when it is "
                                  "unreadable or has bad lines");
    }
    auth.store->SetListener([failures, file_ok, readiness](const absl::Status& status) {
      if (failures != nullptr && !status.ok()) failures->Inc();
      if (file_ok != nullptr) file_ok->Set(status.ok() ? 1 : 0);
      if (readiness != nullptr) readiness->Set("auth-tokens-file", status);
    });
    auth.store->Start(config.reload_interval);
  } else {
    spdlog::warn("auth: no auth-tokens-file: only public reads are possible");
  }
  auth.authorizer =
      std::make_unique<Authorizer>(auth.store.get(), config.public_read, config.disabled);
  return auth;
}

absl::Status CheckPemCertificates(const std::string& pem, const std::string& option) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++count;
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the data reads as an error
  if (count == 0) {
    return absl::InvalidArgumentError(absl::StrCat(option, ": no PEM certificate in the file"));
  }
  return absl::OkStatus();
}

absl::Status CheckPemKeyPair(const std::string& cert_pem, const std::string& key_pem,
                             const std::string& cert_option, const std::string& key_option) {
  if (auto st = CheckPemCertificates(cert_pem, cert_option); !st.ok()) return st;
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  // No passphrase callback: an encrypted key is refused rather than prompted for.
  EVP_PKEY* key = PEM_read_bio_PrivateKey(
      key_bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  BIO_free(key_bio);
  absl::Status status;
  if (key == nullptr) {
    status = absl::InvalidArgumentError(
        absl::StrCat(key_option, ": no unencrypted PEM private key in the file"));
  } else if (X509_check_private_key(cert, key) != 1) {
    status = absl::InvalidArgumentError(
        absl::StrCat(key_option, " does not match the certificate in ", cert_option));
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  ERR_clear_error();
  return status;
}

}  // namespace mgi
