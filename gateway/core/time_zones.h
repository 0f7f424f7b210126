#pragma once

// IANA time zones through ICU, shared by quiet hours, events and what people are told.

#include <cstdint>
#include <string_view>

#include <unicode/timezone.h>

namespace ogw {

// The zone `id` names, or nullptr when ICU does not know it (ICU itself answers an unknown id
// with "Etc/Unknown", offset 0, which would silently be UTC). Zones are costly to create, so
// each thread keeps the ones it has used; the pointer stays valid on the calling thread until
// it has looked up about a thousand other zones.
const icu::TimeZone* FindTimeZone(std::string_view id);

// Offset from UTC (standard plus daylight saving) of `zone` at `utc_millis`; 0 without a zone.
int64_t ZoneOffsetMillis(const icu::TimeZone* zone, int64_t utc_millis);

}  // namespace ogw
