#pragma once

// ASCII text helpers every component shares, on std::string_view. (Abseil's string functions
// take absl::string_view, which Debian's Abseil does not alias to std::string_view; its
// character functions are used underneath.) Protocol tokens, header names, language tags and
// domains are ASCII-case-insensitive; nothing here touches bytes >= 0x80.

#include <string>
#include <string_view>

namespace ogw {

char AsciiLower(char c);
char AsciiUpper(char c);
std::string AsciiLower(std::string_view text);
std::string AsciiUpper(std::string_view text);
bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreAsciiCase(std::string_view text, std::string_view prefix);
// Without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view TrimAsciiSpace(std::string_view text);

}  // namespace ogw
