// The gRPC side of WatchProfiles: one server-streaming reactor per watch, fed by ProfileFeed.
// Reads of the store run on the executor; one batch is read only once the previous one has been
// written out (a slow client holds at most one batch); a watcher that sent nothing for the feed's
// heartbeat interval gets a HEARTBEAT carrying its current resume token.
#pragma once

#include <grpcpp/support/server_callback.h>

#include "services/common/executor.h"
#include "mgi/assessment/v1/assessment_service.pb.h"
#include "services/assessment/caller.h"
#include "services/assessment/profile_feed.h"

namespace mgi::assessment {

// Starts a watch: the request is checked (filter, token, the caller's rights) before anything is
// sent, so a refusal is the call's status; then initial metadata goes out at once and events
// follow. Ends with UNAVAILABLE when the feed stops (shutdown: reconnect with the last token), or
// the store's error.
grpc::ServerWriteReactor<av1::ProfileEvent>* StartWatch(grpc::CallbackServerContext* context,
                                                        const av1::WatchProfilesRequest* request,
                                                        ProfileFeed* feed, Executor* executor);

}  // namespace mgi::assessment
