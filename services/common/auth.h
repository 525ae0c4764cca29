// Access control of the suite: bearer tokens configured as SHA-256 hashes with a role and a
// principal name, a hierarchical role policy, and a token file reloaded without a restart.
//
// Token file (--auth-tokens-file, suite-wide MGI_AUTH_TOKENS_FILE), one token a line:
//
//   # sha256-of-the-token-in-hex                                     role       principal
//   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 editor     maria.lopez
//
// Blank lines and lines starting with '#' are ignored. role is viewer, editor, publisher or admin;
// principal is [A-Za-z0-9._@-]+ and is what revisions record as their actor. A hash may appear
// once. The raw token is never stored. See docs/security.md.
//
// Nothing here logs a token or a hash: errors name the line, never its secret field.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/string_ref.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "services/common/config.h"
#include "services/common/metrics.h"
#include "services/common/readiness.h"

namespace mgi {

// Roles, each including every right of the ones before it.
enum class Role { kViewer = 0, kEditor = 1, kPublisher = 2, kAdmin = 3 };

// What an operation needs. Published (and archived) data is readable by anyone when public read is
// on; everything else needs a token whose role is at least the one in kPermissionPolicy. Each RPC
// declares its permission in its contract (mgi.api.v1.access, enforced by common/access.h).
enum class Permission {
  kReadPublished,  // catalog, published and archived profiles, their reports
  kReadDrafts,     // draft profiles, revisions (and anything not yet published)
  kWriteDrafts,    // create, update and delete drafts, import, start a new edition
  kPublish,        // publish and archive
};

// The policy table: the least role each permission needs (nullopt: anyone, if public read is on).
struct PermissionRule {
  Permission permission;
  const char* name;  // for messages and docs, e.g. "write-drafts"
  std::optional<Role> minimum_role;
};
extern const std::vector<PermissionRule> kPermissionPolicy;

std::string RoleName(Role role);
std::optional<Role> ParseRole(const std::string& name);
std::string PermissionName(Permission permission);
// The least role needed for `permission` (kViewer for kReadPublished when public read is off).
Role MinimumRole(Permission permission);

// SHA-256 of `data`.
using Sha256Digest = std::array<uint8_t, 32>;
Sha256Digest Sha256(const std::string& data);
std::string HexDigest(const Sha256Digest& digest);

// Who is calling.
struct Principal {
  std::string name = "anonymous";
  std::optional<Role> role;  // nullopt: no token was presented
  bool authenticated() const { return role.has_value(); }
};

// The parsed token file.
class TokenTable {
 public:
  struct Entry {
    Sha256Digest hash;
    Role role;
    std::string principal;
  };
  // Parses the file format above; any bad line is an error. Errors name the line and never quote
  // the hash field.
  static absl::StatusOr<TokenTable> Parse(const std::string& text);
  // The lines that parse; each bad line is skipped and described in `problems`. A hash on several
  // lines is ambiguous: none of those lines is kept.
  static TokenTable ParseLines(const std::string& text, std::vector<std::string>* problems);
  // The entry whose hash equals `hash`, compared in constant time against every entry.
  const Entry* Find(const Sha256Digest& hash) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

// The current token table from a file, swapped atomically when the file changes. Reload() reads
// the file (following symlinks, so a Kubernetes Secret's ..data swap is seen) and parses it when
// its content changed. It fails closed: the new table holds exactly the lines of the new file
// that parse, so a token removed from the file stops working even if the edit broke another
// line; a deleted or unreadable file leaves no token at all (public reads only). Either error is
// logged once per distinct content, counted (failures()), reported to the listener (readiness
// and metrics, see MakeAuth) and kept in status() until a good file is read. Start() polls in a
// background thread.
class TokenStore {
 public:
  explicit TokenStore(std::string path);
  ~TokenStore();  // stops the polling thread
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  // Loads the file if it changed; returns the state of the current file (OK, or what is wrong
  // with it). At start, a service refuses to run with a broken file.
  absl::Status Reload();
  void Start(std::chrono::milliseconds interval);
  std::shared_ptr<const TokenTable> Current() const;
  // How many tables have been installed (the first load is 1).
  uint64_t generation() const { return generation_.load(); }
  // How many loads found the file unreadable or with bad lines.
  uint64_t failures() const { return failures_.load(); }
  // OK when the current table is the whole file.
  absl::Status status() const;
  // Called after every load with its status (and once now, if a table is loaded).
  using Listener = std::function<void(const absl::Status&)>;
  void SetListener(Listener listener);

 private:
  void Poll(std::chrono::milliseconds interval);
  std::string path_;
  mutable std::mutex mu_;
  std::shared_ptr<const TokenTable> table_ ABSL_GUARDED_BY(mu_);
  Sha256Digest content_hash_ ABSL_GUARDED_BY(mu_){};
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  Listener listener_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> failures_{0};
  std::condition_variable stop_cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread poller_;
};

struct AuthConfig {
  std::string tokens_file;  // empty: no tokens, only public reads succeed
  bool public_read = true;
  std::chrono::milliseconds reload_interval{2000};
  // Development only: every caller is an admin, named by the self-declared `x-mgi-actor`
  // metadata (else "anonymous"). Never set in a deployment.
  bool disabled = false;
};

// Registers auth-tokens-file, public-read, auth-reload-interval and auth-disabled (all
// suite-wide: MGI_AUTH_TOKENS_FILE, MGI_PUBLIC_READ...).
void RegisterAuthFlags(Config& config, AuthConfig* out);

// Authenticates callers and checks the policy. Thread-safe.
class Authorizer {
 public:
  // `store` may be null (no tokens file): every presented token is then rejected.
  Authorizer(const TokenStore* store, bool public_read, bool disabled = false);

  // From the values of the `authorization` header (normally zero or one): no header is the
  // anonymous principal; a malformed header or an unknown token is UNAUTHENTICATED.
  // `declared_actor` (x-mgi-actor) is used only when auth is disabled.
  absl::StatusOr<Principal> Authenticate(const std::vector<std::string>& authorization,
                                         const std::string& declared_actor = "") const;
  absl::StatusOr<Principal> Authenticate(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;

  // OK, UNAUTHENTICATED (anonymous caller, the permission needs a token) or PERMISSION_DENIED
  // (naming the role needed).
  absl::Status Require(const Principal& principal, Permission permission) const;

  // Whether Require would pass, without logging (e.g. to narrow a listing to published data).
  bool Allows(const Principal& principal, Permission permission) const;

  // Authenticate then Require.
  absl::StatusOr<Principal> Authorize(const grpc::ServerContextBase& context,
                                      Permission permission) const;

  bool public_read() const { return public_read_; }

 private:
  const TokenStore* store_;
  bool public_read_;
  bool disabled_;
};

// Builds the token store (loaded and polling) and the authorizer from the config. Fails when the
// tokens file cannot be read or parsed at start. Later failures of the file (see TokenStore) count
// in `metrics` (mgi_auth_token_reload_failures_total, mgi_auth_token_file_ok) and make `readiness`
// NOT_SERVING until a good file is read; both may be null.
struct Auth {
  std::unique_ptr<TokenStore> store;
  std::unique_ptr<Authorizer> authorizer;
};
absl::StatusOr<Auth> MakeAuth(const AuthConfig& config, MetricsRegistry* metrics = nullptr,
                              Readiness* readiness = nullptr);

// TLS material, checked before gRPC sees it (gRPC would otherwise start and fail every handshake).
// OK when `pem` holds at least one certificate and nothing unparsable; the error names `option`.
absl::Status CheckPemCertificates(const std::string& pem, const std::string& option);
// OK when `key_pem` is a private key matching the first certificate of `cert_pem`.
absl::Status CheckPemKeyPair(const std::string& cert_pem, const std::string& key_pem,
                             const std::string& cert_option, const std::string& key_option);

}  // namespace mgi
