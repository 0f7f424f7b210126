// The dashboard's files as a browser loads them: the page, its script, style and words, each
// with a tag for revalidation and a policy that runs only the gateway's own script; every
// translation has exactly the English keys.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

std::set<std::string> Keys(const json& words) {
  std::set<std::string> keys;
  for (const auto& [key, value] : words.items()) {
    EXPECT_TRUE(value.is_string()) << key;
    EXPECT_FALSE(value.get<std::string>().empty()) << key;
    keys.insert(key);
  }
  return keys;
}

class UiApiTest : public ApiTest {};

TEST_F(UiApiTest, ThePageAndItsFilesAreServedWithTagsAndAStrictPolicy) {
  HttpResult page = Get("/ui/", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("<script type=\"module\" src=\"/ui/app.js\"></script>"));
  const std::string policy = page.Header("Content-Security-Policy");
  EXPECT_THAT(policy, HasSubstr("script-src 'self';"));
  EXPECT_THAT(policy, HasSubstr("connect-src 'self';"));
  EXPECT_THAT(policy, HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(page.Header("Cache-Control"), "no-cache");
  EXPECT_EQ(page.Header("X-Content-Type-Options"), "nosniff");

  HttpResult script = Get("/ui/app.js", "");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.Header("Content-Type"), "text/javascript; charset=utf-8");
  // Data goes into the page as text, never as markup.
  EXPECT_THAT(script.body, ::testing::Not(HasSubstr("innerHTML")));
  EXPECT_EQ(Get("/ui/style.css", "").Header("Content-Type"), "text/css; charset=utf-8");

  // Unchanged: 304 with the same tag.
  const std::string tag = script.Header("ETag");
  ASSERT_FALSE(tag.empty());
  auto again = client_->Get("/ui/app.js", {{"If-None-Match", tag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());

  EXPECT_EQ(Get("/ui/secrets.txt", "").status, 404);
  EXPECT_EQ(Get("/ui/i18n/xx.json", "").status, 404);
  EXPECT_EQ(Get("/ui/i18n/../app.js", "").status, 404);
  auto bare = client_->Get("/ui");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 301);
  EXPECT_EQ(bare->get_header_value("Location"), "/ui/");
}

TEST_F(UiApiTest, EveryTranslationHasExactlyTheEnglishWords) {
  HttpResult english = Get("/ui/i18n/en.json", "");
  ASSERT_EQ(english.status, 200);
  const std::set<std::string> keys = Keys(english.json);
  EXPECT_GE(keys.size(), 20u);
  for (const std::string language : {"fr", "ar", "pt"}) {
    HttpResult words = Get("/ui/i18n/" + language + ".json", "");
    ASSERT_EQ(words.status, 200) << language;
    EXPECT_EQ(Keys(words.json), keys) << language;
    // Translated, not copied: the sign-in heading differs from the English one.
    EXPECT_NE(words.json["sign_in_heading"], english.json["sign_in_heading"]) << language;
    // Placeholders survive translation.
    EXPECT_THAT(words.json["welcome"].get<std::string>(), HasSubstr("{name}")) << language;
  }
}

}  // namespace
}  // namespace ogw::testing
