// Updates as the Bot API documents and sends them (https://core.telegram.org/bots/api#update),
// read into what they mean for the gateway.

#include "adapters/telegram/telegram_updates.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ogw {
namespace {

using ::testing::HasSubstr;
using Kind = TelegramUpdate::Kind;

constexpr char kPrivateMessage[] = R"({
  "update_id": 706151001,
  "message": {
    "message_id": 1365,
    "from": {"id": 5234567890, "is_bot": false, "first_name": "Ana", "language_code": "pt-br"},
    "chat": {"id": 5234567890, "first_name": "Ana", "type": "private"},
    "date": 1717430400,
    "text": "Sim, estarei presente \u2705"
  }
})";

constexpr char kCallbackQuery[] = R"({
  "update_id": 706151002,
  "callback_query": {
    "id": "4382bfdwdsb323b2d9",
    "from": {"id": 5234567890, "is_bot": false, "first_name": "Ana"},
    "message": {"message_id": 1360, "from": {"id": 7000000001, "is_bot": true,
                "first_name": "Embassy", "username": "berlin_embassy_bot"},
                "chat": {"id": 5234567890, "type": "private"}, "date": 1717430000,
                "text": "Will you attend?"},
    "chat_instance": "-8241738243842343",
    "data": "rsvp:yes"
  }
})";

constexpr char kBlocked[] = R"({
  "update_id": 706151003,
  "my_chat_member": {
    "chat": {"id": 5234567890, "first_name": "Ana", "type": "private"},
    "from": {"id": 5234567890, "is_bot": false, "first_name": "Ana"},
    "date": 1717430500,
    "old_chat_member": {"user": {"id": 7000000001, "is_bot": true, "first_name": "Embassy"},
                        "status": "member"},
    "new_chat_member": {"user": {"id": 7000000001, "is_bot": true, "first_name": "Embassy"},
                        "status": "kicked", "until_date": 0}
  }
})";

TEST(TelegramUpdatesTest, APrivateMessageIsAMessageFromItsChat) {
  auto u = ParseTelegramUpdate(std::string_view(kPrivateMessage));
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->kind, Kind::kMessage);
  EXPECT_EQ(u->update_id, 706151001);
  EXPECT_EQ(u->chat_id, "5234567890");
  EXPECT_EQ(u->message_id, "1365");
  EXPECT_EQ(u->text, "Sim, estarei presente \xE2\x9C\x85");

  const InboundMessage m = TelegramInboundMessage(*u, "telegram-berlin", "berlin_embassy_bot");
  EXPECT_EQ(m.provider, "telegram-berlin");
  EXPECT_EQ(m.channel, Channel::kTelegram);
  EXPECT_EQ(m.from, "5234567890");
  EXPECT_EQ(m.to, "berlin_embassy_bot");
  EXPECT_EQ(m.provider_message_id, "5234567890:1365");
  EXPECT_EQ(m.text, u->text);
}

TEST(TelegramUpdatesTest, StartWithAPayloadStaysText) {
  auto u = ParseTelegramUpdate(std::string_view(
      R"({"update_id":1,"message":{"message_id":2,"chat":{"id":42,"type":"private"},)"
      R"("date":1,"text":"/start inv_8f3a","entities":[{"offset":0,"length":6,)"
      R"("type":"bot_command"}]}})"));
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->kind, Kind::kMessage);
  EXPECT_EQ(u->text, "/start inv_8f3a");
}

TEST(TelegramUpdatesTest, ACaptionIsTheTextOfMediaAndMediaWithoutOneIsIgnored) {
  auto photo = ParseTelegramUpdate(std::string_view(
      R"({"update_id":1,"message":{"message_id":2,"chat":{"id":42,"type":"private"},"date":1,)"
      R"("photo":[{"file_id":"AgAD","file_unique_id":"AQAD","width":90,"height":60}],)"
      R"("caption":"My passport page"}})"));
  ASSERT_TRUE(photo.ok()) << photo.status();
  EXPECT_EQ(photo->kind, Kind::kMessage);
  EXPECT_EQ(photo->text, "My passport page");

  auto sticker = ParseTelegramUpdate(std::string_view(
      R"({"update_id":1,"message":{"message_id":3,"chat":{"id":42,"type":"private"},"date":1,)"
      R"("sticker":{"file_id":"CAAD","file_unique_id":"AgAD","type":"regular","width":512,)"
      R"("height":512,"is_animated":false,"is_video":false}}})"));
  ASSERT_TRUE(sticker.ok()) << sticker.status();
  EXPECT_EQ(sticker->kind, Kind::kIgnored);
  EXPECT_EQ(sticker->ignored_because, "message without text");
}

TEST(TelegramUpdatesTest, AButtonPressIsAMessageWithItsDataAndItsOwnId) {
  auto u = ParseTelegramUpdate(std::string_view(kCallbackQuery));
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->kind, Kind::kCallback);
  EXPECT_EQ(u->callback_id, "4382bfdwdsb323b2d9");
  EXPECT_EQ(u->chat_id, "5234567890");
  EXPECT_EQ(u->text, "rsvp:yes");
  const InboundMessage m = TelegramInboundMessage(*u, "telegram-berlin", "");
  EXPECT_EQ(m.provider_message_id, "cb:4382bfdwdsb323b2d9");
  EXPECT_EQ(m.text, "rsvp:yes");
  EXPECT_EQ(m.from, "5234567890");

  const auto answer = nlohmann::json::parse(AnswerCallbackQueryBody(u->callback_id, true));
  EXPECT_EQ(answer, nlohmann::json({{"method", "answerCallbackQuery"},
                                    {"callback_query_id", "4382bfdwdsb323b2d9"}}));
  EXPECT_FALSE(nlohmann::json::parse(AnswerCallbackQueryBody("7", false)).contains("method"));
}

TEST(TelegramUpdatesTest, BeingBlockedIsSaidAndOtherMembershipChangesAreIgnored) {
  auto blocked = ParseTelegramUpdate(std::string_view(kBlocked));
  ASSERT_TRUE(blocked.ok()) << blocked.status();
  EXPECT_EQ(blocked->kind, Kind::kBlocked);
  EXPECT_EQ(blocked->chat_id, "5234567890");

  std::string restarted = kBlocked;
  restarted.replace(restarted.find("\"kicked\""), 8, "\"member\"");
  auto member = ParseTelegramUpdate(std::string_view(restarted));
  ASSERT_TRUE(member.ok()) << member.status();
  EXPECT_EQ(member->kind, Kind::kIgnored);
  EXPECT_EQ(member->ignored_because, "my_chat_member member");
}

TEST(TelegramUpdatesTest, EditsChannelPostsAndGroupsAreIgnored) {
  auto edited = ParseTelegramUpdate(std::string_view(
      R"({"update_id":9,"edited_message":{"message_id":2,"chat":{"id":42,"type":"private"},)"
      R"("date":1,"edit_date":2,"text":"corrected"}})"));
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(edited->kind, Kind::kIgnored);
  EXPECT_EQ(edited->ignored_because, "edited_message");
  EXPECT_EQ(edited->update_id, 9);

  auto post = ParseTelegramUpdate(std::string_view(
      R"({"update_id":10,"channel_post":{"message_id":5,"sender_chat":{"id":-1001234567890,)"
      R"("title":"News","type":"channel"},"chat":{"id":-1001234567890,"title":"News",)"
      R"("type":"channel"},"date":1,"text":"Bulletin"}})"));
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_EQ(post->kind, Kind::kIgnored);
  EXPECT_EQ(post->ignored_because, "channel_post");

  auto group = ParseTelegramUpdate(std::string_view(
      R"({"update_id":11,"message":{"message_id":6,"from":{"id":42,"is_bot":false,)"
      R"("first_name":"A"},"chat":{"id":-1009876543210,"title":"Diaspora","type":"supergroup"},)"
      R"("date":1,"text":"hello all"}})"));
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->kind, Kind::kIgnored);
  EXPECT_EQ(group->ignored_because, "message in a supergroup chat");
}

TEST(TelegramUpdatesTest, IdsBeyondTwoToThe53AreReadExactly) {
  // 2^53 + 1 cannot be a double; read as a JSON integer it stays exact.
  auto u = ParseTelegramUpdate(
      std::string_view(R"({"update_id":9007199254740993,"message":{"message_id":9007199254740995,)"
                       R"("chat":{"id":9007199254740997,"type":"private"},"date":1,"text":"x"}})"));
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->update_id, 9007199254740993);
  EXPECT_EQ(u->chat_id, "9007199254740997");
  EXPECT_EQ(u->message_id, "9007199254740995");
  EXPECT_EQ(TelegramUpdateId(R"({"update_id":9007199254740993})"), 9007199254740993);

  auto beyond = ParseTelegramUpdate(std::string_view(
      R"({"update_id":1,"message":{"message_id":1,"chat":{"id":18446744073709551615,)"
      R"("type":"private"},"date":1,"text":"x"}})"));
  ASSERT_FALSE(beyond.ok());
  EXPECT_THAT(beyond.status().message(), HasSubstr("message.chat.id"));
}

TEST(TelegramUpdatesTest, MissingOrMistypedFieldsAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"message":{}})", "update.update_id: missing"},
      {R"({"update_id":"1"})", "update.update_id: expected an integer"},
      {R"({"update_id":1,"message":{"message_id":1,"date":1,"text":"x"}})",
       "message.chat: missing"},
      {R"({"update_id":1,"message":{"message_id":1,"chat":{"id":1},"text":"x"}})",
       "message.chat.type: missing"},
      {R"({"update_id":1,"message":{"message_id":1,"chat":{"id":1.5,"type":"private"}}})",
       "message.chat.id: expected an integer"},
      {R"({"update_id":1,"message":{"chat":{"id":1,"type":"private"},"text":"x"}})",
       "message.message_id: missing"},
      {R"({"update_id":1,"callback_query":{"from":{"id":1},"data":"x"}})",
       "callback_query.id: missing"},
      {R"({"update_id":1,"callback_query":{"id":"7","data":"x"}})", "callback_query.from: missing"},
      {R"({"update_id":1,"callback_query":{"id":"7","from":{"id":1}}})",
       "callback_query.data: missing"},
      {R"({"update_id":1,"my_chat_member":{"chat":{"id":1,"type":"private"}}})",
       "my_chat_member.new_chat_member: missing"},
  };
  for (const auto& [body, error] : cases) {
    auto u = ParseTelegramUpdate(std::string_view(body));
    ASSERT_FALSE(u.ok()) << body;
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(u.status().message()), error) << body;
  }
  for (const char* body : {"", "not json", "[1,2]", "{\"update_id\":"}) {
    auto u = ParseTelegramUpdate(std::string_view(body));
    ASSERT_FALSE(u.ok()) << body;
    EXPECT_THAT(std::string(u.status().message()), HasSubstr("update")) << body;
  }
}

TEST(TelegramUpdatesTest, AGetUpdatesAnswerGivesEachUpdateAlone) {
  auto updates = ParseGetUpdatesAnswer(
      R"({"ok":true,"result":[{"update_id":5,"message":{"message_id":1,)"
      R"("chat":{"id":42,"type":"private"},"date":1,"text":"a"}},{"update_id":6,"junk":true}]})");
  ASSERT_TRUE(updates.ok()) << updates.status();
  ASSERT_EQ(updates->size(), 2u);
  EXPECT_EQ(TelegramUpdateId((*updates)[0]), 5);
  EXPECT_EQ(TelegramUpdateId((*updates)[1]), 6);
  EXPECT_EQ(TelegramUpdateId(R"({"message":{}})"), std::nullopt);

  auto none = ParseGetUpdatesAnswer(R"({"ok":true,"result":[]})");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto conflict = ParseGetUpdatesAnswer(
      R"({"ok":false,"error_code":409,"description":"Conflict: can't use getUpdates method )"
      R"(while webhook is active; use deleteWebhook to delete the webhook first"})");
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(conflict.status().message()), HasSubstr("deleteWebhook"));

  EXPECT_FALSE(ParseGetUpdatesAnswer("<html>Bad Gateway</html>").ok());
  EXPECT_FALSE(ParseGetUpdatesAnswer(R"({"ok":true,"result":{}})").ok());
}

TEST(TelegramUpdatesTest, WebhookSecretsAreWhatTelegramAccepts) {
  EXPECT_TRUE(IsValidTelegramWebhookSecret("a"));
  EXPECT_TRUE(IsValidTelegramWebhookSecret("Abc_def-0123456789"));
  EXPECT_TRUE(IsValidTelegramWebhookSecret(std::string(256, 'x')));
  EXPECT_FALSE(IsValidTelegramWebhookSecret(""));
  EXPECT_FALSE(IsValidTelegramWebhookSecret(std::string(257, 'x')));
  EXPECT_FALSE(IsValidTelegramWebhookSecret("with space"));
  EXPECT_FALSE(IsValidTelegramWebhookSecret("dot.ted"));
  EXPECT_FALSE(IsValidTelegramWebhookSecret("caf\xC3\xA9"));
}

}  // namespace
}  // namespace ogw
