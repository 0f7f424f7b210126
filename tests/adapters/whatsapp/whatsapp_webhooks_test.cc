// Webhook bodies of the WhatsApp Cloud API as Meta posts them
// (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components), read into
// messages and delivery reports of one account.

#include "adapters/whatsapp/whatsapp_webhooks.h"

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

constexpr char kProvider[] = "wa-berlin";
constexpr char kPhoneNumberId[] = "106540352242922";

// Two entries of the same business account: the first with a text and a reply-button answer in
// one change and media, a location, a contact card and a reaction in a second; the second
// entry with a change for another number of the app, an account_update, and a template's
// quick reply.
constexpr char kMessages[] = R"({
  "object": "whatsapp_business_account",
  "entry": [
    {
      "id": "102290129340398",
      "changes": [
        {
          "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Ana Souza"}, "wa_id": "4915112345678"}],
            "messages": [
              {
                "from": "4915112345678",
                "id": "wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjNFQjBDNzRGMjM1QjQxQjQ2RkU0RjkA",
                "timestamp": "1717430400",
                "text": {"body": "Ja, ich komme am Dienstag \u2705"},
                "type": "text"
              },
              {
                "context": {
                  "from": "15550783881",
                  "id": "wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjQxQjg2MUQ5QzNFRjBBNzFBQgA="
                },
                "from": "4915112345678",
                "id": "wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjNFQjBBMjg1MDE4NkI2MzY0QjI3QTcA",
                "timestamp": "1717430461",
                "type": "interactive",
                "interactive": {
                  "type": "button_reply",
                  "button_reply": {"id": "rsvp:yes", "title": "Ja, ich komme"}
                }
              }
            ]
          },
          "field": "messages"
        },
        {
          "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Jonas"}, "wa_id": "436641234567"}],
            "messages": [
              {
                "from": "436641234567",
                "id": "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0E4RjYxQzE2QTQ5MjBCODQ0RjMA",
                "timestamp": "1717430502",
                "type": "image",
                "image": {
                  "caption": "Meine Passseite",
                  "mime_type": "image/jpeg",
                  "sha256": "81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3",
                  "id": "2754859441498128"
                }
              },
              {
                "from": "436641234567",
                "id": "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0FDMDk1QjU0NzE2QjZGNkQ1QTIA",
                "timestamp": "1717430503",
                "type": "image",
                "image": {
                  "mime_type": "image/jpeg",
                  "sha256": "0b5b3e7d1f0c3c5a2d4b6f8e9a1c3e5f7a9b1d3f5e7c9a1b3d5f7e9a1c3b5d7f",
                  "id": "1503829157214387"
                }
              },
              {
                "from": "436641234567",
                "id": "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0E1NTQ0RjI4QzZERjZBMUE3RjQA",
                "timestamp": "1717430530",
                "type": "document",
                "document": {
                  "filename": "Geburtsurkunde.pdf",
                  "mime_type": "application/pdf",
                  "sha256": "c1f3e5a7b9d1f3e5a7c9b1d3f5e7a9c1b3d5f7e9a1c3e5b7d9f1a3c5e7b9d1f3",
                  "id": "990312457725146"
                }
              },
              {
                "from": "436641234567",
                "id": "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0FCNzE5QjA3NjA0RDZBRjQ4NzYA",
                "timestamp": "1717430590",
                "type": "location",
                "location": {
                  "address": "Pariser Platz, 10117 Berlin",
                  "latitude": 52.516275,
                  "longitude": 13.377704,
                  "name": "Brandenburger Tor",
                  "url": "https://foursquare.com/v/4adcda09f964a520da3421e3"
                }
              },
              {
                "from": "436641234567",
                "id": "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0EyOTU3QTg0NTdFQjI1RjE0NDAA",
                "timestamp": "1717430600",
                "type": "reaction",
                "reaction": {
                  "message_id": "wamid.HBgMNDM2NjQxMjM0NTY3FQIAERgSNUYzRTc4QjE2NjNCOEUwMDRCAA==",
                  "emoji": "\uD83D\uDC4D"
                }
              },
              {
                "from": "436641234567",
                "id": "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0E0QjE0RTg1NzNGNDg5QzkxNjgA",
                "timestamp": "1717430644",
                "type": "contacts",
                "contacts": [{"name": {"formatted_name": "Konsulat Wien", "first_name": "Konsulat"},
                              "phones": [{"phone": "+43 1 5123456", "type": "WORK"}]}]
              }
            ]
          },
          "field": "messages"
        }
      ]
    },
    {
      "id": "102290129340398",
      "changes": [
        {
          "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": "109876543210987"},
            "contacts": [{"profile": {"name": "Lena"}, "wa_id": "4917612345678"}],
            "messages": [{
              "from": "4917612345678",
              "id": "wamid.HBgNNDkxNzYxMjM0NTY3OBUCABIYFjNFQjA1OUE0MDk2QjIzNjQ1MDhCRDAA",
              "timestamp": "1717430700",
              "text": {"body": "Hallo?"},
              "type": "text"
            }]
          },
          "field": "messages"
        },
        {
          "value": {
            "phone_number": "15550783881",
            "event": "VERIFIED_ACCOUNT"
          },
          "field": "account_update"
        },
        {
          "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Mehmet"}, "wa_id": "905321234567"}],
            "messages": [{
              "context": {
                "from": "15550783881",
                "id": "wamid.HBgMOTA1MzIxMjM0NTY3FQIAERgSQjI0RkI2QjE5NjlDNzE4NkU2AA=="
              },
              "from": "905321234567",
              "id": "wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhgWM0VCMEM3MDk5RTEyQkMyRDMwMjE5NAA=",
              "timestamp": "1717430800",
              "type": "button",
              "button": {"payload": "appointment:confirm", "text": "Termin best\u00e4tigen"}
            }]
          },
          "field": "messages"
        }
      ]
    }
  ]
})";

// Reports on four messages the gateway sent: each state, and failures with Meta's errors.
constexpr char kStatuses[] = R"({
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [
      {
        "value": {
          "messaging_product": "whatsapp",
          "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
          "statuses": [
            {
              "id": "wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjQxQjg2MUQ5QzNFRjBBNzFBQgA=",
              "status": "sent",
              "timestamp": "1717430300",
              "recipient_id": "4915112345678",
              "biz_opaque_callback_data": "cmp_01JD3:17",
              "conversation": {
                "id": "a75d17ad06104c51166f948319b03c6a",
                "expiration_timestamp": "1717516740",
                "origin": {"type": "utility"}
              },
              "pricing": {"billable": true, "pricing_model": "PMP", "category": "utility",
                          "type": "regular"}
            },
            {
              "id": "wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjQxQjg2MUQ5QzNFRjBBNzFBQgA=",
              "status": "delivered",
              "timestamp": "1717430302",
              "recipient_id": "4915112345678",
              "pricing": {"billable": true, "pricing_model": "PMP", "category": "utility",
                          "type": "regular"}
            }
          ]
        },
        "field": "messages"
      },
      {
        "value": {
          "messaging_product": "whatsapp",
          "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
          "statuses": [
            {
              "id": "wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjQxQjg2MUQ5QzNFRjBBNzFBQgA=",
              "status": "read",
              "timestamp": "1717430455",
              "recipient_id": "4915112345678"
            },
            {
              "id": "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSMzdDOUE5MTg1OEY1NUM5RDYzAA==",
              "status": "failed",
              "timestamp": "1717430310",
              "recipient_id": "447700900123",
              "errors": [{
                "code": 131026,
                "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "Message Undeliverable."},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
              }]
            },
            {
              "id": "wamid.HBgNMzM2MTIzNDU2Nzg5FQIAERgSMEU2QzE1N0I0MkM5NjdGMEIzAA==",
              "status": "failed",
              "timestamp": "1717430311",
              "recipient_id": "33612345678",
              "errors": [{
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
              }]
            },
            {
              "id": "wamid.HBgMNTUxMTk4NzY1NDMyFQIAERgSNzdGN0RBMDMxNUE3RDU4QkI5AA==",
              "status": "failed",
              "timestamp": "1717430312",
              "recipient_id": "5511987654321",
              "errors": [{
                "code": 131050,
                "title": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
                "message": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
                "error_data": {"details": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
              }]
            }
          ]
        },
        "field": "messages"
      }
    ]
  }]
})";

// One change for the account carrying `value_members` (JSON members after "metadata").
std::string OneChange(std::string_view value_members) {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[)"
         R"({"field":"messages","value":{"messaging_product":"whatsapp","metadata":)"
         R"({"display_phone_number":"15550783881","phone_number_id":"106540352242922"},)" +
         std::string(value_members) + "}}]}]}";
}

// One message of the account: `message_members` are its members besides "from", "id" and
// "timestamp".
std::string OneMessage(std::string_view message_members) {
  return OneChange(R"("contacts":[{"profile":{"name":"Ana"},"wa_id":"4915112345678"}],)"
                   R"("messages":[{"from":"4915112345678","id":"wamid.TEST1",)"
                   R"("timestamp":"1717430400",)" +
                   std::string(message_members) + "}]");
}

// One failed status with `error` as its errors[0].
std::string OneFailure(std::string_view error) {
  return OneChange(R"("statuses":[{"id":"wamid.SENT1","status":"failed","timestamp":"1717430310",)"
                   R"("recipient_id":"4915112345678","errors":[)" +
                   std::string(error) + "]}]");
}

// `body` with the first `from` replaced by `to`.
std::string Replace(std::string body, std::string_view from, std::string_view to) {
  const size_t at = body.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) body.replace(at, from.size(), to);
  return body;
}

absl::StatusOr<WhatsAppWebhook> Parse(std::string_view body) {
  return ParseWhatsAppWebhook(body, kProvider, kPhoneNumberId);
}

// The text of the one message with `message_members` (see OneMessage).
std::string TextOf(std::string_view message_members) {
  auto hook = Parse(OneMessage(message_members));
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

TEST(WhatsAppWebhooksTest, EveryMessageOfTheAccountIsReadInOrder) {
  auto hook = Parse(kMessages);
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->messages.size(), 8u);
  std::vector<std::string> ids;
  for (const InboundMessage& m : hook->messages) {
    ids.push_back(m.provider_message_id);
    EXPECT_EQ(m.provider, "wa-berlin");
    EXPECT_EQ(m.channel, Channel::kWhatsApp);
    EXPECT_EQ(m.to, "+15550783881");
    EXPECT_THAT(m.answers, IsEmpty());
    EXPECT_THAT(m.references, IsEmpty());
    EXPECT_FALSE(m.auto_reply);
    EXPECT_FALSE(m.simulated);
  }
  EXPECT_THAT(ids,
              ElementsAre("wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjNFQjBDNzRGMjM1QjQxQjQ2RkU0RjkA",
                          "wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjNFQjBBMjg1MDE4NkI2MzY0QjI3QTcA",
                          "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0E4RjYxQzE2QTQ5MjBCODQ0RjMA",
                          "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0FDMDk1QjU0NzE2QjZGNkQ1QTIA",
                          "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0E1NTQ0RjI4QzZERjZBMUE3RjQA",
                          "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0FCNzE5QjA3NjA0RDZBRjQ4NzYA",
                          "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0E0QjE0RTg1NzNGNDg5QzkxNjgA",
                          "wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhgWM0VCMEM3MDk5RTEyQkMyRDMwMjE5NAA="));
  ids.clear();
  for (const InboundMessage& m : hook->messages) ids.push_back(m.from);
  EXPECT_THAT(ids, ElementsAre("+4915112345678", "+4915112345678", "+436641234567", "+436641234567",
                               "+436641234567", "+436641234567", "+436641234567", "+905321234567"));
  // Neither the reaction nor the other number's text is among them.
  EXPECT_THAT(hook->reports, IsEmpty());
}

TEST(WhatsAppWebhooksTest, ATextIsItsBodyFromTheSenderAtItsTime) {
  auto hook = Parse(kMessages);
  ASSERT_TRUE(hook.ok()) << hook.status();
  const InboundMessage& m = hook->messages[0];
  EXPECT_EQ(m.from, "+4915112345678");
  EXPECT_EQ(m.to, "+15550783881");
  EXPECT_EQ(m.text, "Ja, ich komme am Dienstag \xE2\x9C\x85");
  EXPECT_EQ(m.button, "");
  EXPECT_EQ(m.received_at_ms, 1717430400000);
  EXPECT_EQ(m.subject, "");
}

TEST(WhatsAppWebhooksTest, AReplyButtonIsItsTitleAndIdWithoutTrustingTheContext) {
  auto hook = Parse(kMessages);
  ASSERT_TRUE(hook.ok()) << hook.status();
  const InboundMessage& m = hook->messages[1];
  EXPECT_EQ(m.text, "Ja, ich komme");
  EXPECT_EQ(m.button, "rsvp:yes");
  EXPECT_EQ(m.received_at_ms, 1717430461000);
  // context.id is WhatsApp's id of the message answered: nothing the parser can verify.
  EXPECT_THAT(m.answers, IsEmpty());
}

TEST(WhatsAppWebhooksTest, AListReplyIsItsRowTitleAndId) {
  auto hook = Parse(
      OneMessage(R"("context":{"from":"15550783881","id":"wamid.LIST1"},"type":"interactive",)"
                 R"("interactive":{"type":"list_reply","list_reply":{"id":"slot:2024-06-11T09:30",)"
                 R"("title":"Di 11.6. 09:30","description":"Passamt, Schalter 3"}})"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->messages.size(), 1u);
  EXPECT_EQ(hook->messages[0].text, "Di 11.6. 09:30");
  EXPECT_EQ(hook->messages[0].button, "slot:2024-06-11T09:30");
}

TEST(WhatsAppWebhooksTest, ATemplateQuickReplyIsItsTextAndPayload) {
  auto hook = Parse(kMessages);
  ASSERT_TRUE(hook.ok()) << hook.status();
  const InboundMessage& m = hook->messages.back();
  EXPECT_EQ(m.provider_message_id,
            "wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhgWM0VCMEM3MDk5RTEyQkMyRDMwMjE5NAA=");
  EXPECT_EQ(m.from, "+905321234567");
  EXPECT_EQ(m.text, "Termin best\xC3\xA4tigen");
  EXPECT_EQ(m.button, "appointment:confirm");
  EXPECT_EQ(m.received_at_ms, 1717430800000);
  EXPECT_THAT(m.answers, IsEmpty());
}

TEST(WhatsAppWebhooksTest, MediaIsItsCaptionOrSaysWhatItIs) {
  auto hook = Parse(kMessages);
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_EQ(hook->messages[2].text, "Meine Passseite");
  EXPECT_EQ(hook->messages[2].received_at_ms, 1717430502000);
  EXPECT_EQ(hook->messages[3].text, "[image]");
  EXPECT_EQ(hook->messages[4].text, "[document: Geburtsurkunde.pdf]");
  for (size_t i = 2; i <= 4; ++i) EXPECT_EQ(hook->messages[i].button, "") << i;

  EXPECT_EQ(
      TextOf(R"("type":"document","document":{"caption":"Scan vom Amt",)"
             R"("filename":"scan.pdf","mime_type":"application/pdf","sha256":"ab","id":"1"})"),
      "Scan vom Amt");
  EXPECT_EQ(TextOf(R"("type":"document","document":{"mime_type":"application/pdf","id":"1"})"),
            "[document]");
  EXPECT_EQ(TextOf(R"("type":"video","video":{"mime_type":"video/mp4","sha256":"ab","id":"2"})"),
            "[video]");
  EXPECT_EQ(TextOf(R"("type":"video","video":{"caption":"So sieht es aus",)"
                   R"("mime_type":"video/mp4","id":"2"})"),
            "So sieht es aus");
  EXPECT_EQ(TextOf(R"("type":"audio","audio":{"mime_type":"audio/ogg; codecs=opus",)"
                   R"("sha256":"ab","id":"3","voice":true})"),
            "[audio]");
  EXPECT_EQ(TextOf(R"("type":"sticker","sticker":{"mime_type":"image/webp","sha256":"ab",)"
                   R"("id":"4","animated":false})"),
            "[sticker]");
}

TEST(WhatsAppWebhooksTest, ALocationIsItsCoordinatesWithNameAndAddress) {
  auto hook = Parse(kMessages);
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_EQ(hook->messages[5].text,
            "[location: 52.516275,13.377704; Brandenburger Tor; Pariser Platz, 10117 Berlin]");
  EXPECT_EQ(
      TextOf(R"("type":"location","location":{"latitude":-33.856784,"longitude":151.215297})"),
      "[location: -33.856784,151.215297]");
  EXPECT_EQ(TextOf(R"("type":"location","location":{"latitude":48.2,"longitude":16,)"
                   R"("address":"Stephansplatz 1, 1010 Wien"})"),
            "[location: 48.2,16; Stephansplatz 1, 1010 Wien]");
}

TEST(WhatsAppWebhooksTest, AContactCardIsNamedNotCopied) {
  auto hook = Parse(kMessages);
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_EQ(hook->messages[6].text, "[contact card]");
  EXPECT_EQ(hook->messages[6].provider_message_id,
            "wamid.HBgMNDM2NjQxMjM0NTY3FQIAEhgUM0E0QjE0RTg1NzNGNDg5QzkxNjgA");
}

TEST(WhatsAppWebhooksTest, ReactionsAndOtherTypesAreIgnoredByName) {
  auto hook = Parse(kMessages);
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_THAT(hook->ignored, ElementsAre("reaction", "field:account_update"));

  auto others = Parse(OneChange(
      R"("messages":[)"
      R"({"from":"4915112345678","id":"wamid.S1","timestamp":"1717430400","type":"system",)"
      R"("system":{"body":"User A changed from 4915112345678 to 4915112345679",)"
      R"("wa_id":"4915112345679","type":"user_changed_number"}},)"
      R"({"from":"4915112345678","id":"wamid.U1","timestamp":"1717430401","type":"unsupported",)"
      R"("errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown",)"
      R"("error_data":{"details":"Message type is currently not supported."}}]},)"
      R"({"from":"4915112345678","id":"wamid.F1","timestamp":"1717430402","type":"interactive",)"
      R"("interactive":{"type":"nfm_reply","nfm_reply":{"response_json":"{}","body":"Sent",)"
      R"("name":"flow"}}},)"
      R"({"from":"4915112345678","id":"wamid.O1","timestamp":"1717430403","type":"order",)"
      R"("order":{"catalog_id":"1","product_items":[]}},)"
      R"({"id":"wamid.R1","timestamp":"1717430404","type":"reaction",)"
      R"("reaction":{"message_id":"wamid.X","emoji":""}}])"));
  ASSERT_TRUE(others.ok()) << others.status();
  EXPECT_THAT(others->messages, IsEmpty());
  EXPECT_THAT(others->ignored,
              ElementsAre("system", "unsupported", "interactive:nfm_reply", "order", "reaction"));
}

TEST(WhatsAppWebhooksTest, ChangesForAnotherNumberAreKeptAsideOnce) {
  auto hook = Parse(kMessages);
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_THAT(hook->foreign_phone_number_ids, ElementsAre("109876543210987"));
  for (const InboundMessage& m : hook->messages) {
    EXPECT_NE(m.from, "+4917612345678");
    EXPECT_NE(m.text, "Hallo?");
  }

  // Read for the other number, the same body is that number's.
  auto other = ParseWhatsAppWebhook(kMessages, "wa-vienna", "109876543210987");
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_EQ(other->messages.size(), 1u);
  EXPECT_EQ(other->messages[0].provider, "wa-vienna");
  EXPECT_EQ(other->messages[0].from, "+4917612345678");
  EXPECT_EQ(other->messages[0].to, "+15550001111");
  EXPECT_EQ(other->messages[0].text, "Hallo?");
  EXPECT_THAT(other->foreign_phone_number_ids, ElementsAre("106540352242922"));
}

TEST(WhatsAppWebhooksTest, AnEmptyBodyOrChangeCarriesNothing) {
  auto empty = Parse(R"({"object":"whatsapp_business_account","entry":[]})");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_THAT(empty->messages, IsEmpty());
  EXPECT_THAT(empty->reports, IsEmpty());
  EXPECT_THAT(empty->ignored, IsEmpty());

  auto bare = Parse(OneChange(R"("contacts":[])"));
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_THAT(bare->messages, IsEmpty());
  EXPECT_THAT(bare->foreign_phone_number_ids, IsEmpty());
}

TEST(WhatsAppWebhooksTest, ErrorsOfTheNumberItselfAreNoted) {
  auto hook = Parse(OneChange(
      R"("errors":[{"code":130429,"title":"Rate limit hit","message":"Rate limit hit",)"
      R"("error_data":{"details":"Message failed to send because there were too many messages )"
      R"(sent from this phone number in a short period of time"},)"
      R"("href":"/documentation/business-messaging/whatsapp/support/error-codes"}])"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_THAT(hook->messages, IsEmpty());
  EXPECT_THAT(hook->reports, IsEmpty());
  EXPECT_THAT(hook->ignored, ElementsAre("error:130429"));
}

// --- Statuses -----------------------------------------------------------------------------------

TEST(WhatsAppWebhooksTest, StatusesBecomeReportsInOrder) {
  auto hook = Parse(kStatuses);
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_THAT(hook->messages, IsEmpty());
  EXPECT_THAT(hook->ignored, IsEmpty());
  ASSERT_EQ(hook->reports.size(), 6u);
  for (size_t i = 0; i < hook->reports.size(); ++i) {
    EXPECT_EQ(hook->reports[i].provider, "wa-berlin");
    // The gateway's id where WhatsApp echoes it (biz_opaque_callback_data).
    EXPECT_EQ(hook->reports[i].message_id, i == 0 ? "cmp_01JD3:17" : "") << i;
  }

  const DeliveryReport& sent = hook->reports[0];
  EXPECT_EQ(sent.provider_message_id,
            "wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjQxQjg2MUQ5QzNFRjBBNzFBQgA=");
  EXPECT_EQ(sent.to, "+4915112345678");
  EXPECT_EQ(sent.state, State::kSent);
  EXPECT_EQ(sent.code, "");
  EXPECT_FALSE(sent.address_invalid);
  EXPECT_FALSE(sent.opted_out);

  const DeliveryReport& delivered = hook->reports[1];
  EXPECT_EQ(delivered.provider_message_id, sent.provider_message_id);
  EXPECT_EQ(delivered.state, State::kDelivered);
  EXPECT_EQ(delivered.code, "");

  const DeliveryReport& read = hook->reports[2];
  EXPECT_EQ(read.provider_message_id, sent.provider_message_id);
  EXPECT_EQ(read.to, "+4915112345678");
  EXPECT_EQ(read.state, State::kDelivered);
  EXPECT_EQ(read.code, "read");
  EXPECT_EQ(read.reason, "");
}

TEST(WhatsAppWebhooksTest, FailuresCarryMetasCodeAndDetails) {
  auto hook = Parse(kStatuses);
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->reports.size(), 6u);

  const DeliveryReport& not_on_whatsapp = hook->reports[3];
  EXPECT_EQ(not_on_whatsapp.provider_message_id,
            "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSMzdDOUE5MTg1OEY1NUM5RDYzAA==");
  EXPECT_EQ(not_on_whatsapp.to, "+447700900123");
  EXPECT_EQ(not_on_whatsapp.state, State::kFailed);
  EXPECT_EQ(not_on_whatsapp.code, "whatsapp_131026");
  EXPECT_EQ(not_on_whatsapp.reason, "Message Undeliverable.");
  EXPECT_TRUE(not_on_whatsapp.address_invalid);
  EXPECT_FALSE(not_on_whatsapp.opted_out);

  const DeliveryReport& window_closed = hook->reports[4];
  EXPECT_EQ(window_closed.to, "+33612345678");
  EXPECT_EQ(window_closed.state, State::kFailed);
  EXPECT_EQ(window_closed.code, "whatsapp_131047");
  EXPECT_EQ(window_closed.reason,
            "Message failed to send because more than 24 hours have passed since the customer "
            "last replied to this number.");
  EXPECT_FALSE(window_closed.address_invalid);
  EXPECT_FALSE(window_closed.opted_out);

  const DeliveryReport& stopped_marketing = hook->reports[5];
  EXPECT_EQ(stopped_marketing.to, "+5511987654321");
  EXPECT_EQ(stopped_marketing.state, State::kFailed);
  EXPECT_EQ(stopped_marketing.code, "whatsapp_131050");
  EXPECT_THAT(stopped_marketing.reason, HasSubstr("stop receiving marketing messages"));
  EXPECT_TRUE(stopped_marketing.opted_out);
  EXPECT_FALSE(stopped_marketing.address_invalid);
}

TEST(WhatsAppWebhooksTest, AFailureReasonFallsBackToMessageThenTitleAndIsCut) {
  auto hook = Parse(OneFailure(R"({"code":131049,"title":"Ecosystem engagement",)"
                               R"("message":"This message was not delivered to maintain healthy )"
                               R"(ecosystem engagement."})"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->reports.size(), 1u);
  EXPECT_EQ(hook->reports[0].code, "whatsapp_131049");
  EXPECT_EQ(hook->reports[0].reason,
            "This message was not delivered to maintain healthy ecosystem engagement.");
  EXPECT_EQ(hook->reports[0].provider_message_id, "wamid.SENT1");

  hook = Parse(OneFailure(R"({"code":131000,"title":"Something went wrong",)"
                          R"("error_data":{"details":""}})"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_EQ(hook->reports[0].reason, "Something went wrong");
  EXPECT_EQ(hook->reports[0].code, "whatsapp_131000");

  // 101 two-byte characters (202 bytes): cut to 200 bytes, between characters.
  std::string long_details;
  for (int i = 0; i < 101; ++i) long_details += "\xC3\xA4";
  hook = Parse(OneFailure(R"({"code":131000,"title":"x","error_data":{"details":")" + long_details +
                          R"("}})"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_EQ(hook->reports[0].reason, long_details.substr(0, 200));
  std::string odd = "a" + long_details;  // 203 bytes: the cut falls inside a character.
  hook = Parse(OneFailure(R"({"code":131000,"error_data":{"details":")" + odd + R"("}})"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_EQ(hook->reports[0].reason, odd.substr(0, 199));

  // A code written as a string (as in Meta's group examples) reads the same.
  hook = Parse(OneFailure(R"({"code":"131026","title":"Message undeliverable"})"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_EQ(hook->reports[0].code, "whatsapp_131026");
  EXPECT_TRUE(hook->reports[0].address_invalid);

  // Failed without errors: still failed, without a cause.
  hook = Parse(OneChange(R"("statuses":[{"id":"wamid.SENT2","status":"failed",)"
                         R"("timestamp":"1717430310","recipient_id":"4915112345678"}])"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->reports.size(), 1u);
  EXPECT_EQ(hook->reports[0].state, State::kFailed);
  EXPECT_EQ(hook->reports[0].code, "");
  EXPECT_FALSE(hook->reports[0].address_invalid);
}

TEST(WhatsAppWebhooksTest, ARecipientThatIsNoNumberLeavesToEmpty) {
  // A group's id, a business-scoped user id (usernames), or none: the report still counts.
  auto hook = Parse(
      OneChange(R"("statuses":[{"id":"wamid.G1","status":"delivered","timestamp":"1717430310",)"
                R"("recipient_id":"Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD",)"
                R"("recipient_type":"group"},)"
                R"({"id":"wamid.B1","status":"read","timestamp":"1717430311",)"
                R"("recipient_id":"US.13491208655302741918"},)"
                R"({"id":"wamid.N1","status":"sent","timestamp":"1717430312"}])"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->reports.size(), 3u);
  EXPECT_EQ(hook->reports[0].provider_message_id, "wamid.G1");
  EXPECT_EQ(hook->reports[0].state, State::kDelivered);
  EXPECT_EQ(hook->reports[0].to, "");
  EXPECT_EQ(hook->reports[1].provider_message_id, "wamid.B1");
  EXPECT_EQ(hook->reports[1].code, "read");
  EXPECT_EQ(hook->reports[1].to, "");
  EXPECT_EQ(hook->reports[2].provider_message_id, "wamid.N1");
  EXPECT_EQ(hook->reports[2].state, State::kSent);
  EXPECT_EQ(hook->reports[2].to, "");
}

TEST(WhatsAppWebhooksTest, DeletedAndWarningStatusesAreIgnored) {
  auto hook =
      Parse(OneChange(R"("statuses":[{"id":"wamid.D1","status":"deleted","timestamp":"1717430310",)"
                      R"("recipient_id":"4915112345678"},{"id":"wamid.W1","status":"warning",)"
                      R"("timestamp":"1717430311","recipient_id":"4915112345678"}])"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_THAT(hook->reports, IsEmpty());
  EXPECT_THAT(hook->ignored, ElementsAre("status:deleted", "status:warning"));
}

// --- Malformed bodies ---------------------------------------------------------------------------

TEST(WhatsAppWebhooksTest, BodiesThatAreNotAWhatsAppWebhookAreRefused) {
  EXPECT_EQ(ErrorOf(""), "body: expected a JSON object");
  EXPECT_EQ(ErrorOf("<html><body>502 Bad Gateway</body></html>"), "body: expected a JSON object");
  EXPECT_EQ(ErrorOf(R"({"object":"whatsapp_business_account","entry":[)"),
            "body: expected a JSON object");
  EXPECT_EQ(ErrorOf("[1,2,3]"), "body: expected a JSON object");
  EXPECT_EQ(ErrorOf(R"({"entry":[]})"), "object: missing");
  EXPECT_EQ(ErrorOf(R"({"object":"page","entry":[{"id":"1","time":1,"messaging":[]}]})"),
            "object: expected \"whatsapp_business_account\"");
  EXPECT_EQ(ErrorOf(R"({"object":"instagram","entry":[]})"),
            "object: expected \"whatsapp_business_account\"");
  EXPECT_EQ(ErrorOf(R"({"object":"whatsapp_business_account"})"), "entry: missing");
  EXPECT_EQ(ErrorOf(R"({"object":"whatsapp_business_account","entry":{}})"),
            "entry: expected an array");
  EXPECT_EQ(ErrorOf(R"({"object":"whatsapp_business_account","entry":[{"id":"1"}]})"),
            "entry[0].changes: missing");
}

TEST(WhatsAppWebhooksTest, DeeplyNestedJsonIsRefusedBeforeParsing) {
  const std::string deep = R"({"object":"whatsapp_business_account","entry":)" +
                           std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(ErrorOf(deep), "body: expected JSON nested at most 32 levels deep");
  // Unbalanced: never closed either.
  EXPECT_EQ(ErrorOf(std::string(500000, '{')), "body: expected JSON nested at most 32 levels deep");
}

TEST(WhatsAppWebhooksTest, MissingOrMistypedFieldsAreNamedByPath) {
  const std::string text = OneMessage(R"("type":"text","text":{"body":"hi"})");
  ASSERT_EQ(ErrorOf(text), "ok");
  const std::pair<std::string, std::string> cases[] = {
      {Replace(text, R"("from":"4915112345678",)", ""),
       "entry[0].changes[0].value.messages[0].from: missing"},
      {Replace(text, R"("from":"4915112345678")", R"("from":4915112345678)"),
       "entry[0].changes[0].value.messages[0].from: expected a string"},
      {Replace(text, R"("timestamp":"1717430400")", R"("timestamp":1717430400)"),
       "entry[0].changes[0].value.messages[0].timestamp: expected a string"},
      {Replace(text, R"("timestamp":"1717430400")", R"("timestamp":"17174304O0")"),
       "entry[0].changes[0].value.messages[0].timestamp: expected seconds since 1970 as a "
       "decimal string"},
      {Replace(text, R"("timestamp":"1717430400")", R"("timestamp":"-1")"),
       "entry[0].changes[0].value.messages[0].timestamp: expected seconds since 1970 as a "
       "decimal string"},
      {Replace(text, R"("timestamp":"1717430400")", R"("timestamp":"")"),
       "entry[0].changes[0].value.messages[0].timestamp: expected seconds since 1970 as a "
       "decimal string"},
      {Replace(text, R"("timestamp":"1717430400")", R"("timestamp":"99999999999999999999")"),
       "entry[0].changes[0].value.messages[0].timestamp: expected seconds since 1970 as a "
       "decimal string"},
      {Replace(text, R"("id":"wamid.TEST1",)", ""),
       "entry[0].changes[0].value.messages[0].id: missing"},
      {OneMessage(R"("text":{"body":"hi"})"),
       "entry[0].changes[0].value.messages[0].type: missing"},
      {OneMessage(R"("type":"text")"), "entry[0].changes[0].value.messages[0].text: missing"},
      {OneMessage(R"("type":"text","text":{"body":7})"),
       "entry[0].changes[0].value.messages[0].text.body: expected a string"},
      {OneMessage(R"("type":"interactive","interactive":{"type":"button_reply",)"
                  R"("button_reply":{"title":"Ja"}})"),
       "entry[0].changes[0].value.messages[0].interactive.button_reply.id: missing"},
      {OneMessage(R"("type":"button","button":{"text":"Ja"})"),
       "entry[0].changes[0].value.messages[0].button.payload: missing"},
      {OneMessage(R"("type":"image","image":{"caption":["x"],"id":"1"})"),
       "entry[0].changes[0].value.messages[0].image.caption: expected a string"},
      {OneMessage(R"("type":"location","location":{"latitude":"52.5","longitude":13.4})"),
       "entry[0].changes[0].value.messages[0].location.latitude: expected a number"},
      {OneChange(R"("messages":{})"), "entry[0].changes[0].value.messages: expected an array"},
      {OneChange(R"("messages":["text"])"),
       "entry[0].changes[0].value.messages[0]: expected an object"},
      {OneChange(R"("statuses":[{"id":"wamid.1","status":"sent","recipient_id":4915112345678}])"),
       "entry[0].changes[0].value.statuses[0].recipient_id: expected a string"},
      {OneChange(R"("statuses":[{"status":"delivered","recipient_id":"4915112345678"}])"),
       "entry[0].changes[0].value.statuses[0].id: missing"},
      {OneFailure(R"({"code":1.5,"title":"x"})"),
       "entry[0].changes[0].value.statuses[0].errors[0].code: expected an integer"},
      {OneFailure(R"("oops")"),
       "entry[0].changes[0].value.statuses[0].errors[0]: expected an object"},
      {R"({"object":"whatsapp_business_account","entry":[{"changes":[{"value":{}}]}]})",
       "entry[0].changes[0].field: missing"},
      {R"({"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages",)"
       R"("value":{"messaging_product":"whatsapp"}}]}]})",
       "entry[0].changes[0].value.metadata: missing"},
      {R"({"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages",)"
       R"("value":{"metadata":{"display_phone_number":"15550783881","phone_number_id":)"
       R"(106540352242922}}}]}]})",
       "entry[0].changes[0].value.metadata.phone_number_id: expected a string"},
      {R"({"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages",)"
       R"("value":{"metadata":{"phone_number_id":"106540352242922"}}}]}]})",
       "entry[0].changes[0].value.metadata.display_phone_number: missing"},
  };
  for (const auto& [body, error] : cases) EXPECT_EQ(ErrorOf(body), error) << body;
}

TEST(WhatsAppWebhooksTest, OneBadItemFailsTheWholeBodyAtItsPath) {
  // The second change's first message lacks its sender; the good first change is not kept.
  EXPECT_EQ(ErrorOf(Replace(kMessages, R"("from": "436641234567",)", "")),
            "entry[0].changes[1].value.messages[0].from: missing");
  // The same in the second entry's third change.
  EXPECT_EQ(ErrorOf(Replace(kMessages, R"("timestamp": "1717430800")", R"("timestamp": true)")),
            "entry[1].changes[2].value.messages[0].timestamp: expected a string");
}

TEST(WhatsAppWebhooksTest, ErrorsNeverQuoteWhatThePersonSent) {
  const std::string secret_sender = "US.13491208655302741918";
  const std::string body = OneChange(
      R"("messages":[{"from":")" + secret_sender +
      R"(","id":"wamid.1","timestamp":"1717430400","type":"text","text":{"body":"Mein Pass )"
      R"(Nr. C01X00T47"}}])");
  const std::string error = ErrorOf(body);
  EXPECT_EQ(error, "entry[0].changes[0].value.messages[0].from: expected a phone number of digits");
  EXPECT_THAT(error, Not(HasSubstr(secret_sender)));
  EXPECT_THAT(error, Not(HasSubstr("C01X00T47")));

  const std::string stamp = ErrorOf(
      Replace(OneMessage(R"("type":"text","text":{"body":"x"})"), "1717430400", "Tuesday 10:00"));
  EXPECT_THAT(stamp, HasSubstr("messages[0].timestamp"));
  EXPECT_THAT(stamp, Not(HasSubstr("Tuesday")));

  const std::string type = ErrorOf(OneMessage(R"("type":"text","text":"Hallo Konsulat")"));
  EXPECT_EQ(type, "entry[0].changes[0].value.messages[0].text: expected an object");
  EXPECT_THAT(type, Not(HasSubstr("Konsulat")));
}

TEST(WhatsAppWebhooksTest, SendersWithAPlusAreNotDoubled) {
  auto hook = Parse(
      OneChange(R"("messages":[{"from":"+4915112345678","id":"wamid.P1","timestamp":"1717430400",)"
                R"("type":"text","text":{"body":"hi"}}])"));
  ASSERT_TRUE(hook.ok()) << hook.status();
  ASSERT_EQ(hook->messages.size(), 1u);
  EXPECT_EQ(hook->messages[0].from, "+4915112345678");
}

}  // namespace
}  // namespace ogw
