#include "templates/markdown_render.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ogw {
namespace {

std::string Render(std::string_view markdown, TextFormat format,
                   const MarkdownRenderOptions& options = {}) {
  absl::StatusOr<std::string> out = RenderMarkdown(markdown, format, options);
  EXPECT_TRUE(out.ok()) << MessageOf(out.status());
  return out.ok() ? *out : "";
}

// The tag names used in Telegram HTML output (every '<' there starts a tag, text is escaped).
std::set<std::string> TagNames(std::string_view html) {
  std::set<std::string> names;
  for (size_t i = html.find('<'); i != std::string_view::npos; i = html.find('<', i + 1)) {
    size_t start = i + 1;
    if (start < html.size() && html[start] == '/') ++start;
    size_t end = html.find_first_of(" >", start);
    names.insert(std::string(html.substr(start, end - start)));
  }
  return names;
}

constexpr std::string_view kDocument =
    "# Title\n"
    "\n"
    "Hello *world* and **bold** `a<b` [site](https://x.org/?a=1&b=\"2\") <https://auto.org>\n"
    "\n"
    "- one\n"
    "- two\n"
    "  - nested\n"
    "- three\n"
    "\n"
    "3. third\n"
    "4. fourth\n"
    "\n"
    "> quoted\n"
    "\n"
    "```\n"
    "x < y && z\n"
    "```\n"
    "\n"
    "<div onclick=\"evil()\">raw</div>\n"
    "\n"
    "Line one  \n"
    "line two\n";

TEST(MarkdownRenderTest, HtmlIsSafeCommonMark) {
  std::string html = Render(kDocument, TextFormat::kHtml);
  EXPECT_NE(html.find("<h1>Title</h1>"), std::string::npos) << html;
  EXPECT_NE(html.find("<em>world</em>"), std::string::npos);
  EXPECT_NE(html.find("<strong>bold</strong>"), std::string::npos);
  EXPECT_NE(html.find("<code>a&lt;b</code>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://x.org/?a=1&amp;b=%222%22\">site</a>"), std::string::npos);
  EXPECT_NE(html.find("<li>one</li>"), std::string::npos);
  EXPECT_NE(html.find("<ol start=\"3\">"), std::string::npos);
  EXPECT_EQ(html.find("onclick"), std::string::npos) << "raw HTML must be dropped";
  EXPECT_EQ(html.find("<div"), std::string::npos);
  EXPECT_NE(html.find("Line one<br />"), std::string::npos);
  EXPECT_EQ(html.find("dir="), std::string::npos);
}

TEST(MarkdownRenderTest, HtmlDropsDangerousUrls) {
  std::string html = Render(
      "[a](javascript:alert(1)) [b](VBScript:x) [c](data:text/html,x) "
      "![d](data:image/png;base64,AA)",
      TextFormat::kHtml);
  EXPECT_EQ(html.find("javascript"), std::string::npos) << html;
  EXPECT_EQ(html.find("VBScript"), std::string::npos);
  EXPECT_EQ(html.find("text/html"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"\">a</a>"), std::string::npos);
  EXPECT_NE(html.find("data:image/png"), std::string::npos) << "image data URLs are allowed";
}

TEST(MarkdownRenderTest, HtmlRtlWrapper) {
  MarkdownRenderOptions options;
  options.rtl = true;
  EXPECT_EQ(Render("مرحبا *بكم*", TextFormat::kHtml, options),
            "<div dir=\"rtl\">\n<p>مرحبا <em>بكم</em></p>\n</div>\n");
  // Only HTML has a direction wrapper.
  EXPECT_EQ(Render("مرحبا", TextFormat::kPlainText, options), "مرحبا");
  EXPECT_EQ(Render("مرحبا", TextFormat::kTelegramHtml, options), "مرحبا");
}

TEST(MarkdownRenderTest, PlainTextStripsMarkdown) {
  EXPECT_EQ(Render(kDocument, TextFormat::kPlainText),
            "Title\n"
            "\n"
            "Hello world and bold a<b site (https://x.org/?a=1&b=\"2\") https://auto.org\n"
            "\n"
            "- one\n"
            "- two\n"
            "  - nested\n"
            "- three\n"
            "\n"
            "3. third\n"
            "4. fourth\n"
            "\n"
            "> quoted\n"
            "\n"
            "x < y && z\n"
            "\n"
            "Line one\n"
            "line two");
}

TEST(MarkdownRenderTest, PlainTextLinksListsAndWhitespace) {
  EXPECT_EQ(Render("[https://a.org](https://a.org) and <me@example.org>", TextFormat::kPlainText),
            "https://a.org and me@example.org");
  EXPECT_EQ(Render("[](https://empty.org)", TextFormat::kPlainText), "https://empty.org");
  EXPECT_EQ(Render("[click](javascript:alert(1))", TextFormat::kPlainText), "click");
  EXPECT_EQ(Render("- loose\n\n- list\n\nafter", TextFormat::kPlainText),
            "- loose\n\n- list\n\nafter");
  EXPECT_EQ(Render("1) a\n2) b", TextFormat::kPlainText), "1) a\n2) b");
  EXPECT_EQ(Render("- first\n\n  second para", TextFormat::kPlainText), "- first\n\n  second para");
  EXPECT_EQ(Render("## Heading ##\n\ntext   \n\n\n", TextFormat::kPlainText), "Heading\n\ntext");
  EXPECT_EQ(Render("a\n\n---\n\nb", TextFormat::kPlainText), "a\n\n---\n\nb");
  EXPECT_EQ(Render("<b>raw</b> text", TextFormat::kPlainText), "raw text");
  EXPECT_EQ(Render("", TextFormat::kPlainText), "");
  std::string out = Render(kDocument, TextFormat::kPlainText);
  for (size_t i = out.find('\n'); i != std::string::npos; i = out.find('\n', i + 1)) {
    ASSERT_GT(i, 0u);
    EXPECT_NE(out[i - 1], ' ') << "trailing space before offset " << i;
  }
}

TEST(MarkdownRenderTest, WhatsAppMarkupKeepsThePlainLayoutWithItsMarkers) {
  EXPECT_EQ(Render(kDocument, TextFormat::kWhatsAppMarkup),
            "*Title*\n"
            "\n"
            "Hello _world_ and *bold* `a<b` site (https://x.org/?a=1&b=\"2\") https://auto.org\n"
            "\n"
            "- one\n"
            "- two\n"
            "  - nested\n"
            "- three\n"
            "\n"
            "3. third\n"
            "4. fourth\n"
            "\n"
            "> quoted\n"
            "\n"
            "```x < y && z```\n"
            "\n"
            "Line one\n"
            "line two");
  // Nothing to mark up: the text as it is, without parsing (the common case).
  EXPECT_EQ(Render("Counselling days: 3 and 4 May", TextFormat::kWhatsAppMarkup),
            "Counselling days: 3 and 4 May");
  EXPECT_EQ(Render("## Empty heading ##\n\n#", TextFormat::kWhatsAppMarkup), "*Empty heading*");
}

TEST(MarkdownRenderTest, TelegramHtmlUsesOnlyAllowedTags) {
  std::string out = Render(kDocument, TextFormat::kTelegramHtml);
  EXPECT_EQ(out,
            "<b>Title</b>\n"
            "\n"
            "Hello <i>world</i> and <b>bold</b> <code>a&lt;b</code> "
            "<a href=\"https://x.org/?a=1&amp;b=&quot;2&quot;\">site</a> "
            "<a href=\"https://auto.org\">https://auto.org</a>\n"
            "\n"
            "• one\n"
            "• two\n"
            "  • nested\n"
            "• three\n"
            "\n"
            "3. third\n"
            "4. fourth\n"
            "\n"
            "&gt; quoted\n"
            "\n"
            "<pre>x &lt; y &amp;&amp; z</pre>\n"
            "\n"
            "Line one\n"
            "line two");
  std::set<std::string> allowed = {"b", "i", "u", "s", "a", "code", "pre"};
  for (const std::string& tag : TagNames(out)) EXPECT_TRUE(allowed.contains(tag)) << tag;
}

TEST(MarkdownRenderTest, TelegramHtmlEscapesEverythingElse) {
  std::string out = Render("Text <script>alert(1)</script> 5 > 3 & \\<i\\> [x](javascript:y)",
                           TextFormat::kTelegramHtml);
  EXPECT_EQ(out, "Text alert(1) 5 &gt; 3 &amp; &lt;i&gt; x");
  // A line starting with <script> opens an HTML block, which is dropped whole.
  EXPECT_EQ(Render("<script>alert(1)</script>\n\nafter", TextFormat::kTelegramHtml), "after");
  EXPECT_EQ(Render("![alt](https://i.org/p.png)", TextFormat::kTelegramHtml),
            "<a href=\"https://i.org/p.png\">alt</a>");
  EXPECT_EQ(Render("[![alt](https://i.org/p.png)](https://l.org)", TextFormat::kTelegramHtml),
            "<a href=\"https://l.org\">alt</a>")
      << "no link inside a link";
}

TEST(MarkdownRenderTest, InvalidUtf8IsRejected) {
  for (TextFormat format : {TextFormat::kHtml, TextFormat::kPlainText, TextFormat::kTelegramHtml,
                            TextFormat::kWhatsAppMarkup}) {
    for (std::string bad : {std::string("a\xff"), std::string("\xc3"), std::string("\xed\xa0\x80"),
                            std::string("\xc0\xaf")}) {
      absl::StatusOr<std::string> out = RenderMarkdown(bad, format);
      EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_TRUE(RenderMarkdown("ok ✓ 😀 ქართული", TextFormat::kHtml).ok());
}

TEST(MarkdownRenderTest, RewritesLinksInOrderWithIndexes) {
  std::vector<std::pair<std::string, size_t>> calls;
  MarkdownRenderOptions options;
  options.rewrite_link = [&](std::string_view url, size_t index) {
    calls.emplace_back(std::string(url), index);
    return "https://t.example/l/" + std::to_string(index);
  };
  constexpr std::string_view kLinks =
      "[a](https://a.org) ![img](https://img.org/i.png) [bad](javascript:x) <https://b.org>\n\n"
      "- [c](https://c.org/?q=1)";
  std::string text = Render(kLinks, TextFormat::kPlainText, options);
  EXPECT_EQ(calls, (std::vector<std::pair<std::string, size_t>>{
                       {"https://a.org", 0}, {"https://b.org", 1}, {"https://c.org/?q=1", 2}}));
  EXPECT_EQ(text,
            "a (https://t.example/l/0) img (https://img.org/i.png) bad "
            "https://t.example/l/1\n\n- c (https://t.example/l/2)");
  calls.clear();
  std::string html = Render(kLinks, TextFormat::kHtml, options);
  EXPECT_EQ(calls.size(), 3u);
  EXPECT_NE(html.find("<a href=\"https://t.example/l/0\">a</a>"), std::string::npos) << html;
  EXPECT_NE(html.find("src=\"https://img.org/i.png\""), std::string::npos);
  calls.clear();
  std::string telegram = Render(kLinks, TextFormat::kTelegramHtml, options);
  EXPECT_NE(telegram.find("<a href=\"https://t.example/l/2\">c</a>"), std::string::npos);
}

// Values that look like Markdown or HTML must come out as the same characters.
TEST(MarkdownRenderTest, EscapedTextRendersLiterally) {
  const std::vector<std::string> nasty = {
      "<script>alert(1)</script>",
      "*bold* **strong** _u_ __v__",
      "[x](http://evil)",
      "![i](http://evil/i.png)",
      "<http://auto.example>",
      "# heading",
      "1. item",
      "2) item",
      "- item",
      "+ item",
      "> quote",
      "`code` ``x``",
      "&amp; &#65; & < > \"'",
      "a\\b\\*c",
      "---",
      "===",
      "~~~",
      "| a | b |",
      "    four spaces",
      "\ttab",
      "Ünïcödé ✓ مرحبا",
      "http://bare.example/path?q=1&r=2",
  };
  for (const std::string& value : nasty) {
    std::string escaped = EscapeMarkdown(value);
    EXPECT_EQ(Render(escaped, TextFormat::kPlainText), value) << escaped;
    std::string html = Render(escaped, TextFormat::kHtml);
    EXPECT_EQ(html.find("<a "), std::string::npos) << html;
    EXPECT_EQ(html.find("<em>"), std::string::npos) << html;
    EXPECT_EQ(html.find("<script"), std::string::npos) << html;
    EXPECT_EQ(html.find("<h1>"), std::string::npos) << html;
    EXPECT_EQ(html.find("<li>"), std::string::npos) << html;
    EXPECT_EQ(html.find("<pre>"), std::string::npos) << html;
    EXPECT_EQ(html.find("<img"), std::string::npos) << html;
    std::string telegram = Render(escaped, TextFormat::kTelegramHtml);
    EXPECT_EQ(telegram.find("<a "), std::string::npos) << telegram;
    EXPECT_EQ(telegram.find("<i>"), std::string::npos) << telegram;
  }
  EXPECT_EQ(Render(EscapeMarkdown("<script>"), TextFormat::kHtml), "<p>&lt;script&gt;</p>\n");
  EXPECT_EQ(Render(EscapeMarkdown("A & B"), TextFormat::kTelegramHtml), "A &amp; B");
}

TEST(MarkdownRenderTest, EscapedLineBreaksStayInTheParagraph) {
  std::string escaped = EscapeMarkdown("first\n\n# not a heading\r\n    not code\n");
  EXPECT_EQ(Render("Note: " + escaped, TextFormat::kPlainText),
            "Note: first\n\n# not a heading\n    not code");
  std::string html = Render("Note: " + escaped, TextFormat::kHtml);
  EXPECT_EQ(html.find("<h1>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<pre>"), std::string::npos) << html;
  EXPECT_EQ(html.rfind("<p>", 0), 0u) << "one paragraph: " << html;
}

TEST(MarkdownRenderTest, IsRtlLanguage) {
  for (const char* rtl : {"ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "dv", "ckb", "ar-EG",
                          "AR", "fa-IR", "he-IL", "ur-PK"}) {
    EXPECT_TRUE(IsRtlLanguage(rtl)) << rtl;
  }
  for (const char* ltr : {"en", "fr", "ka", "arn", "pt-BR", "", "a", "he2"}) {
    EXPECT_FALSE(IsRtlLanguage(ltr)) << ltr;
  }
}

}  // namespace
}  // namespace ogw

namespace ogw {
namespace {

TEST(FindBareUrlsTest, ReportsOnlyAddressesThatAreNotLinks) {
  EXPECT_EQ(FindBareUrls("See https://a.org/x?y=1 and www.b.org, or [c](https://c.org) "
                         "<https://d.org> [https://e.org](https://e.org)."),
            (std::vector<std::string>{"https://a.org/x?y=1", "www.b.org,"}));
  EXPECT_TRUE(FindBareUrls("No links here. `https://code.org` is code.").empty());
  EXPECT_EQ(FindBareUrls("- item http://f.org\n\n# title https://g.org"),
            (std::vector<std::string>{"http://f.org", "https://g.org"}));
}

TEST(MarkdownRenderTest, PlainParagraphShortcutAgreesWithCmark) {
  // Random lines over an alphabet with every character the shortcut must refuse, compared with
  // what cmark renders: wherever the shortcut applies, it must give cmark's answer.
  const std::vector<std::string> pieces = {
      "a", "Z", "Dear", " ", "  ", "\t", ".", ",", "!", "?", ":", ";", "'", "\"", "(", ")",
      "-", "+", "=", "#", "*", "_", "`", "~", "[", "]", "<", ">", "&", "&amp;", "\\", "|",
      "/", "%", "$", "@", "^", "{", "}", "1", "12", "0.", "3)", "\n", "\r", "\f", "\v",
      std::string(1, '\0'), "\xC3\xA9", "\xE2\x80\x94", "\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85",
      "\xEF\xBB\xBF", "\xC2\xA0", "\xE3\x80\x80", "https://x.org", "www.x.org"};
  uint64_t state = 42;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  int shortcut = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t parts = 1 + next() % 12;
    // Mostly letters and spaces, so that many lines qualify.
    for (size_t i = 0; i < parts; ++i) {
      text += next() % 3 == 0 ? pieces[next() % pieces.size()] : (next() % 2 ? "word" : " ");
    }
    if (!markdown_internal::IsPlainParagraph(text)) continue;
    ++shortcut;
    for (TextFormat format : {TextFormat::kPlainText, TextFormat::kTelegramHtml}) {
      auto slow = markdown_internal::RenderMarkdownWithCmark(text, format, {});
      auto fast = RenderMarkdown(text, format);
      ASSERT_EQ(slow.ok(), fast.ok()) << text;
      if (slow.ok()) {
        EXPECT_EQ(*fast, *slow) << "\"" << text << "\"";
      }
    }
  }
  EXPECT_GT(shortcut, 2000);  // The comparison covered many lines.
  // The everyday case takes the shortcut; Markdown and HTML do not.
  EXPECT_TRUE(markdown_internal::IsPlainParagraph("Dear Amina, the consulate invites you."));
  EXPECT_TRUE(markdown_internal::IsPlainParagraph("Reply STOP to opt out."));
  EXPECT_FALSE(markdown_internal::IsPlainParagraph("Dear *Amina*"));
  EXPECT_FALSE(markdown_internal::IsPlainParagraph("1. first"));
  EXPECT_FALSE(markdown_internal::IsPlainParagraph("two\nlines"));
  EXPECT_EQ(Render("Caf\xC3\xA9 du march\xC3\xA9", TextFormat::kHtml),
            "<p>Caf\xC3\xA9 du march\xC3\xA9</p>\n");
  // Invalid UTF-8 is refused on both paths.
  EXPECT_FALSE(RenderMarkdown("abc\xC3", TextFormat::kPlainText).ok());
}

}  // namespace
}  // namespace ogw
