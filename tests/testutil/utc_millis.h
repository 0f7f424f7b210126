#pragma once

#include <chrono>
#include <cstdint>

namespace ogw::testing {

// Milliseconds since the epoch of a UTC civil time.
inline int64_t UtcMillis(int y, unsigned mon, unsigned d, int h = 0, int min = 0, int s = 0) {
  using namespace std::chrono;
  const auto tp = sys_days{year{y} / month{mon} / day{d}} + hours{h} + minutes{min} + seconds{s};
  return duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

}  // namespace ogw::testing
