#include "gateway/delivery/quiet_hours.h"

#include "gateway/core/time_zones.h"

namespace ogw {

std::optional<int64_t> QuietUntil(const QuietHours& quiet, std::string_view time_zone,
                                  std::string_view fallback_zone, int64_t now_millis) {
  const icu::TimeZone* zone = time_zone.empty() ? nullptr : FindTimeZone(time_zone);
  if (zone == nullptr) zone = FindTimeZone(fallback_zone);
  const int64_t offset = ZoneOffsetMillis(zone, now_millis);
  constexpr int64_t kMinute = 60'000, kDay = 24 * 60 * kMinute;
  const int64_t local = now_millis + offset;
  const int64_t into_day = ((local % kDay) + kDay) % kDay;
  const int minute = static_cast<int>(into_day / kMinute);
  if (!quiet.Contains(minute)) return std::nullopt;
  // The window ends at the start of its end minute, local time; when the clocks change
  // during the night, local time at the end runs on the offset in force then.
  const int64_t end = now_millis - (into_day % kMinute) +
                      static_cast<int64_t>(quiet.MinutesUntilEnd(minute)) * kMinute;
  return end + offset - ZoneOffsetMillis(zone, end + offset - ZoneOffsetMillis(zone, end));
}

}  // namespace ogw
