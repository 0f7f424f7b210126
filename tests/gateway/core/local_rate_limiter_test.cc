// The in-process rate limit of the public pages: the same budget as the shared one (a burst,
// then the sustained rate), one budget per key, and memory bounded however many keys come.

#include "gateway/core/local_rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace ogw {
namespace {

TEST(LocalRateLimiterTest, ABurstThenTheSustainedRateForEachKeyAlone) {
  LocalRateLimiter limiter;
  const RateLimit limit{10, 5};  // One every 100 ms, five at once.
  int64_t now = 1'000'000;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Acquire("a", limit, now).allowed) << i;
  const RateDecision refused = limiter.Acquire("a", limit, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_millis, 100);
  EXPECT_TRUE(limiter.Acquire("b", limit, now).allowed) << "another client has its own budget";
  now += 100;
  EXPECT_TRUE(limiter.Acquire("a", limit, now).allowed);
  EXPECT_FALSE(limiter.Acquire("a", limit, now).allowed);
  now += 10'000;  // Idle: the whole burst again.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Acquire("a", limit, now).allowed) << i;
  EXPECT_FALSE(limiter.Acquire("a", limit, now).allowed);
}

TEST(LocalRateLimiterTest, KeysWhoseBudgetIsWholeAgainAreForgottenWhenAShardIsFull) {
  LocalRateLimiter limiter(/*max_keys_per_shard=*/4);
  const RateLimit limit{1, 1};
  int64_t now = 1'000'000;
  // Far more clients than the shards hold: each still gets its first request.
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(limiter.Acquire("client-" + std::to_string(i), limit, now).allowed) << i;
  }
  // Later, a client seen before is remembered again once idle keys made room.
  now += 5'000;
  EXPECT_TRUE(limiter.Acquire("late", limit, now).allowed);
  EXPECT_FALSE(limiter.Acquire("late", limit, now).allowed);
}

}  // namespace
}  // namespace ogw
