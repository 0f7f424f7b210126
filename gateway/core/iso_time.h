#pragma once

// UTC instants written as ISO 8601 ("2026-06-12T08:00:00Z"), as CSV files carry them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ogw {

// "2026-06-12T08:00:00Z" (UTC); "" for 0 (no such time). With `exact`, milliseconds are
// written when there are any ("2026-06-12T08:00:00.250Z"), so the time reads back unchanged.
std::string FormatIsoUtc(int64_t millis, bool exact = false);
// The inverse: "YYYY-MM-DDTHH:MM:SSZ" (also with fractional seconds, "+00:00" or a space for
// the T), as milliseconds; nullopt for anything else or an impossible date.
std::optional<int64_t> ParseIsoUtc(std::string_view text);

}  // namespace ogw
