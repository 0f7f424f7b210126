// The session cookie as browsers send it among others: found by its exact name only.

#include <gtest/gtest.h>

#include "gateway/auth/session_store.h"

namespace ogw {
namespace {

TEST(SessionCookieTest, TheCookieIsFoundByItsExactNameAmongOthers) {
  EXPECT_EQ(CookieValue("ogw_session=ses_1.abc", "ogw_session"), "ses_1.abc");
  EXPECT_EQ(CookieValue("theme=dark; ogw_session=ses_1.abc; lang=fr", "ogw_session"),
            "ses_1.abc");
  EXPECT_EQ(CookieValue("theme=dark;ogw_session = ses_1.abc ", "ogw_session"), "ses_1.abc");
  // Another site's cookie with a longer name is not this one.
  EXPECT_EQ(CookieValue("xogw_session=forged; ogw_session_old=x", "ogw_session"), "");
  EXPECT_EQ(CookieValue("", "ogw_session"), "");
  EXPECT_EQ(CookieValue("ogw_session", "ogw_session"), "");
  // The first one counts, as browsers send the most specific path first.
  EXPECT_EQ(CookieValue("ogw_session=first; ogw_session=second", "ogw_session"), "first");
}

}  // namespace
}  // namespace ogw
