// A bulletin's pages and feeds as pure functions: the language a reader gets, the order and
// escaping of entries, right-to-left pages, Atom's required elements, JSON Feed, HTTP dates,
// and the validation of what officers write.

#include "gateway/bulletins/bulletin_pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway/bulletins/bulletin_entry.h"

namespace ogw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

BulletinEntry Entry(const std::string& id, int64_t published,
                    std::map<std::string, std::pair<std::string, std::string>> texts) {
  BulletinEntry e;
  e.id = id;
  e.org_id = "org_1";
  e.published_at_millis = published;
  for (const auto& [language, text] : texts) {
    e.texts[language] = {text.first, text.second, ""};
  }
  EXPECT_TRUE(RenderBulletinTexts(&e.texts).ok());
  return e;
}

BulletinFrame Frame(const std::string& language) {
  BulletinFrame f;
  f.org_name = "Ministry of Diaspora";
  f.post_name = "Embassy in Paris";
  f.base_url = "https://gw.example.org/b/org_1/post_1";
  f.language = language;
  f.languages = {"ar", "en", "fr"};
  f.time_zone = "Europe/Paris";
  return f;
}

TEST(BulletinLanguageTest, ExplicitChoiceThenTheReadersHeaderThenThePostsLanguage) {
  const std::vector<std::string> available = {"ar", "en", "fr", "pt-BR"};
  EXPECT_EQ(ChooseBulletinLanguage("ar", "fr-FR,fr;q=0.9", available, "en"), "ar");
  EXPECT_EQ(ChooseBulletinLanguage("", "fr-FR,fr;q=0.9,en;q=0.8", available, "en"), "fr");
  EXPECT_EQ(ChooseBulletinLanguage("", "de-DE,de;q=0.9,ar;q=0.5", available, "en"), "ar");
  EXPECT_EQ(ChooseBulletinLanguage("", "pt-BR", available, "en"), "pt-BR");
  EXPECT_EQ(ChooseBulletinLanguage("", "de", available, "fr"), "fr");
  EXPECT_EQ(ChooseBulletinLanguage("xx", "", available, "en"), "en");
  EXPECT_EQ(ChooseBulletinLanguage("", "", available, "de"), "ar");  // First available.
  EXPECT_EQ(ChooseBulletinLanguage("", std::string(5000, 'a'), available, "en"), "en");
  EXPECT_EQ(ChooseBulletinLanguage("", "", {}, "fr"), "fr");
  // ICU's answer for a tag with a variant maps back to the bulletin's own spelling.
  EXPECT_EQ(ChooseBulletinLanguage("", "ca-ES-valencia", {"ca-ES-valencia", "en"}, "en"),
            "ca-ES-valencia");
}

TEST(BulletinTextTest, AnEntryWithoutTheLanguageShowsItsClosestText) {
  const BulletinEntry e =
      Entry("bul_1", 1, {{"en", {"Hello", "Body"}}, {"fr-CA", {"Salut", "Corps"}}});
  std::string shown;
  EXPECT_EQ(BulletinTextIn(e, "fr", "en", &shown).title, "Salut");
  EXPECT_EQ(shown, "fr-CA");
  EXPECT_EQ(BulletinTextIn(e, "ar", "en", &shown).title, "Hello");
  EXPECT_EQ(shown, "en");
}

TEST(BulletinPagesTest, TheIndexShowsPinnedFirstEscapedWithLanguageLinksAndFeeds) {
  const BulletinEntry pinned =
      Entry("bul_2", 1000, {{"fr", {"Journées consulaires", "**Lundi**"}}});
  const BulletinEntry hostile =
      Entry("bul_3", 2000, {{"fr", {"<script>alert(1)</script>", "<img src=x onerror=alert(1)>"}}});
  const std::string html = BulletinIndexHtml(Frame("fr"), {&pinned, &hostile});
  EXPECT_THAT(html, HasSubstr("<html lang=\"fr\" dir=\"ltr\">"));
  EXPECT_THAT(html, HasSubstr("<strong>Lundi</strong>"));
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, Not(HasSubstr("<img src=x")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_LT(html.find("Journées consulaires"), html.find("&lt;script&gt;"));
  EXPECT_THAT(html, HasSubstr("type=\"application/atom+xml\""));
  EXPECT_THAT(html, HasSubstr("href=\"https://gw.example.org/b/org_1/post_1/feed.atom?lang=fr\""));
  EXPECT_THAT(html, HasSubstr("hreflang=\"ar\" lang=\"ar\" dir=\"rtl\">العربية</a>"));
  EXPECT_THAT(html, HasSubstr("aria-current=\"page\">français</a>"));
  EXPECT_THAT(html, HasSubstr("Publié le"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));  // Never any script.
}

TEST(BulletinPagesTest, ArabicPagesAreRightToLeftAndSayWhenAnEntryWasUpdated) {
  BulletinEntry e = Entry("bul_4", 1000, {{"ar", {"أيام قنصلية", "نص"}}});
  e.updated_at_millis = 5000;
  const std::string html = BulletinEntryHtml(Frame("ar"), e, nullptr);
  EXPECT_THAT(html, HasSubstr("<html lang=\"ar\" dir=\"rtl\">"));
  EXPECT_THAT(html, HasSubstr("حُدّث في"));
  EXPECT_THAT(html, HasSubstr("<div dir=\"rtl\">"));
}

TEST(BulletinFeedsTest, AtomHasItsRequiredElementsAndEscapesContent) {
  BulletinEntry e =
      Entry("bul_5", 1'780'000'000'000, {{"en", {"Passports & visas", "Forms A & B"}}});
  e.updated_at_millis = 1'780'000'600'000;
  const std::string atom = BulletinAtom(Frame("en"), {&e}, e.updated_at_millis);
  EXPECT_THAT(atom, HasSubstr("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">"));
  EXPECT_THAT(atom, HasSubstr("<id>https://gw.example.org/b/org_1/post_1/?lang=en</id>"));
  EXPECT_THAT(atom, HasSubstr("<updated>2026-05-28T20:36:40Z</updated>"));
  EXPECT_THAT(atom, HasSubstr("<author><name>Ministry of Diaspora</name></author>"));
  EXPECT_THAT(atom, HasSubstr("<title type=\"text\">Passports &amp; visas</title>"));
  EXPECT_THAT(atom, HasSubstr("<id>https://gw.example.org/b/org_1/post_1/bul_5?lang=en</id>"));
  EXPECT_THAT(atom, HasSubstr("<published>2026-05-28T20:26:40Z</published>"));
  EXPECT_THAT(atom, HasSubstr("<content type=\"html\">&lt;p&gt;Forms A &amp;amp; B&lt;/p&gt;"));
}

TEST(BulletinFeedsTest, JsonFeedFollowsVersionOneOne) {
  const BulletinEntry e = Entry("bul_6", 1'780'000'000'000, {{"fr", {"Titre", "Texte"}}});
  const nlohmann::json feed = nlohmann::json::parse(BulletinJsonFeed(Frame("fr"), {&e}));
  EXPECT_EQ(feed["version"], "https://jsonfeed.org/version/1.1");
  EXPECT_EQ(feed["feed_url"], "https://gw.example.org/b/org_1/post_1/feed.json?lang=fr");
  ASSERT_EQ(feed["items"].size(), 1u);
  EXPECT_EQ(feed["items"][0]["id"], "https://gw.example.org/b/org_1/post_1/bul_6?lang=fr");
  EXPECT_EQ(feed["items"][0]["content_html"], "<p>Texte</p>\n");
  EXPECT_EQ(feed["items"][0]["date_published"], "2026-05-28T20:26:40Z");
}

TEST(HttpDateTest, WritesAndReadsImfFixdate) {
  EXPECT_EQ(HttpDate(784'111'777'000), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784'111'777'000);
  EXPECT_EQ(ParseHttpDate(HttpDate(1'780'000'000'000)), 1'780'000'000'000);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), -1);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"), -1);
  EXPECT_EQ(ParseHttpDate(""), -1);
  EXPECT_EQ(ParseHttpDate("Sun, 06-Nov-1994 08:49:37 GMT"), -1);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 99:49:37 GMT"), -1);
  EXPECT_EQ(ParseHttpDate("Sun, 32 Nov 1994 08:49:37 GMT"), -1);
}

TEST(BulletinChangeTest, EveryBadFieldIsNamed) {
  FieldErrors errors;
  auto change = BulletinChangeFromJson(
      nlohmann::json{{"post_id", "nope"},
                     {"texts", {{"fr", {{"title", ""}, {"body", "x"}}}, {"??", {{"title", "t"}}}}},
                     {"published_at", 2000},
                     {"expires_at", 1000},
                     {"colour", "red"}},
      true, &errors);
  ASSERT_FALSE(change.ok());
  std::vector<std::string> fields;
  for (const auto& [field, message] : errors) fields.push_back(field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("post_id", "texts.fr.title", "texts.??",
                                                      "expires_at", "colour"));
  errors.clear();
  EXPECT_FALSE(BulletinChangeFromJson(nlohmann::json::object(), true, &errors).ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].first, "texts");
  auto multi_line = BulletinChangeFromJson(
      nlohmann::json{{"texts", {{"en", {{"title", "a\nb"}, {"body", "x"}}}}}}, true, &errors);
  EXPECT_FALSE(multi_line.ok());
  EXPECT_TRUE(BulletinChangeFromJson(nlohmann::json{{"pinned", true}}, false, &errors).ok());
  // Control characters would make the Atom feed unreadable for everyone.
  errors.clear();
  EXPECT_FALSE(BulletinChangeFromJson(
                   nlohmann::json{{"texts", {{"en", {{"title", "a\x01"}, {"body", "x\x0b"}}}}}},
                   true, &errors)
                   .ok());
  std::vector<std::string> control;
  for (const auto& [field, message] : errors) control.push_back(field);
  EXPECT_THAT(control, ::testing::ElementsAre("texts.en.title", "texts.en.body"));
  EXPECT_TRUE(BulletinChangeFromJson(
                  nlohmann::json{{"texts", {{"en", {{"title", "a"}, {"body", "x\r\n\ty"}}}}}}, true,
                  &errors)
                  .ok());
}

}  // namespace
}  // namespace ogw
