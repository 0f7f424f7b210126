#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/core/rate_limiter.h"

namespace ogw {

// A rate limit kept by this process alone: the same GCRA as GcraRateLimiter, in memory. For
// requests that must stay cheaper than a Redis round trip (the public bulletin pages, served
// from memory): every process grants the budget, so N processes let N times through. The
// keys are spread over shards so that threads seldom wait for one another; a shard past its
// size forgets the keys whose budget is whole again (for GCRA, the same as never seen).
// Thread-safe.
class LocalRateLimiter {
 public:
  explicit LocalRateLimiter(size_t max_keys_per_shard = 8192);

  RateDecision Acquire(std::string_view key, const RateLimit& limit, int64_t now_millis);

 private:
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, double> tat;  // Theoretical arrival time, ms.
  };
  static constexpr size_t kShards = 16;

  const size_t max_keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace ogw
