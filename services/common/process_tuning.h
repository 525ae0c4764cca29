// Process-wide settings every binary of the suite applies first thing in main.
#pragma once

namespace mgi {

// Release builds (NDEBUG): turns off absl::Mutex deadlock detection and invariant debugging.
// Debian's Abseil is built with detection on, which records every lock acquisition in a global
// graph (under a global lock): in a profile of the services under load it showed as one of the
// largest costs (docs/performance.md). Debug builds keep it, so tests still catch lock cycles.
void TuneProcessForRelease();

}  // namespace mgi
