// Process-wide settings every binary of the suite applies first thing in main.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace mgi {

// The heap's settings (glibc malloc), applied by TuneProcessForRelease in every build:
// - at most `arenas` malloc arenas: glibc makes up to 8 per core as threads contend, each keeping
//   its own free memory, so a process whose gRPC, io and worker threads all allocate ends up with
//   a dozen arenas and tens of MB resident that it no longer uses;
// - free memory at the top of a heap is given back to the system only beyond `trim_bytes`, and
//   blocks from `mmap_bytes` up get their own mapping. glibc's defaults (128 KB, adjusted as it
//   goes) gave memory back and faulted it in again on every few requests under load: madvise,
//   TLB shootdowns and page faults were a tenth of the gateway's profile (docs/performance.md).
struct HeapSettings {
  int arenas = 2;
  size_t trim_bytes = 1 << 20;
  size_t mmap_bytes = 1 << 20;
};
// Applies `settings` (mallopt); false when glibc refused one of them.
bool ApplyHeapSettings(const HeapSettings& settings);

// Applies the default HeapSettings. Release builds (NDEBUG) also turn off absl::Mutex deadlock
// detection and invariant debugging: Debian's Abseil is built with detection on, which records
// every lock acquisition in a global graph (under a global lock): in a profile of the services
// under load it showed as one of the largest costs (docs/performance.md). Debug builds keep it,
// so tests still catch lock cycles.
void TuneProcessForRelease();

// Gives the heap's free memory back to the system every `interval` (glibc's malloc_trim), so
// that the resident set falls back after a burst of load instead of staying at its peak: freed
// blocks inside the arenas are otherwise kept for reuse (docs/performance.md). A trim holds each
// arena's lock while it walks it (well under a millisecond for the services' heaps). Stops, at
// once, when destroyed.
class HeapTrimmer {
 public:
  explicit HeapTrimmer(std::chrono::milliseconds interval);  // 0 or less: never trims
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;
  // Trims done so far.
  uint64_t trims() const { return trims_.load(); }

 private:
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<uint64_t> trims_{0};
  std::thread thread_;
};

}  // namespace mgi
