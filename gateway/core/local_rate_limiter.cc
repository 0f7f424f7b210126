#include "gateway/core/local_rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace ogw {

LocalRateLimiter::LocalRateLimiter(size_t max_keys_per_shard)
    : max_keys_per_shard_(max_keys_per_shard) {}

RateDecision LocalRateLimiter::Acquire(std::string_view key, const RateLimit& limit,
                                       int64_t now_millis) {
  const double interval = 1000.0 / std::max(limit.per_second, 1e-6);
  const double tolerance = interval * std::max(limit.burst, 1.0);
  const auto now = static_cast<double>(now_millis);
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.tat.find(std::string(key));
  const double tat = it == shard.tat.end() ? now : std::max(it->second, now);
  const double next = tat + interval;
  if (next - tolerance > now) {
    return RateDecision{false, static_cast<int64_t>(std::ceil(next - tolerance - now))};
  }
  if (it != shard.tat.end()) {
    it->second = next;
    return RateDecision{true, 0};
  }
  if (shard.tat.size() >= max_keys_per_shard_) {
    std::erase_if(shard.tat, [now](const auto& entry) { return entry.second <= now; });
  }
  // Still full of clients inside their budget: the newcomer is let through unrecorded
  // rather than evicting one of them (memory stays bounded either way).
  if (shard.tat.size() < max_keys_per_shard_) shard.tat.emplace(std::string(key), next);
  return RateDecision{true, 0};
}

}  // namespace ogw
