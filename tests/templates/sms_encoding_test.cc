#include "templates/sms_encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace ogw {
namespace {

std::string Repeat(std::string_view piece, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += piece;
  return out;
}

SmsInfo Analyze(std::string_view text) {
  absl::StatusOr<SmsInfo> info = AnalyzeSms(text);
  EXPECT_TRUE(info.ok()) << MessageOf(info.status());
  return info.ok() ? *info : SmsInfo{};
}

// The 127 characters of the default alphabet (positions 0x00..0x7F without the escape 0x1B).
constexpr std::u32string_view kGsmBasic =
    U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    U"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
constexpr std::u32string_view kGsmExtension = U"\f^{}\\[~]|€";

TEST(Gsm7SeptetsTest, DefaultAlphabetCostsOneSeptet) {
  ASSERT_EQ(kGsmBasic.size(), 127u);
  for (char32_t c : kGsmBasic) EXPECT_EQ(Gsm7Septets(c), 1) << "U+" << std::hex << +c;
}

TEST(Gsm7SeptetsTest, ExtensionTableCostsTwoSeptets) {
  ASSERT_EQ(kGsmExtension.size(), 10u);
  for (char32_t c : kGsmExtension) EXPECT_EQ(Gsm7Septets(c), 2) << "U+" << std::hex << +c;
}

TEST(Gsm7SeptetsTest, NothingElseInUnicodeIsGsm) {
  int one = 0;
  int two = 0;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    int septets = Gsm7Septets(c);
    if (septets == 1) ++one;
    if (septets == 2) ++two;
  }
  EXPECT_EQ(one, 127);
  EXPECT_EQ(two, 10);
}

TEST(Gsm7SeptetsTest, LookAlikesAreNotGsm) {
  for (char32_t c : std::u32string_view(U"ç`\táíóúÁÍÓÚâêÈÌÒÙ¢©«»ğşı\u00A0\u2019\u201C")) {
    EXPECT_EQ(Gsm7Septets(c), 0) << "U+" << std::hex << +c;
  }
  EXPECT_EQ(Gsm7Septets(U'\u0391'), 0);  // Greek capital Alpha, looks like 'A'.
  EXPECT_EQ(Gsm7Septets(U'\u2126'), 0);  // Ohm sign; GSM has Greek capital Omega U+03A9.
  EXPECT_EQ(Gsm7Septets(U'\u03C9'), 0);  // Small omega.
  EXPECT_EQ(Gsm7Septets(0), 0);
  EXPECT_EQ(Gsm7Septets(0x7F), 0);
  EXPECT_EQ(Gsm7Septets(0x1B), 0);  // The escape itself is not a character.
  EXPECT_EQ(Gsm7Septets(U'Ç'), 1);
  EXPECT_EQ(Gsm7Septets(U'$'), 1);
}

TEST(AnalyzeSmsTest, EmptyTextHasNoSegments) {
  SmsInfo info = Analyze("");
  EXPECT_EQ(info.encoding, SmsEncoding::kGsm7);
  EXPECT_EQ(info.units, 0u);
  EXPECT_EQ(info.segments, 0u);
  EXPECT_EQ(info.unit_limit_single, 160u);
  EXPECT_EQ(info.unit_limit_segment, 153u);
  EXPECT_TRUE(info.ucs2_causes.empty());
}

TEST(AnalyzeSmsTest, GsmSegmentBoundaries) {
  struct Case {
    size_t chars;
    size_t segments;
  };
  for (Case c : {Case{1, 1}, Case{160, 1}, Case{161, 2}, Case{306, 2}, Case{307, 3}, Case{459, 3},
                 Case{460, 4}}) {
    SmsInfo info = Analyze(std::string(c.chars, 'a'));
    EXPECT_EQ(info.encoding, SmsEncoding::kGsm7);
    EXPECT_EQ(info.units, c.chars);
    EXPECT_EQ(info.segments, c.segments) << c.chars << " chars";
  }
}

TEST(AnalyzeSmsTest, WholeDefaultAlphabetStaysGsm) {
  std::string text;
  for (char32_t c : kGsmBasic) {
    if (c < 0x80) {
      text.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      text.push_back(static_cast<char>(0xC0 | (c >> 6)));
      text.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      text.push_back(static_cast<char>(0xE0 | (c >> 12)));
      text.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      text.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  SmsInfo info = Analyze(text);
  EXPECT_EQ(info.encoding, SmsEncoding::kGsm7);
  EXPECT_EQ(info.units, 127u);
  EXPECT_EQ(info.segments, 1u);
}

TEST(AnalyzeSmsTest, ExtensionCharactersCountTwoSeptets) {
  SmsInfo info = Analyze("^{}\\[~]|€\f");
  EXPECT_EQ(info.encoding, SmsEncoding::kGsm7);
  EXPECT_EQ(info.units, 20u);

  info = Analyze(Repeat("€", 80));
  EXPECT_EQ(info.units, 160u);
  EXPECT_EQ(info.segments, 1u);

  info = Analyze(Repeat("€", 81));
  EXPECT_EQ(info.units, 162u);
  EXPECT_EQ(info.segments, 2u);

  // A single message has no header, so an escape may take septets 159 and 160.
  info = Analyze(std::string(158, 'a') + "{");
  EXPECT_EQ(info.units, 160u);
  EXPECT_EQ(info.segments, 1u);
}

TEST(AnalyzeSmsTest, EscapeSequenceIsNotSplitAcrossSegments) {
  // 306 septets would fit two segments of 153, but the '€' after 152 septets moves whole to
  // segment two, pushing the last 'a' into segment three.
  SmsInfo info = Analyze(std::string(152, 'a') + "€" + std::string(152, 'a'));
  EXPECT_EQ(info.units, 306u);
  EXPECT_EQ(info.segments, 3u);

  // One septet less and everything fits: 152 | € + 151.
  info = Analyze(std::string(152, 'a') + "€" + std::string(151, 'a'));
  EXPECT_EQ(info.units, 305u);
  EXPECT_EQ(info.segments, 2u);

  // Only 76 euro signs fit a 153-septet segment.
  info = Analyze(Repeat("€", 153));
  EXPECT_EQ(info.units, 306u);
  EXPECT_EQ(info.segments, 3u);
  info = Analyze(Repeat("€", 152));
  EXPECT_EQ(info.units, 304u);
  EXPECT_EQ(info.segments, 2u);
}

TEST(AnalyzeSmsTest, LineBreaksAreGsmButTabIsNot) {
  SmsInfo info = Analyze("a\r\nb\n");
  EXPECT_EQ(info.encoding, SmsEncoding::kGsm7);
  EXPECT_EQ(info.units, 5u);

  info = Analyze("a\tb");
  EXPECT_EQ(info.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(info.ucs2_causes, std::vector<size_t>({1}));
}

TEST(AnalyzeSmsTest, Ucs2SegmentBoundaries) {
  struct Case {
    size_t chars;
    size_t segments;
  };
  for (Case c : {Case{1, 1}, Case{70, 1}, Case{71, 2}, Case{134, 2}, Case{135, 3}, Case{201, 3},
                 Case{202, 4}}) {
    SmsInfo info = Analyze(Repeat("д", c.chars));  // Cyrillic de.
    EXPECT_EQ(info.encoding, SmsEncoding::kUcs2);
    EXPECT_EQ(info.units, c.chars);
    EXPECT_EQ(info.segments, c.segments) << c.chars << " chars";
    EXPECT_EQ(info.unit_limit_single, 70u);
    EXPECT_EQ(info.unit_limit_segment, 67u);
  }
}

TEST(AnalyzeSmsTest, EmojiCountTwoUnits) {
  SmsInfo info = Analyze("😀");
  EXPECT_EQ(info.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(info.units, 2u);
  EXPECT_EQ(info.segments, 1u);

  info = Analyze(Repeat("😀", 34));
  EXPECT_EQ(info.units, 68u);
  EXPECT_EQ(info.segments, 1u);

  info = Analyze(Repeat("😀", 35));
  EXPECT_EQ(info.units, 70u);
  EXPECT_EQ(info.segments, 1u);

  info = Analyze(Repeat("😀", 36));  // 33 pairs per 67-unit segment: 33 + 3.
  EXPECT_EQ(info.units, 72u);
  EXPECT_EQ(info.segments, 2u);
}

TEST(AnalyzeSmsTest, SurrogatePairIsNotSplitAcrossSegments) {
  // 134 units would fit two segments of 67, but pairs only fill 66 of each.
  SmsInfo info = Analyze(Repeat("😀", 67));
  EXPECT_EQ(info.units, 134u);
  EXPECT_EQ(info.segments, 3u);

  // The emoji would straddle units 67 and 68, so it opens segment two.
  info = Analyze(Repeat("д", 66) + "😀" + Repeat("д", 66));
  EXPECT_EQ(info.units, 134u);
  EXPECT_EQ(info.segments, 3u);
  info = Analyze(Repeat("д", 65) + "😀" + Repeat("д", 67));
  EXPECT_EQ(info.units, 134u);
  EXPECT_EQ(info.segments, 2u);
}

TEST(AnalyzeSmsTest, NonLatinScriptsNeedUcs2) {
  SmsInfo arabic = Analyze("مرحبا");  // Two-byte UTF-8.
  EXPECT_EQ(arabic.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(arabic.units, 5u);
  EXPECT_EQ(arabic.segments, 1u);
  EXPECT_EQ(arabic.ucs2_causes, std::vector<size_t>({0, 2, 4, 6, 8}));

  SmsInfo georgian = Analyze("გამარჯობა");  // Nine three-byte characters; five reported.
  EXPECT_EQ(georgian.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(georgian.units, 9u);
  EXPECT_EQ(georgian.ucs2_causes, std::vector<size_t>({0, 3, 6, 9, 12}));

  SmsInfo amharic = Analyze("ሰላም ለሁሉም");
  EXPECT_EQ(amharic.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(amharic.units, 8u);
  EXPECT_EQ(amharic.segments, 1u);
}

TEST(AnalyzeSmsTest, OneNonGsmCharacterForcesUcs2AndIsReported) {
  // é and à are GSM; ç is not.
  SmsInfo info = Analyze("Réunion à François");
  EXPECT_EQ(info.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(info.units, 18u);
  EXPECT_EQ(info.unit_limit_single, 70u);
  // "Réunion à Fran" is 16 bytes: é and à take two each.
  EXPECT_EQ(info.ucs2_causes, std::vector<size_t>({16}));

  // Without it the text is GSM-7.
  info = Analyze("Réunion à Francois");
  EXPECT_EQ(info.encoding, SmsEncoding::kGsm7);
  EXPECT_TRUE(info.ucs2_causes.empty());

  // The switch recounts the GSM prefix in UTF-16 units: 100 GSM septets + ç = 101 > 70.
  info = Analyze(std::string(100, 'a') + "ç");
  EXPECT_EQ(info.units, 101u);
  EXPECT_EQ(info.segments, 2u);
  EXPECT_EQ(info.ucs2_causes, std::vector<size_t>({100}));
}

TEST(AnalyzeSmsTest, ExtensionCharactersCountOneUnitInUcs2) {
  SmsInfo info = Analyze("€ç");
  EXPECT_EQ(info.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(info.units, 2u);
  EXPECT_EQ(info.ucs2_causes, std::vector<size_t>({3}));
}

TEST(AnalyzeSmsTest, CausesAreCappedAndSkipGsmCharacters) {
  SmsInfo info = Analyze("a`b😀c“d”eçfgñ’h«");
  EXPECT_EQ(info.encoding, SmsEncoding::kUcs2);
  ASSERT_EQ(info.ucs2_causes.size(), kMaxUcs2Causes);
  // ` at 1, 😀 at 3, “ at 8, ” at 12, ç at 16 (each curly quote is three bytes).
  EXPECT_EQ(info.ucs2_causes, std::vector<size_t>({1, 3, 8, 12, 16}));
}

TEST(AnalyzeSmsTest, EmbeddedNulIsNotGsm) {
  SmsInfo info = Analyze(std::string_view("a\0b", 3));
  EXPECT_EQ(info.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(info.ucs2_causes, std::vector<size_t>({1}));
}

TEST(AnalyzeSmsTest, InvalidUtf8ReportsByteOffset) {
  struct Case {
    std::string_view text;
    size_t offset;
  };
  for (Case c : {
           Case{"abc\xFF", 3},             // Invalid lead byte.
           Case{"\x80", 0},                // Stray continuation byte.
           Case{"ab\xE2\x82", 2},          // Truncated '€'.
           Case{"ab\xE2\x82x", 2},         // Missing continuation.
           Case{"\xC0\xAF", 0},            // Overlong '/'.
           Case{"\xE0\x80\xAF", 0},        // Overlong three-byte form.
           Case{"\xF0\x80\x80\xAF", 0},    // Overlong four-byte form.
           Case{"x\xED\xA0\x80", 1},       // UTF-16 surrogate.
           Case{"xy\xF4\x90\x80\x80", 2},  // Above U+10FFFF.
           Case{"é\xF5\x80\x80\x80", 2},   // Invalid lead byte after a GSM character.
           Case{"ç\xFF", 2},               // Found by the UCS-2 pass.
           Case{"😀ab\xC3", 6},             // Truncated at the end in UCS-2.
       }) {
    absl::StatusOr<SmsInfo> info = AnalyzeSms(c.text);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(MessageOf(info.status()),
              "SMS text is not valid UTF-8 at byte offset " + std::to_string(c.offset));
  }
}

TEST(AnalyzeSmsTest, AcceptsBoundaryCodePoints) {
  SmsInfo info = Analyze("\xF4\x8F\xBF\xBF");  // U+10FFFF.
  EXPECT_EQ(info.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(info.units, 2u);
  info = Analyze("\xED\x9F\xBF\xEE\x80\x80");  // U+D7FF and U+E000, either side of surrogates.
  EXPECT_EQ(info.units, 2u);
}

TEST(SmsCostAccumulatorTest, SumsSegmentsAcrossRecipients) {
  SmsCostAccumulator accumulator(0.05, "EUR");
  accumulator.Add(Analyze("Hello Ana"));            // 1 GSM segment.
  accumulator.Add(Analyze(std::string(200, 'x')));  // 2 GSM segments.
  accumulator.Add(Analyze(Repeat("д", 150)));       // 3 UCS-2 segments.
  accumulator.Add(Analyze(""));                     // Not sent.
  SmsCostEstimate estimate = accumulator.Result();
  EXPECT_EQ(estimate.messages, 3u);
  EXPECT_EQ(estimate.segments, 6u);
  EXPECT_DOUBLE_EQ(estimate.cost, 0.30);
  EXPECT_EQ(estimate.currency, "EUR");
}

TEST(SmsCostAccumulatorTest, EmptyAudienceCostsNothing) {
  SmsCostEstimate estimate = SmsCostAccumulator(0.0725, "USD").Result();
  EXPECT_EQ(estimate.messages, 0u);
  EXPECT_EQ(estimate.segments, 0u);
  EXPECT_EQ(estimate.cost, 0.0);
  EXPECT_EQ(estimate.currency, "USD");
}

TEST(SmsCostAccumulatorTest, ManySmallPricesDoNotDrift) {
  SmsCostAccumulator accumulator(0.1, "EUR");
  SmsInfo one = Analyze("hi");
  for (int i = 0; i < 1000; ++i) accumulator.Add(one);
  EXPECT_DOUBLE_EQ(accumulator.Result().cost, 100.0);
}

}  // namespace
}  // namespace ogw
