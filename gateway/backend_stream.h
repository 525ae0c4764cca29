// Server-streaming calls over gRPC's generic stub (Backends::Stream): a callback reactor per
// call, with the default Backends::Stream that refuses.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/generic/generic_stub.h>

#include "gateway/backend.h"

namespace mgi::gateway {

// Starts `call` on `stub` (which outlives the call); `label` names the backend in errors.
std::shared_ptr<BackendStream> StartGrpcStream(grpc::GenericStub* stub, const std::string& label,
                                               BackendCall call,
                                               std::shared_ptr<StreamObserver> observer);

}  // namespace mgi::gateway
