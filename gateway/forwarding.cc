#include "gateway/forwarding.h"

#include <arpa/inet.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace mgi::gateway {
namespace {

// Keys the gateway sets itself: an allow-list entry may not override them.
constexpr const char* kOwnKeys[] = {"authorization", "x-request-id",     "traceparent",
                                    "tracestate",    "baggage",          "x-forwarded-for",
                                    "x-forwarded-proto", "cache-control", "etag"};

bool IpAddress(const std::string& text) {
  unsigned char buf[16];
  std::string host = text;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool HasKey(const std::vector<MetadataEntry>& entries, std::string_view key) {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const MetadataEntry& e) { return e.key.view() == key; });
}

}  // namespace

bool WellFormedForwardedFor(const std::string& value) {
  for (const auto& part : absl::StrSplit(value, ',')) {
    std::string item(absl::StripAsciiWhitespace(part));
    if (item != "unknown" && !IpAddress(item)) return false;
  }
  return true;
}

absl::StatusOr<ForwardingPolicy> ForwardingPolicy::Make(const std::vector<std::string>& allowed) {
  ForwardingPolicy policy;
  for (const std::string& name : allowed) {
    std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
    auto checked = MetadataKey::Runtime(key);
    bool own = std::any_of(std::begin(kOwnKeys), std::end(kOwnKeys),
                           [&](const char* k) { return key == k; });
    if (!checked || own) {
      return absl::InvalidArgumentError(absl::StrCat(
          "forward-metadata: '", name,
          "' is not a metadata key the gateway may forward ([a-z0-9_.-], not grpc-*, not -bin, "
          "not one the gateway sets itself)"));
    }
    policy.allowed_.push_back(*checked);
  }
  return policy;
}

void ForwardingPolicy::AddRequestMetadata(const HttpRequest& request,
                                          std::vector<MetadataEntry>* out) const {
  if (HasKey(*out, "traceparent")) {
    if (auto v = MetadataValue::From(request.Header("tracestate"), 512)) {
      out->push_back({"tracestate", *std::move(v)});
    }
  }
  if (auto v = MetadataValue::From(request.Header("baggage"), 8192)) {
    out->push_back({"baggage", *std::move(v)});
  }
  std::string incoming = request.Header("x-forwarded-for");
  std::vector<std::string> chain;
  if (!incoming.empty() && WellFormedForwardedFor(incoming)) chain.push_back(incoming);
  if (!request.remote_address.empty()) chain.push_back(request.remote_address);
  if (auto v = MetadataValue::From(absl::StrJoin(chain, ", "))) {
    out->push_back({"x-forwarded-for", *std::move(v)});
  }
  std::string proto = absl::AsciiStrToLower(request.Header("x-forwarded-proto"));
  if (proto != "http" && proto != "https") proto = request.secure ? "https" : "http";
  out->push_back({"x-forwarded-proto", *MetadataValue::From(proto)});
  for (const MetadataKey& key : allowed_) {
    auto it = request.headers.find("grpc-metadata-" + std::string(key.view()));
    if (it == request.headers.end()) continue;
    if (auto v = MetadataValue::From(it->second)) out->push_back(MetadataEntry{key, *std::move(v)});
  }
}

void ForwardingPolicy::AddResponseHeaders(
    const std::vector<std::pair<std::string, std::string>>& initial_metadata,
    HttpResponse* response) const {
  for (const auto& entry : initial_metadata) {
    // Not a structured binding: Debian's clang 14 (the asan build) cannot capture one in a lambda.
    const std::string& key = entry.first;
    const std::string& value = entry.second;
    bool allowed = std::any_of(allowed_.begin(), allowed_.end(),
                               [&](const MetadataKey& k) { return k.view() == key; });
    if (!allowed || !MetadataValue::From(value)) continue;
    response->Set("Grpc-Metadata-" + key, value);
  }
}

}  // namespace mgi::gateway
