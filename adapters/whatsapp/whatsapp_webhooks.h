#pragma once

// Reading what the WhatsApp Cloud API POSTs to the webhook
// (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components), as pure
// functions. Nothing here logs; errors name the field, never its value.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/inbound.h"

namespace ogw {

// What one webhook body carried for the account whose phone number id is `phone_number_id`.
struct WhatsAppWebhook {
  std::vector<InboundMessage> messages;
  std::vector<DeliveryReport> reports;
  // Changes addressed to another phone number id of the same app: not this account's, kept
  // aside (the route quarantines them) rather than lost.
  std::vector<std::string> foreign_phone_number_ids;
  // What was read and deliberately dropped ("reaction", "field:account_update", ...): for
  // logs and tests.
  std::vector<std::string> ignored;
};

// Reads a webhook body:
//   {"object":"whatsapp_business_account","entry":[{"id":"<WABA id>","changes":[
//     {"field":"messages","value":{"messaging_product":"whatsapp",
//       "metadata":{"display_phone_number":"15550001111","phone_number_id":"<id>"},
//       "contacts":[{"profile":{"name":"..."},"wa_id":"4915112345678"}],
//       "messages":[...], "statuses":[...], "errors":[...]}}]}]}
// Every message of a change for `phone_number_id` becomes an InboundMessage of `provider`:
// channel whatsapp; from "+" and the sender's wa_id (digits, as WhatsApp writes them);
// to the display phone number with "+"; provider_message_id the message id ("wamid...");
// received_at_ms its timestamp (seconds) * 1000; answers left empty (context.id is the
// provider's id of the message answered, which the parser cannot verify). By type:
//   text                  text.body
//   interactive           button_reply / list_reply: text the title, button the id
//   button                (a template's quick reply) text button.text, button button.payload
//   image, video, audio,
//   document, sticker     text the caption, else "[image]" ("[document: <filename>]", ...)
//   location              "[location: <latitude>,<longitude>]" with name / address when given
//   contacts              "[contact card]"
//   reaction, system,
//   unsupported, other    ignored (named in `ignored`)
// Every status becomes a DeliveryReport of `provider`: provider_message_id the status id,
// message_id its biz_opaque_callback_data (the gateway's id, sent with the message), to "+"
// recipient_id when that is a number; status sent -> kSent, delivered and read -> kDelivered (code
// "read" for read), failed -> kFailed with code "whatsapp_<errors[0].code>" and reason from
// errors[0] (error_data.details, else message, else title; at most 200 bytes);
// address_invalid for 131026 (not a WhatsApp user), opted_out for 131050 (the person
// stopped marketing messages). Other statuses ("deleted", "warning") are ignored.
// Changes of other fields (account_update, message_template_status_update, ...) are ignored.
// InvalidArgument naming the field ("entry[0].changes[1].value.messages[0].from: expected a
// string") when the body is not JSON, object is not "whatsapp_business_account", or a field
// the gateway needs is missing or of the wrong type; one bad item fails the whole body (it is
// quarantined whole).
absl::StatusOr<WhatsAppWebhook> ParseWhatsAppWebhook(std::string_view body,
                                                     std::string_view provider,
                                                     std::string_view phone_number_id);

}  // namespace ogw
