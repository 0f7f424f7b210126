#include "gateway/core/text.h"

#include <gtest/gtest.h>

namespace ogw {
namespace {

TEST(TextTest, AsciiCaseLeavesOtherBytesAlone) {
  EXPECT_EQ(AsciiLower("Content-Type: UTF-8"), "content-type: utf-8");
  EXPECT_EQ(AsciiUpper("de-ch"), "DE-CH");
  // Non-ASCII letters are not ASCII: Georgian, Greek and a UTF-8 'É' stay as they are.
  EXPECT_EQ(AsciiLower("ნინო ΕΛΛΆΔΑ É"), "ნინო ΕΛΛΆΔΑ É");
  EXPECT_EQ(AsciiLower('Q'), 'q');
  EXPECT_EQ(AsciiUpper('\xC3'), '\xC3');
}

TEST(TextTest, ComparisonsIgnoreOnlyAsciiCase) {
  EXPECT_TRUE(EqualsIgnoreAsciiCase("UTF-16BE", "utf-16be"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("utf-8", "utf-16"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("É", "é"));
  EXPECT_TRUE(StartsWithIgnoreAsciiCase("HTTP/1.1 200 OK", "http/"));
  EXPECT_TRUE(StartsWithIgnoreAsciiCase("x", ""));
  EXPECT_FALSE(StartsWithIgnoreAsciiCase("ht", "http"));
}

TEST(TextTest, TrimsAsciiWhitespaceOnly) {
  EXPECT_EQ(TrimAsciiSpace(" \t\r\n\v\f value \r\n"), "value");
  EXPECT_EQ(TrimAsciiSpace("   "), "");
  EXPECT_EQ(TrimAsciiSpace(""), "");
  // A no-break space (U+00A0) is not ASCII whitespace.
  EXPECT_EQ(TrimAsciiSpace("\xC2\xA0x"), "\xC2\xA0x");
}

TEST(TextTest, Utf8InManyScriptsIsWellFormed) {
  EXPECT_EQ(FindInvalidUtf8(""), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("plain ascii, longer than eight bytes"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("محمد عبد الله"), std::string_view::npos);           // Arabic
  EXPECT_EQ(FindInvalidUtf8("ნინო ბერიძე"), std::string_view::npos);             // Georgian
  EXPECT_EQ(FindInvalidUtf8("አበበ ቢቂላ"), std::string_view::npos);                 // Amharic
  EXPECT_EQ(FindInvalidUtf8("\xF0\x9F\x98\x80 emoji"), std::string_view::npos);  // U+1F600
  EXPECT_EQ(FindInvalidUtf8("\xF4\x8F\xBF\xBF"), std::string_view::npos);        // U+10FFFF
}

TEST(TextTest, FindInvalidUtf8ReportsTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("abc\xFF"), 3u);
  EXPECT_EQ(FindInvalidUtf8("0123456789abcdef\x80"), 16u);  // Stray continuation byte.
  EXPECT_EQ(FindInvalidUtf8("ok \xC0\xAF"), 3u);            // Overlong '/'.
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);           // Overlong 3-byte form.
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);          // Surrogate U+D800.
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);       // Above U+10FFFF.
  EXPECT_EQ(FindInvalidUtf8("\xF5\x80\x80\x80"), 0u);       // Lead byte never valid.
  EXPECT_EQ(FindInvalidUtf8("ნი\xE1\x83"), 6u);             // Truncated at the end.
  EXPECT_EQ(FindInvalidUtf8("\xE1\x83\x41"), 0u);           // Bad continuation byte.
}

TEST(TextTest, InvalidBytesAreReplacedAndCutsKeepCharactersWhole) {
  EXPECT_EQ(ReplaceInvalidUtf8("ok \xFF\xFE end", "?"), "ok ?? end");
  EXPECT_EQ(ReplaceInvalidUtf8("\xE2\x82\xAC \xE2\x82", "?"), "\xE2\x82\xAC ??");
  EXPECT_EQ(ReplaceInvalidUtf8("a\xFF"
                               "b"),
            "a\xEF\xBF\xBD"
            "b");  // U+FFFD by default.
  EXPECT_EQ(ReplaceInvalidUtf8("fine"), "fine");
  EXPECT_EQ(TruncateUtf8("\xE2\x82\xAC\xE2\x82\xAC", 4), "\xE2\x82\xAC");
  EXPECT_EQ(TruncateUtf8("abc", 10), "abc");
  EXPECT_EQ(TruncateUtf8("abc", 2), "ab");
}

}  // namespace
}  // namespace ogw
