#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "gateway/campaigns/campaign.h"

namespace ogw {

// When `now_millis` falls inside `quiet` in time zone `time_zone` (IANA; unknown or empty:
// `fallback_zone`), the time the window ends; nullopt when sending is allowed now.
std::optional<int64_t> QuietUntil(const QuietHours& quiet, std::string_view time_zone,
                                  std::string_view fallback_zone, int64_t now_millis);

}  // namespace ogw
