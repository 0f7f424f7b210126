#include "queue/provider_rate_limiter.h"

#include <gtest/gtest.h>

#include "tests/testutil/redis_fixture.h"

namespace ogw {
namespace {

class ProviderRateLimiterTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    FlushAll();
    ReconnectPool();
  }
  FakeClock clock_;
  ProviderRateLimiter limiter_{&pool(), &clock_};
};

TEST_F(ProviderRateLimiterTest, GrantsOneSecondsWorthThenPacesTheRest) {
  const ProviderRate rate{10, 0};
  std::vector<int64_t> costs(25, 1);
  auto grant = limiter_.TakeUpTo("acct", rate, costs);
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->granted, 10u);
  EXPECT_EQ(grant->wait_millis, 100);
  // Nothing more until the next emission interval.
  EXPECT_EQ(limiter_.TakeUpTo("acct", rate, costs)->granted, 0u);
  clock_.Advance(100);
  EXPECT_EQ(limiter_.TakeUpTo("acct", rate, costs)->granted, 1u);
  clock_.Advance(1000);
  EXPECT_EQ(limiter_.TakeUpTo("acct", rate, costs)->granted, 10u);
}

TEST_F(ProviderRateLimiterTest, CostIsCountedInUnits) {
  const ProviderRate rate{10, 0};
  // Three-segment SMS: three of them fit in a burst of 10 units, the fourth does not.
  std::vector<int64_t> costs(5, 3);
  EXPECT_EQ(limiter_.TakeUpTo("acct", rate, costs)->granted, 3u);
}

TEST_F(ProviderRateLimiterTest, AMessageLargerThanTheBurstGoesAloneAndTheNextWaitsItOut) {
  // One unit a second; a three-part SMS still goes, and its debt paces what follows.
  const ProviderRate rate{1, 0};
  std::vector<int64_t> costs(3, 3);
  auto grant = limiter_.TakeUpTo("acct", rate, costs);
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->granted, 1u);
  EXPECT_EQ(grant->wait_millis, 3000);
  clock_.Advance(2999);
  EXPECT_EQ(limiter_.TakeUpTo("acct", rate, costs)->granted, 0u);
  clock_.Advance(1);
  EXPECT_EQ(limiter_.TakeUpTo("acct", rate, costs)->granted, 1u);
}

TEST_F(ProviderRateLimiterTest, PerMinuteLimitHoldsAcrossSeconds) {
  const ProviderRate rate{100, 30};
  std::vector<int64_t> costs(50, 1);
  EXPECT_EQ(limiter_.TakeUpTo("acct", rate, costs)->granted, 30u);
  clock_.Advance(1000);
  auto grant = limiter_.TakeUpTo("acct", rate, costs);
  EXPECT_EQ(grant->granted, 0u);  // Not a fixed window: no fresh 30 at the next second.
  EXPECT_EQ(grant->wait_millis, 1000);
  clock_.Advance(2000);
  EXPECT_EQ(limiter_.TakeUpTo("acct", rate, costs)->granted, 1u);
}

TEST_F(ProviderRateLimiterTest, AccountsAreIndependent) {
  const ProviderRate rate{2, 0};
  std::vector<int64_t> costs(5, 1);
  EXPECT_EQ(limiter_.TakeUpTo("a", rate, costs)->granted, 2u);
  EXPECT_EQ(limiter_.TakeUpTo("b", rate, costs)->granted, 2u);
}

}  // namespace
}  // namespace ogw
