// The heap settings every binary applies at start (common/process_tuning.h).
#include "services/common/process_tuning.h"

#include <malloc.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace mgi {
namespace {

// Under AddressSanitizer or ThreadSanitizer, malloc is the sanitizer's own allocator: glibc's
// mallopt settings do not exist there (mallopt answers 0), so these tests have nothing to check.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerMalloc = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitizerMalloc = true;
#else
constexpr bool kSanitizerMalloc = false;
#endif
#else
constexpr bool kSanitizerMalloc = false;
#endif
#define MGI_SKIP_UNDER_SANITIZER_MALLOC() \
  if (kSanitizerMalloc) GTEST_SKIP() << "the sanitizer's allocator replaces glibc's malloc"

TEST(HeapSettingsTest, DefaultsAreAccepted) {
  MGI_SKIP_UNDER_SANITIZER_MALLOC();
  EXPECT_TRUE(ApplyHeapSettings(HeapSettings{}));
  // Applied again (as TuneProcessForRelease does), nothing changes.
  TuneProcessForRelease();
  EXPECT_TRUE(ApplyHeapSettings(HeapSettings{}));
}

// A 512 KB block comes from the heap, not from a mapping of its own (glibc's default threshold,
// 128 KB, would map it), so freeing it gives nothing back to the system to fault in again.
TEST(HeapSettingsTest, MidSizedBlocksStayInTheHeap) {
  MGI_SKIP_UNDER_SANITIZER_MALLOC();
  ASSERT_TRUE(ApplyHeapSettings(HeapSettings{}));
  size_t mapped_before = mallinfo2().hblks;
  void* block = malloc(512 << 10);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(mallinfo2().hblks, mapped_before);
  free(block);
  // Beyond the threshold, a block is mapped as before.
  void* big = malloc(HeapSettings{}.mmap_bytes + (1 << 20));
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(mallinfo2().hblks, mapped_before + 1);
  free(big);
}

long ResidentKb() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// Memory freed inside the heap (behind blocks still in use, where glibc's own trim at the top
// cannot reach) goes back to the system at the trimmer's next round.
TEST(HeapTrimmerTest, GivesFreedMemoryInsideTheHeapBack) {
  MGI_SKIP_UNDER_SANITIZER_MALLOC();
  ASSERT_TRUE(ApplyHeapSettings(HeapSettings{}));
  std::vector<char*> freed, kept;
  for (int i = 0; i < 400; ++i) {  // 25 MB in 64 KB blocks, each followed by one kept block
    char* block = static_cast<char*>(malloc(64 << 10));
    memset(block, 1, 64 << 10);
    freed.push_back(block);
    kept.push_back(static_cast<char*>(malloc(32)));
  }
  for (char* block : freed) free(block);
  long before = ResidentKb();
  HeapTrimmer trimmer(std::chrono::milliseconds(10));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (trimmer.trims() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_GE(trimmer.trims(), 1u);
  EXPECT_LT(ResidentKb(), before - 16 * 1024) << "at least 16 of the 25 MB freed went back";
  for (char* block : kept) free(block);
}

// Destroying a trimmer ends its thread at once, whatever its interval; 0 never starts one.
TEST(HeapTrimmerTest, StopsAtOnceAndZeroNeverTrims) {
  { HeapTrimmer hourly(std::chrono::hours(1)); }
  HeapTrimmer never(std::chrono::milliseconds(0));
  EXPECT_EQ(never.trims(), 0u);
}

}  // namespace
}  // namespace mgi
