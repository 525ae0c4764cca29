#include "services/common/revalidation.h"

namespace mgi {

std::string IfNoneMatch(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kIfNoneMatchMetadata);
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

void SetVersion(grpc::CallbackServerContext* context, const std::string& version) {
  if (!version.empty()) context->AddInitialMetadata(kVersionMetadata, version);
}

void SetNotModified(grpc::CallbackServerContext* context, const std::string& version) {
  SetVersion(context, version);
  context->AddInitialMetadata(kNotModifiedMetadata, "1");
}

}  // namespace mgi
