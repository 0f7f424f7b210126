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

}  // namespace
}  // namespace ogw
