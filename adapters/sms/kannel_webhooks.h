#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "adapters/inbound.h"
#include "adapters/sms/twilio_webhooks.h"

namespace ogw {

// The two URLs Kannel calls on the gateway, built and read here side by side. Kannel fills
// its escape codes (%d, %p, ...) into a URL template and fetches it with GET, so everything
// arrives in the query string: read it with ParseFormUrlEncoded (adapters/sms/twilio_webhooks.h)
// and hand the pairs to the parsers below. Kannel cannot sign a request, so the gateway puts
// an HMAC into each template and checks it when the URL comes back. All functions are pure
// and thread-safe.

// --- Delivery reports (the dlr-url of each sendsms request) ------------------------------------

// Hex HMAC-SHA256(secret, message_id) in lower case: the `sig` of a dlr-url.
std::string KannelDlrSignature(std::string_view secret, std::string_view message_id);

// Whether `signature` is KannelDlrSignature(secret, message_id). Constant time; false for an
// empty secret or signature.
bool VerifyKannelDlr(std::string_view secret, std::string_view message_id,
                     std::string_view signature);

// The dlr-url for one message, as passed (URL-encoded once more) in smsbox's `dlr-url`:
//   <dlr_url_base>?id=<message id>&sig=<KannelDlrSignature>
//     &type=%d&to=%p&answer=%A&fid=%F&ts=%T
// ('&' instead of '?' when the base already has a query). When a report arrives Kannel
// replaces the escapes with the report type, the recipient, the SMSC's answer, the SMSC's
// message id and the report's Unix time, each URL-encoded. Every '%' that must survive
// Kannel (in the base and in the percent-encoded id) is doubled, so a non-ASCII id such as
// "é" (%C3%A9) is not read as Kannel's %C escape.
std::string KannelDlrUrl(std::string_view dlr_url_base, std::string_view secret,
                         std::string_view message_id);

// A delivery report with what DeliveryReport has no field for.
struct KannelDlr {
  DeliveryReport report;
  int type = 0;                // Kannel's report type: 1, 2, 4, 8 or 16.
  int64_t reported_at_ms = 0;  // When Kannel created the report (`ts`); 0 when absent.
};

// Reads the query of a dlr-url that Kannel fetched. The report's fields:
//   provider             `provider`
//   message_id           id (the gateway's message id), after its signature is verified
//   provider_message_id  fid (%F, the SMSC's message id; empty before the SMSC gave one)
//   to                   to (%p)
//   state / code         type (%d): 1 delivered to the phone -> kDelivered; 2 not delivered ->
//                        kFailed; 4 buffered at the SMSC, 8 accepted by the SMSC -> kSent;
//                        16 rejected by the SMSC -> kFailed. code is "dlr_<type>".
//   reason               answer (%A): Kannel's "ACK/", "NACK/<code>/<text>" or the SMSC's
//                        receipt, cut before a receipt's "text:" (which quotes the message),
//                        at most 200 bytes
//   address_invalid      type 16 with SMPP error 0x0000000B (invalid destination address)
// Errors, in this order: InvalidArgument when id is missing or empty; PermissionDenied when sig
// is missing or does not match id under `secret` (always, for an empty secret); InvalidArgument
// naming the field when type is missing, empty or not one of the five, or ts is not a number.
// Kannel reports one message several times (4 or 8, then 1 or 2), not always in that order
// (a long message's 1 has been seen before its 8): a later kSent must not undo a kDelivered or
// kFailed.
absl::StatusOr<KannelDlr> ParseKannelDlr(const FormParams& query, std::string_view provider,
                                         std::string_view secret);

// --- Incoming SMS (the get-url of smsbox's sms-service) ------------------------------------------

// Hex HMAC-SHA256(secret, "kannel-inbound:" + provider): the `key` of the get-url, so only
// the Kannel configured with it can deliver messages for `provider`.
std::string KannelInboundKey(std::string_view secret, std::string_view provider);

// The get-url for kannel.conf's catch-all sms-service (quote it there: it contains '&'):
//   <inbound_url_base>?id=%I&from=%p&to=%P&text=%b&coding=%c&charset=%C&ts=%T&key=<key>
// %I is the UUID bearerbox gives each incoming message; it survives smsbox's retries and
// bearerbox's store, so it deduplicates redelivery. '%' in the base is doubled as above.
// The sms-service must set max-messages = 0 (the gateway's answer is not an SMS reply) and
// neither faked-sender nor global-sender (they would replace %P); smsbox's mo-recode = true
// turns UCS-2 texts into UTF-8 before they are sent (the parser converts them otherwise).
std::string KannelSmsServiceGetUrl(std::string_view inbound_url_base, std::string_view secret,
                                   std::string_view provider);

// Reads the query of a get-url that smsbox fetched into a message on channel "sms":
//   provider_message_id  id (%I)
//   from / to            from (%p, the sender) / to (%P, the gateway's number)
//   text                 text (%b) in charset: UTF-8 as is, UTF-16BE (a UCS-2 message that
//                        mo-recode did not convert) converted to UTF-8; an empty charset means
//                        UTF-8 for coding 0 and UTF-16BE for coding 2
//   received_at_ms       ts (%T) * 1000; 0 when absent
// Errors, in this order: PermissionDenied when key is missing or does not match
// KannelInboundKey(secret, provider) (always, for an empty secret); InvalidArgument naming the
// field when id, from or to is missing or empty, coding is not 0 or 2 (1 is binary data, not
// text), charset is neither UTF-8 nor UTF-16BE, the text is not well-formed in its charset, or
// ts is not a number.
absl::StatusOr<InboundMessage> ParseKannelInboundSms(const FormParams& query,
                                                     std::string_view provider,
                                                     std::string_view secret);

}  // namespace ogw
