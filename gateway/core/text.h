#pragma once

// Text helpers every component shares, on std::string_view. (Abseil's string functions take
// absl::string_view, which Debian's Abseil does not alias to std::string_view; its character
// functions are used underneath.) Protocol tokens, header names, language tags and domains are
// ASCII-case-insensitive: the ASCII helpers touch no byte >= 0x80. UTF-8 is checked in one
// place, here.

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

// Offset of the first byte of `text` that does not belong to well-formed UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF are ill-formed, Unicode Table 3-7), or
// std::string_view::npos when all of `text` is well-formed.
size_t FindInvalidUtf8(std::string_view text);
bool IsValidUtf8(std::string_view text);
// `text` with every byte that is not part of well-formed UTF-8 replaced by `replacement`
// (U+FFFD unless said otherwise): text from peers that may send anything, on its way into JSON.
std::string ReplaceInvalidUtf8(std::string_view text,
                               std::string_view replacement = "\xEF\xBF\xBD");
// At most `max` bytes of `text`, cut before a UTF-8 continuation byte so no character is split.
std::string TruncateUtf8(std::string_view text, size_t max);

// Code points of well-formed UTF-8 `text` (what a person counts as characters, near enough).
size_t CountCodePoints(std::string_view text);

// Whether `text` holds a C0 control character or DEL other than those in `allowed` (e.g.
// "\n\t" for text people write in several lines).
bool HasControlCharacter(std::string_view text, std::string_view allowed = "");

// Whether `url` is an absolute http:// or https:// URL (scheme in any case) with a host and no
// whitespace or control characters: something a provider can fetch.
bool IsAbsoluteHttpUrl(std::string_view url);

}  // namespace ogw
