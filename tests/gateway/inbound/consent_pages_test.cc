// The pages behind the confirm (/c/) and unsubscribe (/u/) links: every page in every
// language, right to left in Arabic, forms only where a button is asked for (RFC 8058's
// one-click field on the unsubscribe page), and the choice of the reader's language.

#include "gateway/inbound/consent_pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace ogw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::vector<std::string> kLanguages = {"en", "fr", "es", "pt", "de",
                                             "ar", "ru", "uk", "ka", "tr"};

const std::vector<ConsentPage> kPages = {
    ConsentPage::kLinkInvalid,        ConsentPage::kConfirmOptIn, ConsentPage::kOptedIn,
    ConsentPage::kConfirmUnsubscribe, ConsentPage::kUnsubscribed, ConsentPage::kTryAgain,
    ConsentPage::kSurveyDone,
};

bool HasButton(ConsentPage page) {
  return page == ConsentPage::kConfirmOptIn || page == ConsentPage::kConfirmUnsubscribe;
}

// The text between `open` and the next `close`; "" when `open` is absent.
std::string Between(const std::string& html, const std::string& open, const std::string& close) {
  const size_t start = html.find(open);
  if (start == std::string::npos) return "";
  const size_t from = start + open.size();
  const size_t end = html.find(close, from);
  return end == std::string::npos ? "" : html.substr(from, end - from);
}

struct Shown {
  std::string title, heading, text, button;
};

Shown WordsOf(const std::string& html) {
  return {Between(html, "<title>", "</title>"), Between(html, "<h1>", "</h1>"),
          Between(html, "<p>", "</p>"), Between(html, "<button type=\"submit\">", "</button>")};
}

TEST(ConsentPagesTest, EveryPageIsAWholeDocumentInEveryLanguage) {
  for (const std::string& language : kLanguages) {
    std::set<std::string> headings;
    for (ConsentPage page : kPages) {
      const std::string html = ConsentPageHtml(page, language);
      SCOPED_TRACE(language + ": " + html);
      EXPECT_THAT(html, StartsWith("<!doctype html>"));
      const std::string dir = language == "ar" ? "rtl" : "ltr";
      EXPECT_THAT(html, HasSubstr("<html lang=\"" + language + "\" dir=\"" + dir + "\">"));
      EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
      EXPECT_THAT(html, HasSubstr("<meta name=\"viewport\" content=\"width=device-width"));
      EXPECT_THAT(html, HasSubstr("</main></body></html>"));
      // Nothing that runs, and nothing fetched from anywhere.
      EXPECT_THAT(html, Not(HasSubstr("<script")));
      EXPECT_THAT(html, Not(HasSubstr("src=")));
      EXPECT_THAT(html, Not(HasSubstr("href=")));
      EXPECT_THAT(html, Not(HasSubstr("url(")));

      const Shown shown = WordsOf(html);
      EXPECT_FALSE(shown.title.empty());
      EXPECT_EQ(shown.heading, shown.title);
      EXPECT_FALSE(shown.text.empty());
      EXPECT_EQ(shown.button.empty(), !HasButton(page));
      headings.insert(shown.heading);
      if (language == "en") continue;
      // Translated: none of these words is the same in English by nature.
      const Shown english = WordsOf(ConsentPageHtml(page, "en"));
      EXPECT_NE(shown.title, english.title);
      EXPECT_NE(shown.text, english.text);
      if (HasButton(page)) {
        EXPECT_NE(shown.button, english.button);
      }
    }
    EXPECT_EQ(headings.size(), kPages.size()) << language << ": two pages share a heading";
  }
}

TEST(ConsentPagesTest, EnglishKeepsItsWords) {
  const auto text = [](ConsentPage page) { return WordsOf(ConsentPageHtml(page, "en")); };
  EXPECT_EQ(text(ConsentPage::kLinkInvalid).title, "Link not valid");
  EXPECT_EQ(text(ConsentPage::kLinkInvalid).text, "This link is not valid or has expired.");
  EXPECT_EQ(text(ConsentPage::kConfirmOptIn).text, "Receive messages on this channel?");
  EXPECT_EQ(text(ConsentPage::kConfirmOptIn).button, "Yes, send me messages");
  EXPECT_EQ(text(ConsentPage::kOptedIn).text, "You will receive messages on this channel.");
  EXPECT_EQ(text(ConsentPage::kConfirmUnsubscribe).button, "Unsubscribe");
  EXPECT_EQ(text(ConsentPage::kUnsubscribed).text,
            "You will receive no more messages on this channel.");
  EXPECT_EQ(text(ConsentPage::kTryAgain).title, "Please try again");
  EXPECT_EQ(text(ConsentPage::kSurveyDone).text,
            "Your answers are recorded. You may close this page.");
}

TEST(ConsentPagesTest, OnlyTheConfirmPagesHoldAFormPostingToTheSameAddress) {
  for (const std::string& language : kLanguages) {
    for (ConsentPage page : kPages) {
      const std::string html = ConsentPageHtml(page, language);
      SCOPED_TRACE(language + ": " + html);
      if (HasButton(page)) {
        EXPECT_THAT(html, HasSubstr("<form method=\"post\">"));
        EXPECT_THAT(html, Not(HasSubstr("action=")));
      } else {
        EXPECT_THAT(html, Not(HasSubstr("<form")));
        EXPECT_THAT(html, Not(HasSubstr("<button")));
      }
      const bool one_click = page == ConsentPage::kConfirmUnsubscribe;
      EXPECT_EQ(html.find("name=\"List-Unsubscribe\"") != std::string::npos, one_click);
    }
  }
}

TEST(ConsentPagesTest, TheUnsubscribeButtonPostsRfc8058OneClick) {
  for (const std::string& language : kLanguages) {
    const std::string html = ConsentPageHtml(ConsentPage::kConfirmUnsubscribe, language);
    const std::string form = Between(html, "<form method=\"post\">", "</form>");
    EXPECT_THAT(form,
                HasSubstr("<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"))
        << language;
    EXPECT_THAT(form, HasSubstr("<button type=\"submit\">")) << language;
  }
}

TEST(ConsentPagesTest, AnUnknownLanguageShowsEnglish) {
  for (const char* language : {"", "xx", "fr-CA", "<script>", "EN"}) {
    EXPECT_EQ(ConsentPageHtml(ConsentPage::kUnsubscribed, language),
              ConsentPageHtml(ConsentPage::kUnsubscribed, "en"))
        << language;
  }
}

TEST(ConsentPagesTest, TheLanguageAskedForWinsThenTheReadersHeader) {
  EXPECT_EQ(ConsentPageLanguage("ar", "fr-CA,fr;q=0.9,en;q=0.5"), "ar");
  EXPECT_EQ(ConsentPageLanguage("uk", ""), "uk");
  EXPECT_EQ(ConsentPageLanguage("FR", ""), "fr");
  EXPECT_EQ(ConsentPageLanguage("pt-BR", "de"), "pt");
  EXPECT_EQ(ConsentPageLanguage("xx", "tr"), "tr");  // Not one of the ten: the header decides.
  EXPECT_EQ(ConsentPageLanguage("", "fr-CA,fr;q=0.9,en;q=0.5"), "fr");
  EXPECT_EQ(ConsentPageLanguage("", "fr-CA"), "fr");
  EXPECT_EQ(ConsentPageLanguage("", "de;q=0.1, ar;q=0.8"), "ar");
  EXPECT_EQ(ConsentPageLanguage("", "ka-GE,ka;q=0.9,ru;q=0.8"), "ka");
  EXPECT_EQ(ConsentPageLanguage("", "nl-NL,nl;q=0.9,de;q=0.8"), "de");
  EXPECT_EQ(ConsentPageLanguage("", "nl-NL,ja"), "en");
  EXPECT_EQ(ConsentPageLanguage("", ""), "en");
}

TEST(ConsentPagesTest, GarbageHeadersGiveALanguageOfTheTen) {
  const std::set<std::string> ten(kLanguages.begin(), kLanguages.end());
  const std::vector<std::string> headers = {
      "*",
      ",,,;;;",
      ";q=0.5",
      "fr;q=",
      "fr;q=abc,de;q=-1",
      "fr;q=2, ar;q=1e9",
      "\xff\xfe\xfd",
      std::string("fr\0de", 5),
      "-",
      "--__--",
      "x-klingon;q=1",
      std::string(999, ','),
      std::string(5000, 'a'),
      std::string(300, 'a') + "," + std::string(300, 'b'),
      "fr-" + std::string(500, 'x'),
  };
  for (const std::string& header : headers) {
    const std::string chosen = ConsentPageLanguage("", header);
    EXPECT_EQ(ten.count(chosen), 1u) << header << " -> " << chosen;
    EXPECT_EQ(ten.count(ConsentPageLanguage(header, header)), 1u) << header;
  }
}

}  // namespace
}  // namespace ogw
