#include "templates/sms_encoding.h"

#include <array>
#include <cstdint>
#include <string>
#include <utility>

namespace ogw {
namespace {

constexpr size_t kGsm7SingleLimit = 160;
constexpr size_t kGsm7SegmentLimit = 153;
constexpr size_t kUcs2SingleLimit = 70;
constexpr size_t kUcs2SegmentLimit = 67;

// Septet cost of U+0000..U+00FF, built once at compile time so the per-character check in the
// hot loop is one load. The rest of the alphabet (ten Greek capitals and '€') is in
// Gsm7Septets().
constexpr std::array<uint8_t, 256> kLatin1Septets = [] {
  std::array<uint8_t, 256> table{};
  // Printable ASCII is in the default alphabet except '`' (absent altogether) and the eight
  // characters that only the extension table has. '$', '@' and '_' are in it, at other
  // positions than in ASCII, which does not matter for counting.
  for (char32_t c = U' '; c <= U'~'; ++c) table[c] = 1;
  table[U'`'] = 0;
  for (char32_t c : U"^{}\\[~]|") {
    if (c != 0) table[c] = 2;
  }
  table[U'\n'] = 1;
  table[U'\r'] = 1;
  table[U'\f'] = 2;  // Extension 0x0A. Tab and other controls are not in GSM-7.
  // Latin-1 letters and signs of the default alphabet. Only capital Ç (0x09): the small
  // c-cedilla of the original GSM 03.38 glyph is not representable, and neither are the acute
  // vowels other than é/É (á í ó ú are only in the Spanish shift table).
  for (char32_t c : U"£¥èéùìòÇØøÅåÆæßÉ¤¡ÄÖÑÜ§¿äöñüà") {
    if (c != 0) table[c] = 1;
  }
  return table;
}();

// Counts units into segments of `segment_limit` without splitting a character, and the total.
class SegmentPacker {
 public:
  explicit SegmentPacker(size_t segment_limit)
      : segment_limit_(segment_limit), fill_(segment_limit) {}

  void Add(size_t units) {
    // fill_ starts at the limit so the first character opens the first segment.
    if (fill_ + units > segment_limit_) {
      ++segments_;
      fill_ = 0;
    }
    fill_ += units;
    total_ += units;
  }

  SmsInfo Info(SmsEncoding encoding, size_t single_limit) const {
    size_t segments = total_ == 0 ? 0 : total_ <= single_limit ? 1 : segments_;
    return SmsInfo{encoding, total_, segments, single_limit, segment_limit_, {}};
  }

 private:
  size_t segment_limit_;
  size_t fill_;
  size_t segments_ = 0;
  size_t total_ = 0;
};

constexpr bool IsContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Decodes the multi-byte sequence starting at text[i] (text[i] >= 0x80). Returns the length
// (2-4) and sets *code_point, or returns 0 when ill-formed. Follows the Unicode well-formed
// byte sequence table, which rejects overlong forms, surrogates and values past U+10FFFF.
inline size_t DecodeMultiByte(std::string_view text, size_t i, char32_t* code_point) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char b0 = byte(0);
  const size_t left = text.size() - i;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (left < 2 || !IsContinuation(byte(1))) return 0;
    *code_point = (char32_t{b0} & 0x1F) << 6 | (byte(1) & 0x3F);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3) return 0;
    const unsigned char b1 = byte(1);
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (b1 < lo || b1 > hi || !IsContinuation(byte(2))) return 0;
    *code_point = (char32_t{b0} & 0x0F) << 12 | (char32_t{b1} & 0x3F) << 6 | (byte(2) & 0x3F);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4) return 0;
    const unsigned char b1 = byte(1);
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (b1 < lo || b1 > hi || !IsContinuation(byte(2)) || !IsContinuation(byte(3))) return 0;
    *code_point = (char32_t{b0} & 0x07) << 18 | (char32_t{b1} & 0x3F) << 12 |
                  (char32_t{byte(2)} & 0x3F) << 6 | (byte(3) & 0x3F);
    return 4;
  }
  return 0;  // Stray continuation byte, C0/C1 (always overlong) or F5..FF.
}

absl::Status InvalidUtf8(size_t offset) {
  return absl::InvalidArgumentError("SMS text is not valid UTF-8 at byte offset " +
                                    std::to_string(offset));
}

// The slow path, taken once some character is known not to be GSM-7: rescans from the start
// because every earlier character also counts in UTF-16 units.
absl::StatusOr<SmsInfo> AnalyzeUcs2(std::string_view text) {
  SegmentPacker packer(kUcs2SegmentLimit);
  std::vector<size_t> causes;
  size_t i = 0;
  while (i < text.size()) {
    char32_t code_point = static_cast<unsigned char>(text[i]);
    size_t length = 1;
    if (code_point >= 0x80) {
      length = DecodeMultiByte(text, i, &code_point);
      if (length == 0) return InvalidUtf8(i);
    }
    if (causes.size() < kMaxUcs2Causes && Gsm7Septets(code_point) == 0) causes.push_back(i);
    packer.Add(code_point >= 0x10000 ? 2 : 1);
    i += length;
  }
  SmsInfo info = packer.Info(SmsEncoding::kUcs2, kUcs2SingleLimit);
  info.ucs2_causes = std::move(causes);
  return info;
}

}  // namespace

int Gsm7Septets(char32_t code_point) {
  if (code_point < kLatin1Septets.size()) return kLatin1Septets[code_point];
  switch (code_point) {
    case U'\u0394':  // Δ
    case U'\u03A6':  // Φ
    case U'\u0393':  // Γ
    case U'\u039B':  // Λ
    case U'\u03A9':  // Ω (not U+2126 OHM SIGN)
    case U'\u03A0':  // Π
    case U'\u03A8':  // Ψ
    case U'\u03A3':  // Σ
    case U'\u0398':  // Θ
    case U'\u039E':  // Ξ
      return 1;
    case U'\u20AC':  // €, extension table 0x65.
      return 2;
    default:
      return 0;
  }
}

absl::StatusOr<SmsInfo> AnalyzeSms(std::string_view utf8_text) {
  // Optimistic GSM-7 pass: nearly all traffic is GSM-7, so it counts segments as it validates
  // and only falls back to the UCS-2 rescan on the first character outside the alphabet.
  SegmentPacker packer(kGsm7SegmentLimit);
  size_t i = 0;
  while (i < utf8_text.size()) {
    const unsigned char b = static_cast<unsigned char>(utf8_text[i]);
    int septets;
    size_t length = 1;
    if (b < 0x80) {
      septets = kLatin1Septets[b];
    } else {
      char32_t code_point;
      length = DecodeMultiByte(utf8_text, i, &code_point);
      if (length == 0) return InvalidUtf8(i);
      septets = Gsm7Septets(code_point);
    }
    if (septets == 0) return AnalyzeUcs2(utf8_text);
    packer.Add(static_cast<size_t>(septets));
    i += length;
  }
  return packer.Info(SmsEncoding::kGsm7, kGsm7SingleLimit);
}

SmsCostAccumulator::SmsCostAccumulator(double price_per_segment, std::string currency)
    : price_per_segment_(price_per_segment), currency_(std::move(currency)) {}

void SmsCostAccumulator::Add(const SmsInfo& info) {
  if (info.segments == 0) return;
  ++messages_;
  segments_ += info.segments;
}

SmsCostEstimate SmsCostAccumulator::Result() const {
  // Multiplying once at the end avoids drift from summing many small prices.
  return SmsCostEstimate{messages_, segments_, static_cast<double>(segments_) * price_per_segment_,
                         currency_};
}

}  // namespace ogw
