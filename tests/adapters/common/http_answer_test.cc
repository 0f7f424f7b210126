// Reading providers' HTTP answers without a server: Retry-After in both of its forms.

#include "adapters/common/http_answer.h"

#include <gtest/gtest.h>

#include <ctime>

namespace ogw {
namespace {

TEST(WebhookRetryAfterTest, ParsesSecondsAndHttpDates) {
  const std::time_t now = 1767225600;  // 2026-01-01T00:00:00Z
  EXPECT_EQ(RetryAfterMillis("", now), 0);
  EXPECT_EQ(RetryAfterMillis("7", now), 7000);
  EXPECT_EQ(RetryAfterMillis(" 120 ", now), 120000);
  EXPECT_EQ(RetryAfterMillis("99999999999999999999999", now), 3600000);
  EXPECT_EQ(RetryAfterMillis("Thu, 01 Jan 2026 00:00:30 GMT", now), 30000);
  EXPECT_EQ(RetryAfterMillis("Thursday, 01-Jan-26 00:02:00 GMT", now), 120000);
  EXPECT_EQ(RetryAfterMillis("Wed, 31 Dec 2025 23:00:00 GMT", now), 0);
  EXPECT_EQ(RetryAfterMillis("Fri, 02 Jan 2026 00:00:00 GMT", now), 3600000);
  EXPECT_EQ(RetryAfterMillis("soon", now), 0);
}

}  // namespace
}  // namespace ogw
