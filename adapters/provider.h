#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/channel.h"
#include "gateway/core/message_parts.h"

namespace ogw {

// A template the provider approved in advance (a WhatsApp message template), sent in place of
// the text where the channel allows free text only inside its customer-service window.
struct ProviderTemplate {
  std::string name;
  std::string language;                 // The provider's code ("en_US").
  std::vector<std::string> parameters;  // The body's {{1}}, {{2}}, ... in order.
  std::optional<MediaLink> header_media;     // For a template registered with a media header.
  std::vector<std::string> button_payloads;  // Its quick-reply buttons' payloads, in order.
};

// A file sent with an e-mail (a calendar invitation): carried inline, so kept small.
struct Attachment {
  std::string filename;      // Shown to the person; plain, no path.
  std::string content_type;  // e.g. "text/calendar; charset=UTF-8; method=PUBLISH"
  std::string data;          // The bytes.
};

// One rendered message ready for a provider. Built by the delivery worker at send time; the
// queue itself only ever stores references.
struct OutboundMessage {
  std::string message_id;  // The gateway's id: "<campaign>:<index>" or a direct message id.
  std::string org_id;
  Channel channel = Channel::kSms;
  std::string to;          // Normalised address (E.164, e-mail, chat id).
  std::string from;        // Sender id or address; empty for the provider's default.
  std::string subject;     // E-mail only.
  std::string text;        // The body (SMS, chat, e-mail text part), written in text_format.
  TextFormat text_format = TextFormat::kPlainText;  // TextFormatOf(channel); e-mail: plain.
  std::string html;        // E-mail HTML part; empty elsewhere.
  // E-mail: where replies go (reply+<token>@domain, so they thread to the person), and the
  // one-click unsubscribe URL and mailto for List-Unsubscribe (RFC 8058). Empty: left out.
  std::string reply_to;
  std::string unsubscribe_url;
  std::string unsubscribe_mailto;
  int64_t cost = 1;        // Units charged against the rate limit (SMS segments).
  // WhatsApp and Messenger take free text only within 24 hours of the person's last message
  // to the account (the customer-service window): whether that window is open, as the
  // gateway last saw it. Outside it, WhatsApp sends `provider_template` instead.
  bool window_open = false;
  std::optional<ProviderTemplate> provider_template;
  // Messenger: the message tag that lets the message out of the window (e.g.
  // CONFIRMED_EVENT_UPDATE for an event the person said yes to); "" for none.
  std::string message_tag;
  // Chat channels: quick answers under the text (Telegram, WhatsApp, Messenger), and a file
  // sent with it by link (WhatsApp).
  std::vector<QuickReply> buttons;
  std::optional<MediaLink> media;
  std::vector<Attachment> attachments;  // E-mail only.
};

// How a provider answered one message.
struct SendResult {
  enum class Outcome {
    kAccepted,   // The provider took the message; delivery reports may follow.
    kTransient,  // Try again later: timeout, refused connection, 5xx, 429.
    kPermanent,  // Never succeeds: invalid address, rejected content, other 4xx.
    kOptedOut,   // The recipient told the provider to stop (e.g. Twilio 21610).
  };
  Outcome outcome = Outcome::kTransient;
  std::string provider_message_id;  // When accepted.
  std::string code;                 // Provider's code, or "http_503", "timeout", "connect".
  std::string reason;               // Provider's text; never contains the message body.
  int64_t retry_after_millis = 0;   // From the provider's Retry-After; 0 when absent.
  // False when the message never reached the provider (its circuit is open): it waits and
  // the attempt does not count.
  bool attempted = true;
  // Permanent failures only: the address does not exist (SMTP 550 5.1.1, an unknown number),
  // so it is marked invalid and not used again.
  bool address_invalid = false;
  // Accepted: the provider's reports on this message will name only provider_message_id
  // (Messenger's deliveries), so the gateway keeps which message that id is.
  bool reports_name_provider_id = false;
  // The account as a whole must not send for this long (WhatsApp's spam limit, an expired
  // access token): its circuit opens at once for the period and every message waits.
  int64_t pause_account_millis = 0;
};

std::string_view OutcomeName(SendResult::Outcome outcome);

// A way to hand messages to one provider account. SendBatch sends many messages at once (the
// HTTP providers keep them all in flight together) and blocks until every one has an answer or
// has timed out. Implementations are thread-safe: several worker threads call SendBatch at once.
class Provider {
 public:
  virtual ~Provider() = default;
  // Configured name, e.g. "sms-sandbox"; used in metrics and logs.
  virtual const std::string& name() const = 0;
  // Fills results[i] for messages[i]; both spans have the same size.
  virtual void SendBatch(std::span<const OutboundMessage> messages,
                         std::span<SendResult> results) = 0;
};

}  // namespace ogw
