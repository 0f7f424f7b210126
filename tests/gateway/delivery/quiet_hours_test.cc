// Quiet hours: the window itself (QuietHours::Contains, MinutesUntilEnd) and QuietUntil, which
// evaluates it in a recipient's IANA zone with ICU.

#include "gateway/delivery/quiet_hours.h"

#include <gtest/gtest.h>

#include <optional>

#include "tests/testutil/utc_millis.h"

namespace ogw::testing {
namespace {

constexpr int kMinute = 60'000;
const QuietHours kNight{21 * 60, 8 * 60};   // 21:00-08:00, wraps past midnight.
const QuietHours kLunch{12 * 60, 14 * 60};  // 12:00-14:00.

TEST(QuietHoursTest, StartIsInsideAndEndIsOutside) {
  EXPECT_TRUE(kNight.Contains(21 * 60));
  EXPECT_FALSE(kNight.Contains(21 * 60 - 1));
  EXPECT_TRUE(kNight.Contains(23 * 60 + 59));
  EXPECT_TRUE(kNight.Contains(0));
  EXPECT_TRUE(kNight.Contains(8 * 60 - 1));
  EXPECT_FALSE(kNight.Contains(8 * 60));
  EXPECT_FALSE(kNight.Contains(12 * 60));

  EXPECT_TRUE(kLunch.Contains(12 * 60));
  EXPECT_TRUE(kLunch.Contains(14 * 60 - 1));
  EXPECT_FALSE(kLunch.Contains(14 * 60));
  EXPECT_FALSE(kLunch.Contains(12 * 60 - 1));
  EXPECT_FALSE(kLunch.Contains(0));
}

TEST(QuietHoursTest, EmptyWindowContainsNothing) {
  const QuietHours empty{9 * 60, 9 * 60};
  for (int minute : {0, 9 * 60 - 1, 9 * 60, 9 * 60 + 1, 24 * 60 - 1}) {
    EXPECT_FALSE(empty.Contains(minute)) << minute;
  }
}

TEST(QuietHoursTest, MinutesUntilEndCountsPastMidnight) {
  EXPECT_EQ(kNight.MinutesUntilEnd(21 * 60), 11 * 60);
  EXPECT_EQ(kNight.MinutesUntilEnd(23 * 60 + 30), 8 * 60 + 30);
  EXPECT_EQ(kNight.MinutesUntilEnd(7 * 60 + 59), 1);
  EXPECT_EQ(kLunch.MinutesUntilEnd(12 * 60 + 30), 90);
}

TEST(QuietUntilTest, WindowWrappingMidnightEndsTheNextMorning) {
  // Berlin is UTC+1 in January.
  EXPECT_EQ(QuietUntil(kNight, "Europe/Berlin", "UTC", UtcMillis(2026, 1, 15, 22, 0)),
            UtcMillis(2026, 1, 16, 7, 0));
  // After midnight, the same morning.
  EXPECT_EQ(QuietUntil(kNight, "Europe/Berlin", "UTC", UtcMillis(2026, 1, 16, 5, 30)),
            UtcMillis(2026, 1, 16, 7, 0));
  // 21:00 local: the start is inside.
  EXPECT_EQ(QuietUntil(kNight, "Europe/Berlin", "UTC", UtcMillis(2026, 1, 15, 20, 0)),
            UtcMillis(2026, 1, 16, 7, 0));
  // 20:59 and 08:00 local: allowed.
  EXPECT_EQ(QuietUntil(kNight, "Europe/Berlin", "UTC", UtcMillis(2026, 1, 15, 19, 59)),
            std::nullopt);
  EXPECT_EQ(QuietUntil(kNight, "Europe/Berlin", "UTC", UtcMillis(2026, 1, 16, 7, 0)), std::nullopt);
  EXPECT_EQ(QuietUntil(kNight, "Europe/Berlin", "UTC", UtcMillis(2026, 1, 15, 12, 0)),
            std::nullopt);
}

TEST(QuietUntilTest, EndIsTheStartOfTheEndMinute) {
  // 07:59:45 local: the window ends 15 seconds later, not a minute later.
  EXPECT_EQ(QuietUntil(kNight, "Europe/Berlin", "UTC", UtcMillis(2026, 1, 16, 6, 59, 45)),
            UtcMillis(2026, 1, 16, 7, 0));
  EXPECT_EQ(QuietUntil(kNight, "Europe/Berlin", "UTC", UtcMillis(2026, 1, 16, 6, 59, 45) + 500),
            UtcMillis(2026, 1, 16, 7, 0));
}

TEST(QuietUntilTest, WindowWithinOneDay) {
  // New York is UTC-5 in January: 12:30 local is 17:30Z.
  EXPECT_EQ(QuietUntil(kLunch, "America/New_York", "UTC", UtcMillis(2026, 1, 15, 17, 30)),
            UtcMillis(2026, 1, 15, 19, 0));
  EXPECT_EQ(QuietUntil(kLunch, "America/New_York", "UTC", UtcMillis(2026, 1, 15, 17, 0)),
            UtcMillis(2026, 1, 15, 19, 0));
  EXPECT_EQ(QuietUntil(kLunch, "America/New_York", "UTC", UtcMillis(2026, 1, 15, 16, 59)),
            std::nullopt);
  EXPECT_EQ(QuietUntil(kLunch, "America/New_York", "UTC", UtcMillis(2026, 1, 15, 19, 0)),
            std::nullopt);
  // 12:30Z is 07:30 in New York: outside; it would be inside in UTC.
  EXPECT_EQ(QuietUntil(kLunch, "America/New_York", "UTC", UtcMillis(2026, 1, 15, 12, 30)),
            std::nullopt);
}

TEST(QuietUntilTest, UnknownOrEmptyZoneFallsBackToTheFallbackZone) {
  const int64_t now = UtcMillis(2026, 1, 15, 14, 30);  // 23:30 in Tokyo, 14:30 in UTC.
  EXPECT_EQ(QuietUntil(kNight, "Mars/Olympus_Mons", "Asia/Tokyo", now),
            UtcMillis(2026, 1, 15, 23, 0));
  EXPECT_EQ(QuietUntil(kNight, "", "Asia/Tokyo", now), UtcMillis(2026, 1, 15, 23, 0));
  EXPECT_EQ(QuietUntil(kNight, "Mars/Olympus_Mons", "UTC", now), std::nullopt);
  // A known zone wins over the fallback.
  EXPECT_EQ(QuietUntil(kNight, "Europe/Paris", "Asia/Tokyo", now), std::nullopt);
}

TEST(QuietUntilTest, DaylightSavingTimeMovesTheWindow) {
  // Paris: UTC+1 in January, UTC+2 in July. 19:30Z is 20:30 in January, 21:30 in July.
  EXPECT_EQ(QuietUntil(kNight, "Europe/Paris", "UTC", UtcMillis(2026, 1, 15, 19, 30)),
            std::nullopt);
  EXPECT_EQ(QuietUntil(kNight, "Europe/Paris", "UTC", UtcMillis(2026, 7, 15, 19, 30)),
            UtcMillis(2026, 7, 16, 6, 0));
  // 08:00 local is 07:00Z in January and 06:00Z in July.
  EXPECT_EQ(QuietUntil(kNight, "Europe/Paris", "UTC", UtcMillis(2026, 1, 16, 6, 30)),
            UtcMillis(2026, 1, 16, 7, 0));
  EXPECT_EQ(QuietUntil(kNight, "Europe/Paris", "UTC", UtcMillis(2026, 7, 16, 6, 30)), std::nullopt);
}

// The end of the window uses the UTC offset in force when it ends: on the night the clocks go
// forward (Paris, 2026-03-29, 02:00 CET -> 03:00 CEST) a message held at 23:00 CET goes at
// 08:00 CEST, not an hour later.
TEST(QuietUntilTest, WindowEndingAfterAClockChangeEndsAtLocalEightOClock) {
  // 2026-03-28 23:00 CET (UTC+1); 08:00 on the 29th is CEST (UTC+2), i.e. 06:00Z.
  EXPECT_EQ(QuietUntil(kNight, "Europe/Paris", "UTC", UtcMillis(2026, 3, 28, 22, 0)),
            UtcMillis(2026, 3, 29, 6, 0));
}

}  // namespace
}  // namespace ogw::testing
