#include "queue/backoff.h"

#include <algorithm>

namespace ogw {

int64_t RetryDelayMillis(const BackoffPolicy& policy, int attempt, int64_t retry_after_millis,
                         std::mt19937_64& rng) {
  const int shift = std::clamp(attempt - 1, 0, 40);
  const int64_t base = std::max<int64_t>(policy.base_millis, 1);
  const int64_t ceiling =
      shift >= 40 || base > (policy.cap_millis >> shift) ? policy.cap_millis : base << shift;
  const int64_t low = std::min(base, ceiling);
  std::uniform_int_distribution<int64_t> jitter(low, std::max(low, ceiling));
  return std::max(jitter(rng), std::min(retry_after_millis, policy.cap_millis));
}

}  // namespace ogw
