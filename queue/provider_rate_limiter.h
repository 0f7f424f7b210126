#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// A provider account's limits. 0 disables a window.
struct ProviderRate {
  double per_second = 0;
  double per_minute = 0;
};

struct RateGrant {
  size_t granted = 0;         // The first `granted` messages may be sent now.
  int64_t wait_millis = 0;    // When granted < requested: how long until the next one fits.
};

// Rate limits per provider account shared by every worker process: two GCRA buckets (per
// second, per minute; burst = one window's worth) updated together in one Lua script, so a
// batch takes exactly what fits in both and no fixed window lets a double burst through.
// Thread-safe.
class ProviderRateLimiter {
 public:
  ProviderRateLimiter(RedisPool* redis, const Clock* clock);

  // Grants the longest prefix of `costs` (units per message, e.g. SMS segments) that fits.
  absl::StatusOr<RateGrant> TakeUpTo(const std::string& account, const ProviderRate& rate,
                                     std::span<const int64_t> costs);

 private:
  RedisPool* redis_;
  const Clock* clock_;
};

}  // namespace ogw
