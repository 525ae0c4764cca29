#include "services/common/status.h"

#include <grpcpp/support/error_details.h>

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/code.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/error_info.pb.h"
#include "google/rpc/status.pb.h"

namespace mgi {
namespace {

constexpr std::string_view kTypePrefix = "type.googleapis.com/";

template <typename Proto>
std::string TypeUrl() {
  return std::string(kTypePrefix) + Proto::descriptor()->full_name();
}

template <typename Proto>
void SetPayload(absl::Status& status, const Proto& proto) {
  status.SetPayload(TypeUrl<Proto>(), absl::Cord(proto.SerializeAsString()));
}

template <typename Proto>
bool GetPayload(const absl::Status& status, Proto* proto) {
  auto payload = status.GetPayload(TypeUrl<Proto>());
  return payload.has_value() && proto->ParseFromString(std::string(*payload));
}

// `text` as valid UTF-8, each invalid byte replaced by U+FFFD: detail messages are proto3 strings,
// which do not parse back otherwise, and a field name may echo a client's bytes (the query_request
// fuzz target found a query parameter name whose violation never reached the client).
std::string Utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    bool ok = n >= 0 && i + static_cast<size_t>(n) < text.size();
    uint32_t cp = n > 0 ? c & (0x3F >> n) : c;
    for (int k = 1; ok && k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(text[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[n] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (ok) {
      out.append(text.substr(i, n + 1));
      i += n + 1;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

absl::Status InvalidArgument(std::string_view field, std::string_view description) {
  return InvalidArguments(std::string(field) + ": " + std::string(description),
                          {{std::string(field), std::string(description)}});
}

absl::Status InvalidArguments(std::string_view message, const std::vector<FieldViolation>& fields) {
  absl::Status status = absl::InvalidArgumentError(std::string(message));
  google::rpc::BadRequest bad;
  for (const auto& f : fields) {
    auto* v = bad.add_field_violations();
    v->set_field(Utf8(f.field));
    v->set_description(Utf8(f.description));
  }
  SetPayload(status, bad);
  return status;
}

absl::Status NotFound(std::string_view resource_name) {
  absl::Status status = absl::NotFoundError(std::string(resource_name) + " not found");
  google::rpc::ResourceInfo info;
  info.set_resource_name(Utf8(resource_name));
  if (auto slash = resource_name.find('/'); slash != std::string_view::npos) {
    info.set_resource_type(Utf8(resource_name.substr(0, slash)));
  }
  info.set_description("no such resource");
  SetPayload(status, info);
  return status;
}

absl::Status FailedPrecondition(std::string_view message,
                                const std::vector<FieldViolation>& violations) {
  absl::Status status = absl::FailedPreconditionError(std::string(message));
  if (!violations.empty()) {
    google::rpc::PreconditionFailure failure;
    for (const auto& v : violations) {
      auto* pv = failure.add_violations();
      pv->set_type("INCOMPLETE");
      pv->set_subject(Utf8(v.field));
      pv->set_description(Utf8(v.description));
    }
    SetPayload(status, failure);
  }
  return status;
}

absl::Status WithReason(absl::Status status, std::string_view reason) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  SetPayload(status, info);
  return status;
}

std::vector<FieldViolation> FieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  google::rpc::BadRequest bad;
  if (GetPayload(status, &bad)) {
    for (const auto& v : bad.field_violations()) out.push_back({v.field(), v.description()});
  }
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(Utf8(std::string(status.message())));
  google::rpc::ErrorInfo info;
  if (!GetPayload(status, &info)) {
    info.set_reason(google::rpc::Code_Name(static_cast<google::rpc::Code>(status.code())));
    info.set_domain(std::string(kErrorDomain));
  }
  rpc.add_details()->PackFrom(info);
  // Every other payload is a google.rpc detail stored under its type URL.
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    if (type_url == TypeUrl<google::rpc::ErrorInfo>()) return;
    auto* any = rpc.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  grpc::Status out;
  grpc::SetErrorDetails(rpc, &out);
  return out;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status rpc;
  if (!status.error_details().empty() && rpc.ParseFromString(status.error_details())) {
    for (const auto& any : rpc.details()) out.SetPayload(any.type_url(), absl::Cord(any.value()));
  }
  return out;
}

}  // namespace mgi
