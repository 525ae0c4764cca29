// The heap settings every binary applies at start (common/process_tuning.h).
#include "services/common/process_tuning.h"

#include <malloc.h>

#include <cstdlib>

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

}  // namespace
}  // namespace mgi
