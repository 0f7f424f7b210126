// Webhook bodies of the Messenger Platform as Meta posts them
// (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events), read into
// messages and delivery reports of one Page's account.

#include "adapters/messenger/messenger_webhooks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using State = DeliveryReport::State;

constexpr char kProvider[] = "messenger-berlin";
constexpr char kPageId[] = "104729837461234";

// Two entries of this Page and one of another Page of the same app. The first carries a text,
// a quick reply, photos without text, a sticker, the echo of the Page's own send and a
// reaction; the second a delivery, a read, a postback and a referral, and standby events.
constexpr char kBody[] = R"({
  "object": "page",
  "entry": [
    {
      "id": "104729837461234",
      "time": 1717430400512,
      "messaging": [
        {
          "sender": {"id": "6543210987654321"},
          "recipient": {"id": "104729837461234"},
          "timestamp": 1717430400100,
          "message": {
            "mid": "m_7oWsVqJ0HzLQJ3qj0xvTQZ8c2kP0zN6cY5Gx1pGm4yVnS9XkR3bQfH2tA8dL1eJ6",
            "text": "Ja, ich komme am Dienstag \u2705"
          }
        },
        {
          "sender": {"id": "6543210987654321"},
          "recipient": {"id": "104729837461234"},
          "timestamp": 1717430461000,
          "message": {
            "mid": "m_QR1aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            "text": "Termin best\u00e4tigen",
            "quick_reply": {"payload": "appointment:confirm"}
          }
        },
        {
          "sender": {"id": "7123456789012345"},
          "recipient": {"id": "104729837461234"},
          "timestamp": 1717430502000,
          "message": {
            "mid": "m_IMG1aBcDeFgHiJkLmNoPqRsTuVwXyZ",
            "attachments": [
              {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/1.jpg"}},
              {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/2.jpg"}}
            ]
          }
        },
        {
          "sender": {"id": "7123456789012345"},
          "recipient": {"id": "104729837461234"},
          "timestamp": 1717430503000,
          "message": {
            "mid": "m_STK1aBcDeFgHiJkLmNoPqRsTuVwXyZ",
            "attachments": [
              {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/t39.1997-6/851557_369239266556155_759568595_n.png", "sticker_id": 369239263222822}}
            ],
            "sticker_id": 369239263222822
          }
        },
        {
          "sender": {"id": "104729837461234"},
          "recipient": {"id": "6543210987654321"},
          "timestamp": 1717430520000,
          "message": {
            "is_echo": true,
            "app_id": 1517776481860111,
            "mid": "m_ECHO1aBcDeFgHiJkLmNoPqRsTuVwXyZ",
            "text": "Counselling days on Friday: bring your passport."
          }
        },
        {
          "sender": {"id": "6543210987654321"},
          "recipient": {"id": "104729837461234"},
          "timestamp": 1717430530000,
          "reaction": {
            "mid": "m_ECHO1aBcDeFgHiJkLmNoPqRsTuVwXyZ",
            "action": "react",
            "reaction": "love",
            "emoji": "\u2764"
          }
        }
      ]
    },
    {
      "id": "118877665544332",
      "time": 1717430600000,
      "messaging": [
        {
          "sender": {"id": "9988776655443322"},
          "recipient": {"id": "118877665544332"},
          "timestamp": 1717430599000,
          "message": {"mid": "m_OTHERPAGE1", "text": "Hallo?"}
        }
      ]
    },
    {
      "id": "104729837461234",
      "time": 1717430700000,
      "messaging": [
        {
          "sender": {"id": "6543210987654321"},
          "recipient": {"id": "104729837461234"},
          "delivery": {
            "mids": ["m_SENT1aBcDeFgHiJkLmNoPqRsTuVwXyZ", "m_SENT2aBcDeFgHiJkLmNoPqRsTuVwXyZ"],
            "watermark": 1717430698000
          }
        },
        {
          "sender": {"id": "6543210987654321"},
          "recipient": {"id": "104729837461234"},
          "timestamp": 1717430699000,
          "read": {"watermark": 1717430698500}
        },
        {
          "sender": {"id": "7123456789012345"},
          "recipient": {"id": "104729837461234"},
          "timestamp": 1717430701000,
          "postback": {
            "title": "Termin vereinbaren",
            "payload": "menu:appointment",
            "mid": "m_PB1aBcDeFgHiJkLmNoPqRsTuVwXyZ"
          }
        },
        {
          "sender": {"id": "7123456789012345"},
          "recipient": {"id": "104729837461234"},
          "timestamp": 1717430702000,
          "referral": {"ref": "flyer-2024", "source": "SHORTLINK", "type": "OPEN_THREAD"}
        }
      ],
      "standby": [
        {
          "sender": {"id": "5555666677778888"},
          "recipient": {"id": "104729837461234"},
          "timestamp": 1717430703000,
          "message": {"mid": "m_STANDBY1", "text": "an inbox agent's conversation"}
        }
      ]
    }
  ]
})";

// One messaging event of this Page: `event` its members.
std::string OneEvent(std::string_view event) {
  return R"({"object":"page","entry":[{"id":"104729837461234","time":1717430400512,)"
         R"("messaging":[{)" +
         std::string(event) + "}]}]}";
}

// A message event from 6543210987654321 with `message` as its message object.
std::string OneMessage(std::string_view message) {
  return OneEvent(R"("sender":{"id":"6543210987654321"},"recipient":{"id":"104729837461234"},)"
                  R"("timestamp":1717430400100,"message":)" +
                  std::string(message));
}

absl::StatusOr<MessengerWebhook> Parse(std::string_view body) {
  return ParseMessengerWebhook(body, kProvider, kPageId);
}

// The text of the one message `message` (see OneMessage).
std::string TextOf(std::string_view message) {
  auto hook = Parse(OneMessage(message));
  if (!hook.ok()) return "error: " + std::string(hook.status().message());
  if (hook->messages.size() != 1) return "messages: " + std::to_string(hook->messages.size());
  return hook->messages[0].text;
}

std::string ErrorOf(std::string_view body) {
  auto hook = Parse(body);
  if (hook.ok()) return "ok";
  EXPECT_EQ(hook.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(hook.status().message());
}

// --- Messages -----------------------------------------------------------------------------------

TEST(MessengerWebhooksTest, EveryMessageOfThePageIsReadInOrder) {
  auto hook = Parse(kBody);
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->messages.size(), 6u);
  std::vector<std::string> ids;
  std::vector<std::string> senders;
  for (const InboundMessage& m : hook->messages) {
    ids.push_back(m.provider_message_id);
    senders.push_back(m.from);
    EXPECT_EQ(m.provider, "messenger-berlin");
    EXPECT_EQ(m.channel, Channel::kMessenger);
    EXPECT_EQ(m.to, "104729837461234");
    EXPECT_EQ(m.subject, "");
    EXPECT_THAT(m.answers, IsEmpty());
    EXPECT_THAT(m.references, IsEmpty());
    EXPECT_FALSE(m.auto_reply);
    EXPECT_FALSE(m.simulated);
  }
  EXPECT_THAT(ids,
              ElementsAre("m_7oWsVqJ0HzLQJ3qj0xvTQZ8c2kP0zN6cY5Gx1pGm4yVnS9XkR3bQfH2tA8dL1eJ6",
                          "m_QR1aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
                          "m_IMG1aBcDeFgHiJkLmNoPqRsTuVwXyZ", "m_STK1aBcDeFgHiJkLmNoPqRsTuVwXyZ",
                          "m_PB1aBcDeFgHiJkLmNoPqRsTuVwXyZ", "ref:7123456789012345:1717430702000"));
  EXPECT_THAT(senders, ElementsAre("6543210987654321", "6543210987654321", "7123456789012345",
                                   "7123456789012345", "7123456789012345", "7123456789012345"));
}

TEST(MessengerWebhooksTest, AThreadOpenedFromALinkCarriesItsRef) {
  auto hook = Parse(kBody);
  ASSERT_TRUE(hook.ok()) << hook.status();
  const InboundMessage& opened = hook->messages.back();
  EXPECT_EQ(opened.link_token, "flyer-2024");
  EXPECT_EQ(opened.text, "[opened the chat from a link]");
  EXPECT_EQ(opened.received_at_ms, 1717430702000);
  for (size_t i = 0; i + 1 < hook->messages.size(); ++i) {
    EXPECT_EQ(hook->messages[i].link_token, "") << i;
  }
  // Get Started pressed in a thread a link opened: the ref comes with the postback.
  const std::string get_started =
      R"({"object":"page","entry":[{"id":"104729837461234",)"
      R"("time":1717430800000,"messaging":[{"sender":{"id":"6543210987654321"},)"
      R"("recipient":{"id":"104729837461234"},"timestamp":1717430800000,"postback":{)"
      R"("title":"Get Started","payload":"GET_STARTED","referral":{"ref":"c0de","source":)"
      R"("SHORTLINK","type":"OPEN_THREAD"}}}]}]})";
  auto started = Parse(get_started);
  ASSERT_TRUE(started.ok()) << started.status();
  ASSERT_EQ(started->messages.size(), 1u);
  EXPECT_EQ(started->messages[0].link_token, "c0de");
  EXPECT_EQ(started->messages[0].button, "GET_STARTED");
  // A referral without a ref (an ad, the chat plugin) is not a personal link.
  const std::string ad =
      R"({"object":"page","entry":[{"id":"104729837461234","time":1,)"
      R"("messaging":[{"sender":{"id":"6543210987654321"},"recipient":{"id":)"
      R"("104729837461234"},"timestamp":1717430900000,"referral":{"source":"ADS",)"
      R"("type":"OPEN_THREAD","ad_id":"6045246247433"}}]}]})";
  auto from_ad = Parse(ad);
  ASSERT_TRUE(from_ad.ok()) << from_ad.status();
  EXPECT_TRUE(from_ad->messages.empty());
  EXPECT_THAT(from_ad->ignored, ElementsAre("referral"));
}

TEST(MessengerWebhooksTest, ATextIsItsTextFromTheSenderAtItsTime) {
  auto hook = Parse(kBody);
  ASSERT_TRUE(hook.ok()) << hook.status();
  const InboundMessage& m = hook->messages[0];
  EXPECT_EQ(m.from, "6543210987654321");
  EXPECT_EQ(m.text, "Ja, ich komme am Dienstag \xE2\x9C\x85");
  EXPECT_EQ(m.button, "");
  EXPECT_EQ(m.received_at_ms, 1717430400100) << "milliseconds already";
}

TEST(MessengerWebhooksTest, AQuickReplyIsTheTitleTappedAndItsPayload) {
  auto hook = Parse(kBody);
  ASSERT_TRUE(hook.ok()) << hook.status();
  const InboundMessage& m = hook->messages[1];
  EXPECT_EQ(m.text, "Termin best\xC3\xA4tigen");
  EXPECT_EQ(m.button, "appointment:confirm");
  EXPECT_EQ(m.received_at_ms, 1717430461000);
}

TEST(MessengerWebhooksTest, AttachmentsWithoutTextSayWhatTheyAre) {
  auto hook = Parse(kBody);
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_EQ(hook->messages[2].text, "[image] [image]");
  EXPECT_EQ(hook->messages[3].text, "[sticker]");
  EXPECT_EQ(hook->messages[2].button, "");

  EXPECT_EQ(
      TextOf(
          R"({"mid":"m_1","attachments":[{"type":"file","payload":{"url":"https://cdn.fbsbx.com/v/t59/Geburtsurkunde.pdf"}}]})"),
      "[file]");
  EXPECT_EQ(
      TextOf(
          R"({"mid":"m_1","attachments":[{"type":"audio","payload":{"url":"https://cdn.fbsbx.com/a.mp4"}}]})"),
      "[audio]");
  EXPECT_EQ(
      TextOf(
          R"({"mid":"m_1","attachments":[{"type":"video","payload":{"url":"https://video.xx.fbcdn.net/v.mp4"}}]})"),
      "[video]");
  EXPECT_EQ(
      TextOf(
          R"({"mid":"m_1","attachments":[{"type":"fallback","payload":null,"title":"Shared"}]})"),
      "[fallback]");
  // Text and attachment (a shared link): the text.
  EXPECT_EQ(
      TextOf(
          R"({"mid":"m_1","text":"https://example.org/termine",)"
          R"("attachments":[{"type":"fallback","payload":{"url":"https://example.org/termine"}}]})"),
      "https://example.org/termine");
}

TEST(MessengerWebhooksTest, APostbackIsItsTitleAndPayload) {
  auto hook = Parse(kBody);
  ASSERT_TRUE(hook.ok()) << hook.status();
  const InboundMessage& m = hook->messages[4];
  EXPECT_EQ(m.from, "7123456789012345");
  EXPECT_EQ(m.text, "Termin vereinbaren");
  EXPECT_EQ(m.button, "menu:appointment");
  EXPECT_EQ(m.provider_message_id, "m_PB1aBcDeFgHiJkLmNoPqRsTuVwXyZ");
  EXPECT_EQ(m.received_at_ms, 1717430701000);
}

TEST(MessengerWebhooksTest, APostbackWithoutMidGetsAnIdOfSenderAndTime) {
  const std::string body =
      OneEvent(R"("sender":{"id":"6543210987654321"},"recipient":{"id":"104729837461234"},)"
               R"("timestamp":1717430800000,"postback":{"title":"Get Started",)"
               R"("payload":"GET_STARTED"})");
  auto hook = Parse(body);
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->messages.size(), 1u);
  EXPECT_EQ(hook->messages[0].provider_message_id, "pb:6543210987654321:1717430800000");
  EXPECT_EQ(hook->messages[0].text, "Get Started");
  EXPECT_EQ(hook->messages[0].button, "GET_STARTED");
  // Meta's retry of the same body reads to the same id.
  EXPECT_EQ(Parse(body)->messages[0].provider_message_id, "pb:6543210987654321:1717430800000");
}

TEST(MessengerWebhooksTest, ReplyToIsNotTrusted) {
  auto hook = Parse(OneMessage(R"({"mid":"m_2","text":"Ja","reply_to":{"mid":"m_SENT1"}})"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->messages.size(), 1u);
  EXPECT_THAT(hook->messages[0].answers, IsEmpty());
}

TEST(MessengerWebhooksTest, EchoesReadsAndOtherEventsAreIgnoredByName) {
  auto hook = Parse(kBody);
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_THAT(hook->ignored, ElementsAre("echo", "reaction", "read", "standby"));
  for (const InboundMessage& m : hook->messages) {
    EXPECT_NE(m.provider_message_id, "m_ECHO1aBcDeFgHiJkLmNoPqRsTuVwXyZ");
    EXPECT_NE(m.provider_message_id, "m_STANDBY1");
  }
  auto empty = Parse(OneMessage(R"({"mid":"m_3"})"));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_THAT(empty->messages, IsEmpty());
  EXPECT_THAT(empty->ignored, ElementsAre("message:empty"));

  auto policy = Parse(OneEvent(
      R"("recipient":{"id":"104729837461234"},"timestamp":1717430900000,)"
      R"("policy_enforcement":{"action":"block","reason":"The bot violated our Platform Policies"})"));
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_THAT(policy->ignored, ElementsAre("policy_enforcement"));
}

TEST(MessengerWebhooksTest, EntriesOfAnotherPageAreKeptAsideOnce) {
  auto hook = Parse(kBody);
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_THAT(hook->foreign_page_ids, ElementsAre("118877665544332"));
  for (const InboundMessage& m : hook->messages) EXPECT_NE(m.text, "Hallo?");

  // Read for the other Page, the same body is that Page's.
  auto other = ParseMessengerWebhook(kBody, "messenger-vienna", "118877665544332");
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_EQ(other->messages.size(), 1u);
  EXPECT_EQ(other->messages[0].provider, "messenger-vienna");
  EXPECT_EQ(other->messages[0].from, "9988776655443322");
  EXPECT_EQ(other->messages[0].to, "118877665544332");
  EXPECT_EQ(other->messages[0].text, "Hallo?");
  EXPECT_THAT(other->foreign_page_ids, ElementsAre("104729837461234"));

  // An event in this Page's entry addressed to another Page is set aside too.
  auto stray =
      Parse(OneEvent(R"("sender":{"id":"6543210987654321"},"recipient":{"id":"118877665544332"},)"
                     R"("timestamp":1717430400100,"message":{"mid":"m_4","text":"Hallo?"})"));
  ASSERT_TRUE(stray.ok()) << stray.status();
  EXPECT_THAT(stray->messages, IsEmpty());
  EXPECT_THAT(stray->foreign_page_ids, ElementsAre("118877665544332"));
}

TEST(MessengerWebhooksTest, AnEmptyBodyOrEntryCarriesNothing) {
  auto empty = Parse(R"({"object":"page","entry":[]})");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_THAT(empty->messages, IsEmpty());
  EXPECT_THAT(empty->reports, IsEmpty());
  EXPECT_THAT(empty->ignored, IsEmpty());

  auto bare = Parse(R"({"object":"page","entry":[{"id":"104729837461234","time":1}]})");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_THAT(bare->messages, IsEmpty());
  EXPECT_THAT(bare->foreign_page_ids, IsEmpty());

  auto feed = Parse(R"({"object":"page","entry":[{"id":"104729837461234","time":1,)"
                    R"("changes":[{"field":"feed","value":{"item":"status"}}]}]})");
  ASSERT_TRUE(feed.ok()) << feed.status();
  EXPECT_THAT(feed->ignored, ElementsAre("changes"));
}

// --- Deliveries ---------------------------------------------------------------------------------

TEST(MessengerWebhooksTest, ADeliveryReportsEachMid) {
  auto hook = Parse(kBody);
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->reports.size(), 2u);
  EXPECT_EQ(hook->reports[0].provider_message_id, "m_SENT1aBcDeFgHiJkLmNoPqRsTuVwXyZ");
  EXPECT_EQ(hook->reports[1].provider_message_id, "m_SENT2aBcDeFgHiJkLmNoPqRsTuVwXyZ");
  for (const DeliveryReport& r : hook->reports) {
    EXPECT_EQ(r.provider, "messenger-berlin");
    EXPECT_EQ(r.state, State::kDelivered);
    EXPECT_EQ(r.to, "6543210987654321");
    EXPECT_EQ(r.message_id, "");
    EXPECT_EQ(r.code, "");
    EXPECT_FALSE(r.address_invalid);
    EXPECT_FALSE(r.opted_out);
  }
}

TEST(MessengerWebhooksTest, ADeliveryWithOnlyAWatermarkNamesNothing) {
  auto hook = Parse(OneEvent(R"("sender":{"id":"6543210987654321"},)"
                             R"("recipient":{"id":"104729837461234"},)"
                             R"("delivery":{"watermark":1717430698000})"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_THAT(hook->reports, IsEmpty());
  EXPECT_THAT(hook->ignored, ElementsAre("delivery:watermark"));
}

// --- Malformed ----------------------------------------------------------------------------------

TEST(MessengerWebhooksTest, MalformedBodiesNameThePathButNoValue) {
  EXPECT_EQ(ErrorOf("not json"), "body: expected a JSON object");
  EXPECT_EQ(ErrorOf("[]"), "body: expected a JSON object");
  EXPECT_EQ(ErrorOf(R"({"entry":[]})"), "object: missing");
  EXPECT_EQ(ErrorOf(R"({"object":"instagram","entry":[]})"), "object: expected \"page\"");
  EXPECT_EQ(ErrorOf(R"({"object":"page"})"), "entry: missing");
  EXPECT_EQ(ErrorOf(R"({"object":"page","entry":{}})"), "entry: expected an array");
  EXPECT_EQ(ErrorOf(R"({"object":"page","entry":[7]})"), "entry[0]: expected an object");
  EXPECT_EQ(ErrorOf(R"({"object":"page","entry":[{"time":1}]})"), "entry[0].id: missing");
  EXPECT_EQ(ErrorOf(R"({"object":"page","entry":[{"id":"104729837461234","messaging":{}}]})"),
            "entry[0].messaging: expected an array");
  EXPECT_EQ(ErrorOf(R"({"object":"page","entry":[{"id":"104729837461234","messaging":["x"]}]})"),
            "entry[0].messaging[0]: expected an object");

  EXPECT_EQ(ErrorOf(OneMessage(R"({"text":"Geheimnis 4711"})")),
            "entry[0].messaging[0].message.mid: missing");
  EXPECT_EQ(ErrorOf(OneMessage(R"({"mid":"","text":"Geheimnis 4711"})")),
            "entry[0].messaging[0].message.mid: expected a non-empty string");
  EXPECT_EQ(ErrorOf(OneMessage(R"({"mid":"m_1","text":4711})")),
            "entry[0].messaging[0].message.text: expected a string");
  EXPECT_EQ(ErrorOf(OneMessage(R"({"mid":"m_1","text":"Ja","quick_reply":"yes"})")),
            "entry[0].messaging[0].message.quick_reply: expected an object");
  EXPECT_EQ(ErrorOf(OneMessage(R"({"mid":"m_1","attachments":[{"payload":{}}]})")),
            "entry[0].messaging[0].message.attachments[0].type: missing");
  EXPECT_EQ(ErrorOf(OneEvent(R"("sender":{"id":"ana.souza"},"recipient":{"id":"104729837461234"},)"
                             R"("timestamp":1,"message":{"mid":"m_1","text":"Geheimnis 4711"})")),
            "entry[0].messaging[0].sender.id: expected an id of at most 32 digits");
  EXPECT_EQ(ErrorOf(OneEvent(R"("recipient":{"id":"104729837461234"},)"
                             R"("timestamp":1,"message":{"mid":"m_1","text":"Geheimnis 4711"})")),
            "entry[0].messaging[0].sender: missing");
  EXPECT_EQ(ErrorOf(OneEvent(R"("sender":{"id":"6543210987654321"},)"
                             R"("recipient":{"id":"104729837461234"},"timestamp":"1717430400",)"
                             R"("message":{"mid":"m_1","text":"Geheimnis 4711"})")),
            "entry[0].messaging[0].timestamp: expected milliseconds since 1970 as a whole number");
  EXPECT_EQ(ErrorOf(OneEvent(R"("sender":{"id":"6543210987654321"},)"
                             R"("recipient":{"id":"104729837461234"},"timestamp":-5,)"
                             R"("message":{"mid":"m_1","text":"Geheimnis 4711"})")),
            "entry[0].messaging[0].timestamp: expected milliseconds since 1970 as a whole number");
  EXPECT_EQ(ErrorOf(OneEvent(R"("sender":{"id":"6543210987654321"},)"
                             R"("recipient":{"id":"104729837461234"},"timestamp":1,)"
                             R"("postback":{"title":"Geheimnis 4711"})")),
            "entry[0].messaging[0].postback.payload: missing");
  EXPECT_EQ(ErrorOf(OneEvent(R"("sender":{"id":"6543210987654321"},)"
                             R"("recipient":{"id":"104729837461234"},)"
                             R"("delivery":{"mids":["m_1",7]})")),
            "entry[0].messaging[0].delivery.mids[1]: expected a non-empty string");

  // No message ever quotes what the person wrote.
  for (const char* body :
       {R"({"mid":"","text":"Geheimnis 4711"})",
        R"({"mid":"m_1","text":"Geheimnis 4711","quick_reply":{"payload":""}})"}) {
    EXPECT_THAT(ErrorOf(OneMessage(body)), Not(HasSubstr("Geheimnis")));
  }
}

TEST(MessengerWebhooksTest, DeepNestingIsRefusedBeforeParsing) {
  std::string deep = R"({"object":"page","entry":[{"id":"104729837461234","x":)";
  for (int i = 0; i < 5000; ++i) deep += "[";
  for (int i = 0; i < 5000; ++i) deep += "]";
  deep += "}]}";
  EXPECT_EQ(ErrorOf(deep), "body: expected JSON nested at most 32 levels deep");
}

}  // namespace
}  // namespace ogw
