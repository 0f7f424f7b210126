#pragma once

// Reading what the Messenger Platform POSTs to the webhook
// (https://developers.facebook.com/docs/messenger-platform/webhooks and its event reference,
// https://developers.facebook.com/docs/messenger-platform/reference/webhook-events), as pure
// functions. Nothing here logs; errors name the field, never its value.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/inbound.h"

namespace ogw {

// What one webhook body carried for the account whose Page id is `page_id`.
struct MessengerWebhook {
  std::vector<InboundMessage> messages;
  std::vector<DeliveryReport> reports;
  // Entries (or events) of another Page of the same app: not this account's, kept aside (the
  // route quarantines them) rather than lost.
  std::vector<std::string> foreign_page_ids;
  // What was read and deliberately dropped ("echo", "read", "reaction", "standby", ...): for
  // logs and tests.
  std::vector<std::string> ignored;
};

// Reads a webhook body:
//   {"object":"page","entry":[{"id":"<PAGE_ID>","time":1458692752478,"messaging":[
//     {"sender":{"id":"<PSID>"},"recipient":{"id":"<PAGE_ID>"},"timestamp":1458692752478,
//      "message":{...} | "postback":{...} | "delivery":{...} | "read":{...} | ...}]}]}
// Entries whose id is not `page_id` are set aside whole (foreign_page_ids), and so are events
// of this Page's entries addressed to another Page. Of the rest, by event:
//   message        an InboundMessage of `provider`: channel messenger; from the sender's
//                  page-scoped id (digits); to the Page id; provider_message_id message.mid;
//                  received_at_ms the event's timestamp (milliseconds already); text
//                  message.text, else one "[image]" ("[video]", "[audio]", "[file]",
//                  "[sticker]", "[location]", ...) per attachment; a quick reply's
//                  quick_reply.payload as `button` (`text` stays the title the person tapped).
//                  message.reply_to is Messenger's id of the message answered, which the
//                  parser cannot verify: `answers` stays empty. Echoes of the Page's own sends
//                  (message.is_echo) are ignored ("echo"), as are messages with neither text
//                  nor attachments ("message:empty").
//   postback       an InboundMessage whose text is postback.title and button postback.payload;
//                  provider_message_id postback.mid, or "pb:<sender>:<timestamp>" when Meta
//                  sends none (so a retried delivery still deduplicates); link_token the
//                  ref of postback.referral (Get Started in a thread an m.me link opened).
//   referral       (an existing thread opened through an m.me link) an InboundMessage "[opened
//                  the chat from a link]" with link_token referral.ref, provider_message_id
//                  "ref:<sender>:<timestamp>"; without a ref (an ad, a plugin) ignored.
//   delivery       a DeliveryReport of `provider` per id in delivery.mids: kDelivered,
//                  provider_message_id the mid, to the sender's page-scoped id. Without mids
//                  (only a watermark, from older clients) nothing to report: ignored
//                  ("delivery:watermark").
//   read           ignored ("read"): it carries only a watermark, no message ids.
//   others         ignored by the event's name ("reaction", "optin",
//                  "policy_enforcement", ...).
// standby events (another app owns the conversation) and entry changes (Page feed) are
// ignored ("standby", "changes").
// InvalidArgument naming the field ("entry[0].messaging[1].message.mid: expected a non-empty
// string") when the body is not JSON, object is not "page", or a field the gateway needs is
// missing or of the wrong type; one bad event fails the whole body (it is quarantined whole).
absl::StatusOr<MessengerWebhook> ParseMessengerWebhook(std::string_view body,
                                                       std::string_view provider,
                                                       std::string_view page_id);

}  // namespace ogw
