#pragma once

// SMS encoding and segment counting, so a campaign's SMS cost is known before launch and the
// provider rate limiter can charge by segment.
//
// A text goes out as GSM-7 (3GPP TS 23.038 default alphabet plus its extension table) when
// every character is in that alphabet, otherwise as UCS-2 (in practice UTF-16, so a character
// outside the Basic Multilingual Plane such as an emoji takes two code units). A long text is
// sent as concatenated segments, each losing room to the user data header:
//
//   GSM-7: up to 160 septets in one message, else 153 septets per segment;
//   UCS-2: up to 70 UTF-16 code units in one message, else 67 per segment.
//
// A segment never splits a GSM-7 escape sequence (an extension-table character such as '€') or
// a UTF-16 surrogate pair: a character that does not fit whole starts the next segment, so the
// segment count can exceed ceil(units / per_segment_limit).
//
// National language shift tables (Turkish, Spanish, Portuguese, Indian scripts) are not used:
// not every provider and handset supports them, so e.g. 'á', 'ç' or 'ğ' force UCS-2.
//
// Everything here is pure computation: all functions are thread-safe; SmsCostAccumulator is a
// value type that is not.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace ogw {

enum class SmsEncoding { kGsm7, kUcs2 };

// At most this many offsets are reported in SmsInfo::ucs2_causes.
inline constexpr size_t kMaxUcs2Causes = 5;

struct SmsInfo {
  SmsEncoding encoding;
  size_t units;               // Septets (GSM-7, escapes count 2) or UTF-16 code units (UCS-2).
  size_t segments;            // 0 for empty text, else >= 1.
  size_t unit_limit_single;   // 160 or 70.
  size_t unit_limit_segment;  // 153 or 67.
  // Byte offsets (into the UTF-8 input) of the first characters (at most kMaxUcs2Causes) that
  // are not in GSM-7 and so forced UCS-2, in text order, so an officer can replace them.
  // Empty for GSM-7.
  std::vector<size_t> ucs2_causes;
};

// Chooses the encoding for `utf8_text` and counts its units and segments.
// Errors: InvalidArgument when the text is not well-formed UTF-8 (overlong forms, surrogates,
// code points above U+10FFFF, stray or missing continuation bytes); the message names the byte
// offset of the first ill-formed sequence. Allocates nothing for GSM-7 text.
absl::StatusOr<SmsInfo> AnalyzeSms(std::string_view utf8_text);

// Cost estimate for an audience: segments per recipient may differ (names differ).
struct SmsCostEstimate {
  size_t messages = 0;  // Non-empty texts added (empty texts are not sent).
  size_t segments = 0;  // Sum of their segments.
  double cost = 0;      // segments * price_per_segment.
  std::string currency;
};

// Sums SmsInfo of each recipient's rendered text. Not thread-safe; use one per estimation.
class SmsCostAccumulator {
 public:
  // `price_per_segment` is in units of `currency` (e.g. "EUR") and must not be negative.
  SmsCostAccumulator(double price_per_segment, std::string currency);

  void Add(const SmsInfo& info);
  SmsCostEstimate Result() const;

 private:
  double price_per_segment_;
  std::string currency_;
  size_t messages_ = 0;
  size_t segments_ = 0;
};

// Septets needed for `code_point` in GSM-7: 1 for the default alphabet, 2 for the extension
// table (form feed ^ { } \ [ ~ ] | €, sent as escape + character), 0 when not representable.
// Exact code points only: look-alikes (Greek capital Alpha, 'ç', the Ohm sign) return 0.
int Gsm7Septets(char32_t code_point);

}  // namespace ogw
