// TelegramProvider without a server: how long texts are cut (SplitTelegramText), the request
// it builds, and how it reads the Bot API's answers (Classify). Sending to FakeTelegram is
// telegram_provider_test.cc.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/common/http_batch_client.h"
#include "adapters/telegram/telegram_provider.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Outcome = SendResult::Outcome;

constexpr char kToken[] = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

std::string Repeat(std::string_view piece, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// What is left of the parts once joined: the text, less the whitespace at the cuts.
std::string Squeezed(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '\n') out += c;
  }
  return out;
}

TEST(TelegramSplitTest, ATextThatFitsIsOnePartUnchanged) {
  const std::string text = Repeat("a", 4096);
  EXPECT_THAT(SplitTelegramText(text, false), ElementsAre(text));
  EXPECT_THAT(SplitTelegramText("", false), ElementsAre(""));
  // Counted in UTF-16 units: 2,048 emoji are 4,096 units, one more is over.
  const std::string emoji = Repeat("\xF0\x9F\x98\x80", 2048);
  EXPECT_EQ(Utf16Units(emoji), 4096u);
  EXPECT_EQ(SplitTelegramText(emoji, false).size(), 1u);
  EXPECT_EQ(SplitTelegramText(emoji + "\xF0\x9F\x98\x80", false).size(), 2u);
}

TEST(TelegramSplitTest, CutsAtTheLastBlankLineThenLineThenSpaceThenCharacter) {
  // Two paragraphs of 3,000 characters, the first with line breaks and spaces in it.
  const std::string first = Repeat("x", 1000) + "\n" + Repeat("y", 999) + " " + Repeat("z", 999);
  const std::string second = Repeat("w", 3000);
  EXPECT_THAT(SplitTelegramText(first + "\n\n" + second, false), ElementsAre(first, second));

  // No blank line in the first 4,096 units: the last line break.
  const std::string lines = Repeat("a", 3000) + "\n" + Repeat("b", 3000);
  EXPECT_THAT(SplitTelegramText(lines, false), ElementsAre(Repeat("a", 3000), Repeat("b", 3000)));

  // No line break either: the last space.
  const std::string words = Repeat("c", 4000) + " " + Repeat("d", 200) + " " + Repeat("e", 10);
  EXPECT_THAT(SplitTelegramText(words, false),
              ElementsAre(Repeat("c", 4000), Repeat("d", 200) + " " + Repeat("e", 10)));

  // One unbroken run: between characters, 4,096 at a time, in order.
  const std::string run = Repeat("0123456789", 1000);
  const auto parts = SplitTelegramText(run, false);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 4096u);
  EXPECT_EQ(parts[1].size(), 4096u);
  EXPECT_EQ(parts[0] + parts[1] + parts[2], run);
}

TEST(TelegramSplitTest, EveryPartFitsAndTogetherTheyKeepTheTextInOrder) {
  std::string text;
  for (int i = 0; i < 400; ++i) {
    text += "Paragraph " + std::to_string(i) + ": " + Repeat("word ", i % 37) + "\n";
    if (i % 5 == 0) text += "\n";
  }
  const auto parts = SplitTelegramText(text, false, 500);
  ASSERT_GT(parts.size(), 10u);
  std::string joined;
  for (const std::string& part : parts) {
    EXPECT_LE(Utf16Units(part), 500u);
    EXPECT_FALSE(part.empty());
    joined += part;
  }
  EXPECT_EQ(Squeezed(joined), Squeezed(text));
}

TEST(TelegramSplitTest, NeverCutsAUtf8Sequence) {
  // Cyrillic (2 bytes), Amharic (3 bytes) and emoji (4 bytes, 2 units), without spaces.
  const std::string text = Repeat("\xD0\x96\xE1\x88\x80\xF0\x9F\x98\x80", 2000);
  const auto parts = SplitTelegramText(text, false);
  ASSERT_EQ(parts.size(), 2u);
  std::string joined;
  for (const std::string& part : parts) {
    EXPECT_TRUE(IsValidUtf8(part));
    EXPECT_LE(Utf16Units(part), 4096u);
    joined += part;
  }
  EXPECT_EQ(joined, text);
}

TEST(TelegramSplitTest, HtmlIsNeverCutInsideATagOrAnEntityAndOpenTagsCarryOver) {
  // A bold link spanning the cut: closed at the end of part 1, opened again in part 2.
  const std::string text = "<b>Invitation</b>\n<a href=\"https://e.example/r/abc\"><i>" +
                           Repeat("long &amp; ", 30) + "</i></a> end";
  const auto parts = SplitTelegramText(text, true, 120);
  ASSERT_GE(parts.size(), 3u);
  EXPECT_EQ(parts[0], "<b>Invitation</b>");
  for (size_t i = 1; i + 1 < parts.size(); ++i) {
    EXPECT_THAT(parts[i], ::testing::StartsWith("<a href=\"https://e.example/r/abc\"><i>"))
        << parts[i];
    EXPECT_THAT(parts[i], ::testing::EndsWith("</i></a>")) << parts[i];
  }
  EXPECT_THAT(parts.back(), ::testing::EndsWith("</i></a> end"));
  for (const std::string& part : parts) {
    EXPECT_LE(Utf16Units(part), 120u) << part;
    // No entity or tag cut short: every '&' starts a whole "&amp;", every '<' has its '>'.
    for (size_t at = part.find('&'); at != std::string::npos; at = part.find('&', at + 1)) {
      EXPECT_EQ(part.compare(at, 5, "&amp;"), 0) << part;
    }
    EXPECT_EQ(std::count(part.begin(), part.end(), '<'), std::count(part.begin(), part.end(), '>'))
        << part;
  }

  // Between characters only: still never inside "&amp;" or a tag.
  const std::string dense = "<code>" + Repeat("&amp;", 50) + "</code>";
  for (const std::string& part : SplitTelegramText(dense, true, 40)) {
    EXPECT_THAT(part, ::testing::StartsWith("<code>&amp;"));
    EXPECT_THAT(part, ::testing::EndsWith("&amp;</code>"));
    EXPECT_LE(part.size(), 40u);
  }
  // As plain text the same characters are just characters.
  EXPECT_THAT(SplitTelegramText(dense, false, 40)[0], Not(::testing::EndsWith("</code>")));
}

TEST(TelegramSendTest, TheRequestIsMinimalJsonWithParseModeOnlyForTelegramHtml) {
  OutboundMessage m;
  m.to = "5234567890";
  m.text = "<b>Hi</b> & bye";
  m.text_format = TextFormat::kTelegramHtml;
  auto body = nlohmann::json::parse(TelegramProvider::RequestBody(m, m.text, true));
  EXPECT_EQ(body, nlohmann::json({{"chat_id", "5234567890"},
                                  {"text", "<b>Hi</b> & bye"},
                                  {"parse_mode", "HTML"},
                                  {"link_preview_options", {{"is_disabled", true}}}}));
  m.text_format = TextFormat::kPlainText;
  body = nlohmann::json::parse(TelegramProvider::RequestBody(m, "part", true));
  EXPECT_FALSE(body.contains("parse_mode"));
  EXPECT_EQ(body["text"], "part");

  TelegramConfig config;
  config.api_base = "https://api.telegram.org/";
  config.bot_token = kToken;
  EXPECT_EQ(TelegramProvider::MethodUrl(config, "sendMessage"),
            std::string("https://api.telegram.org/bot") + kToken + "/sendMessage");
}

TEST(TelegramSendTest, ButtonsGoAsOneRowOfAnInlineKeyboardOnTheLastPartOnly) {
  OutboundMessage m;
  m.to = "5234567890";
  m.text = "Will you come?";
  m.buttons = {{"rsvp:yes", "Yes"}, {"rsvp:no", "No"}, {"rsvp:maybe", "Maybe"}};
  auto last = nlohmann::json::parse(TelegramProvider::RequestBody(m, m.text, true));
  EXPECT_EQ(last["reply_markup"], nlohmann::json::parse(R"({"inline_keyboard": [[
                {"text": "Yes", "callback_data": "rsvp:yes"},
                {"text": "No", "callback_data": "rsvp:no"},
                {"text": "Maybe", "callback_data": "rsvp:maybe"}]]})"));
  auto earlier = nlohmann::json::parse(TelegramProvider::RequestBody(m, "part 1", false));
  EXPECT_FALSE(earlier.contains("reply_markup"));
}

class TelegramClassifyTest : public ::testing::Test {
 protected:
  TelegramClassifyTest() {
    message_.to = "5234567890";
    message_.text = "Dear Ana, the roundtable on consular services is on 12 June.";
  }
  SendResult Classify(long status, std::string body, std::string retry_after = "") {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.retry_after = std::move(retry_after);
    return TelegramProvider::Classify(response, message_, secrets_, 0);
  }
  OutboundMessage message_;
  const std::vector<std::string> secrets_ = {kToken};
};

TEST_F(TelegramClassifyTest, OkIsAcceptedWithChatAndMessageId) {
  const SendResult r = Classify(200, R"({"ok":true,"result":{"message_id":1366,)"
                                     R"("from":{"id":7000000001,"is_bot":true,"first_name":"E"},)"
                                     R"("chat":{"id":5234567890,"type":"private"},)"
                                     R"("date":1717430400,"text":"Dear Ana"}})");
  EXPECT_EQ(r.outcome, Outcome::kAccepted);
  EXPECT_EQ(r.provider_message_id, "5234567890:1366");
  // A 2xx that is not {"ok":true} proves nothing.
  EXPECT_EQ(Classify(200, "<html>proxy</html>").outcome, Outcome::kTransient);
  EXPECT_EQ(Classify(200, "<html>proxy</html>").code, "telegram_unreadable");
}

TEST_F(TelegramClassifyTest, TheBotApiErrorsAsTelegramSendsThem) {
  SendResult r = Classify(429, R"({"ok":false,"error_code":429,)"
                               R"("description":"Too Many Requests: retry after 35",)"
                               R"("parameters":{"retry_after":35}})");
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "telegram_429");
  EXPECT_EQ(r.retry_after_millis, 35000);
  EXPECT_EQ(r.reason, "Too Many Requests: retry after 35");

  r = Classify(403, R"({"ok":false,"error_code":403,)"
                    R"("description":"Forbidden: bot was blocked by the user"})");
  EXPECT_EQ(r.outcome, Outcome::kOptedOut);
  EXPECT_EQ(r.code, "telegram_403");
  r = Classify(403,
               R"({"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"})");
  EXPECT_EQ(r.outcome, Outcome::kOptedOut);
  r = Classify(403, R"({"ok":false,"error_code":403,)"
                    R"("description":"Forbidden: bot can't initiate conversation with a user"})");
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_FALSE(r.address_invalid);

  r = Classify(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})");
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_TRUE(r.address_invalid);
  EXPECT_EQ(r.code, "telegram_400");
  r = Classify(400, R"({"ok":false,"error_code":400,)"
                    R"("description":"Bad Request: can't parse entities: Can't find end tag )"
                    R"(corresponding to start tag \"b\""})");
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_FALSE(r.address_invalid);
  r = Classify(400,
               R"({"ok":false,"error_code":400,"description":"Bad Request: message is too long"})");
  EXPECT_EQ(r.outcome, Outcome::kPermanent);

  // A wrong token: the account is misconfigured, not the message.
  r = Classify(401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})");
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "telegram_401");
  r = Classify(404, R"({"ok":false,"error_code":404,"description":"Not Found"})");
  EXPECT_EQ(r.outcome, Outcome::kTransient);

  r = Classify(502, "<html><body>502 Bad Gateway</body></html>", "7");
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "http_502");
  EXPECT_EQ(r.retry_after_millis, 7000);
  r = Classify(500, R"({"ok":false,"error_code":500,"description":"Internal Server Error"})");
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  for (long status : {408L, 425L}) EXPECT_EQ(Classify(status, "").outcome, Outcome::kTransient);
  EXPECT_EQ(Classify(409, R"({"ok":false,"error_code":409,"description":"Conflict"})").outcome,
            Outcome::kPermanent);
}

TEST_F(TelegramClassifyTest, TransportFailuresAreTransient) {
  HttpResponse response;
  response.curl_code = CURLE_COULDNT_CONNECT;
  response.error = "Couldn't connect to server";
  SendResult r = TelegramProvider::Classify(response, message_, secrets_, 0);
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "connect");
  response.curl_code = CURLE_OPERATION_TIMEDOUT;
  EXPECT_EQ(TelegramProvider::Classify(response, message_, secrets_, 0).code, "timeout");
}

TEST_F(TelegramClassifyTest, NeitherTheTokenNorTheTextAppearsInAReason) {
  SendResult r = Classify(400, std::string(R"({"ok":false,"error_code":400,"description":"bad )") +
                                   "url /bot" + kToken + R"(/sendMessage"})");
  EXPECT_THAT(r.reason, Not(HasSubstr(kToken)));
  EXPECT_THAT(r.reason, Not(HasSubstr("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")));
  r = Classify(400, R"({"ok":false,"error_code":400,"description":"Bad Request: text \"Dear )"
                    R"(Ana, the roundtable on consular\" is invalid"})");
  EXPECT_THAT(r.reason, Not(HasSubstr("Dear Ana")));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);

  HttpResponse response;
  response.curl_code = CURLE_URL_MALFORMAT;
  response.error = std::string("bad URL https://api.telegram.org/bot") + kToken + "/sendMessage";
  r = TelegramProvider::Classify(response, message_, secrets_, 0);
  EXPECT_THAT(r.reason, Not(HasSubstr(kToken)));
}

}  // namespace
}  // namespace ogw
