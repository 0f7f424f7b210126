#include "queue/backoff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace ogw {
namespace {

TEST(BackoffTest, GrowsExponentiallyWithinJitterAndCap) {
  std::mt19937_64 rng(7);
  BackoffPolicy policy;
  policy.base_millis = 1000;
  policy.cap_millis = 60'000;
  for (int i = 0; i < 200; ++i) {
    const int64_t first = RetryDelayMillis(policy, 1, 0, rng);
    EXPECT_EQ(first, 1000);
    const int64_t third = RetryDelayMillis(policy, 3, 0, rng);
    EXPECT_GE(third, 1000);
    EXPECT_LE(third, 4000);
    const int64_t late = RetryDelayMillis(policy, 30, 0, rng);
    EXPECT_LE(late, 60'000);
  }
  EXPECT_GE(RetryDelayMillis(policy, 1, 7000, rng), 7000);  // Retry-After honoured.
  EXPECT_LE(RetryDelayMillis(policy, 1, 10'000'000, rng), 60'000);
}

}  // namespace
}  // namespace ogw
