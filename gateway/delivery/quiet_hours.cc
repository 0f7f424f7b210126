#include "gateway/delivery/quiet_hours.h"

#include <unicode/timezone.h>

#include <memory>
#include <string>
#include <unordered_map>

namespace ogw {
namespace {

// ICU time zones are costly to create; each thread keeps the ones it has used.
const icu::TimeZone* Zone(std::string_view id) {
  thread_local std::unordered_map<std::string, std::unique_ptr<icu::TimeZone>> zones;
  auto it = zones.find(std::string(id));
  if (it != zones.end()) return it->second.get();
  std::unique_ptr<icu::TimeZone> zone(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(std::string(id))));
  // ICU answers an unknown id with the "Etc/Unknown" zone (offset 0).
  icu::UnicodeString resolved;
  zone->getID(resolved);
  if (resolved == icu::UnicodeString("Etc/Unknown")) zone.reset();
  const icu::TimeZone* raw = zone.get();
  if (zones.size() > 1000) zones.clear();
  zones.emplace(std::string(id), std::move(zone));
  return raw;
}

// Offset from UTC (standard plus daylight saving) of `zone` at `utc_millis`; 0 without a zone.
int64_t OffsetMillis(const icu::TimeZone* zone, int64_t utc_millis) {
  if (zone == nullptr) return 0;
  int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  zone->getOffset(static_cast<UDate>(utc_millis), false, raw, dst, status);
  return U_FAILURE(status) ? 0 : int64_t{raw} + dst;
}

}  // namespace

std::optional<int64_t> QuietUntil(const QuietHours& quiet, std::string_view time_zone,
                                  std::string_view fallback_zone, int64_t now_millis) {
  const icu::TimeZone* zone = time_zone.empty() ? nullptr : Zone(time_zone);
  if (zone == nullptr) zone = Zone(fallback_zone);
  const int64_t offset = OffsetMillis(zone, now_millis);
  constexpr int64_t kMinute = 60'000, kDay = 24 * 60 * kMinute;
  const int64_t local = now_millis + offset;
  const int64_t into_day = ((local % kDay) + kDay) % kDay;
  const int minute = static_cast<int>(into_day / kMinute);
  if (!quiet.Contains(minute)) return std::nullopt;
  // The window ends at the start of its end minute, local time; when the clocks change
  // during the night, local time at the end runs on the offset in force then.
  const int64_t end = now_millis - (into_day % kMinute) +
                      static_cast<int64_t>(quiet.MinutesUntilEnd(minute)) * kMinute;
  return end + offset - OffsetMillis(zone, end + offset - OffsetMillis(zone, end));
}

}  // namespace ogw
