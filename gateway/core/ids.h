#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ogw {

// Identifiers: `<prefix>_` + 10 base32 characters of the creation time in milliseconds
// (so ids sort by creation) + 16 random base32 characters (80 bits, unguessable).
// Lexicographic order of ids of one prefix is creation order, which cursor pagination uses.
std::string NewId(std::string_view prefix, int64_t now_millis);

// True when `id` has the shape NewId produces for `prefix`. Used to reject garbage path
// parameters before they reach Redis.
bool IsWellFormedId(std::string_view id, std::string_view prefix);

}  // namespace ogw
