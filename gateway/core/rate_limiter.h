#pragma once

#include <cstdint>
#include <string>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// A rate limit shared by every process that uses the same Redis: GCRA (the generic cell rate
// algorithm, a token bucket stored as one timestamp), evaluated atomically in Lua.
// Unlike a fixed window it never lets 2x the rate through around a window boundary.
struct RateLimit {
  double per_second = 10;  // Sustained rate.
  double burst = 20;       // How many units may be spent at once after an idle period.
};

struct RateDecision {
  bool allowed = false;
  int64_t retry_after_millis = 0;  // When denied: how long until `cost` units fit.
};

// Thread-safe.
class GcraRateLimiter {
 public:
  GcraRateLimiter(RedisPool* redis, const Clock* clock);

  // Spends `cost` units of the bucket at `key` if they fit.
  absl::StatusOr<RateDecision> Acquire(const std::string& key, const RateLimit& limit,
                                       int64_t cost = 1);

 private:
  RedisPool* redis_;
  const Clock* clock_;
};

}  // namespace ogw
