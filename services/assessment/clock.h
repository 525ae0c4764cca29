// The clock seam: the service's only source of "now", so tests can fix time.
#pragma once

#include <chrono>
#include <cstdint>

namespace mgi::assessment {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch.
  virtual int64_t NowMicros() = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace mgi::assessment
