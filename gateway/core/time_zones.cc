#include "gateway/core/time_zones.h"

#include <memory>
#include <string>
#include <unordered_map>

namespace ogw {

const icu::TimeZone* FindTimeZone(std::string_view id) {
  thread_local std::unordered_map<std::string, std::unique_ptr<icu::TimeZone>> zones;
  auto it = zones.find(std::string(id));
  if (it != zones.end()) return it->second.get();
  std::unique_ptr<icu::TimeZone> zone(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(std::string(id))));
  icu::UnicodeString resolved;
  zone->getID(resolved);
  if (resolved == icu::UnicodeString("Etc/Unknown")) zone.reset();
  const icu::TimeZone* raw = zone.get();
  if (zones.size() > 1000) zones.clear();
  zones.emplace(std::string(id), std::move(zone));
  return raw;
}

int64_t ZoneOffsetMillis(const icu::TimeZone* zone, int64_t utc_millis) {
  if (zone == nullptr) return 0;
  int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  zone->getOffset(static_cast<UDate>(utc_millis), false, raw, dst, status);
  return U_FAILURE(status) ? 0 : int64_t{raw} + dst;
}

}  // namespace ogw
