// Conditional revalidation between the gateway and the services (docs/performance.md), knowing
// no service and no RPC. A service that can tell cheaply which version of a representation a
// call would answer sends that version as initial metadata `mgi-version`. A caller that keeps a
// copy of that answer (the gateway keeps the JSON it transcoded) sends the version back as
// `if-none-match`; when it is still current, the service answers OK with an empty message and
// `mgi-not-modified: 1`, without reading or serializing the resource, after the same access
// checks as any call (authorization is checked on every call, so this works for signed-in
// callers too). Only callers that sent `if-none-match` ever get such an answer.
#pragma once

#include <grpcpp/server_context.h>

#include <string>

namespace mgi {

inline constexpr char kIfNoneMatchMetadata[] = "if-none-match";
inline constexpr char kVersionMetadata[] = "mgi-version";
inline constexpr char kNotModifiedMetadata[] = "mgi-not-modified";

// The caller's `if-none-match`, or "".
std::string IfNoneMatch(const grpc::CallbackServerContext& context);
// Announces the version of the answer (before the call finishes).
void SetVersion(grpc::CallbackServerContext* context, const std::string& version);
// Marks the answer "not modified" (its message is empty).
void SetNotModified(grpc::CallbackServerContext* context, const std::string& version);

}  // namespace mgi
