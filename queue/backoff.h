#pragma once

#include <cstdint>
#include <random>

namespace ogw {

struct BackoffPolicy {
  int max_attempts = 5;           // Attempts in all, the first included.
  int64_t base_millis = 2'000;    // Upper bound of the first retry's delay.
  int64_t cap_millis = 3'600'000; // No retry waits longer than this (1 h).
};

// Delay before retry number `attempt` (1 = first retry): exponential backoff with jitter
// (uniform in [base, min(cap, base * 2^(attempt-1))], so never shorter than the base) so
// retries of a failed burst spread out;
// never shorter than the provider's Retry-After.
int64_t RetryDelayMillis(const BackoffPolicy& policy, int attempt, int64_t retry_after_millis,
                         std::mt19937_64& rng);

}  // namespace ogw
