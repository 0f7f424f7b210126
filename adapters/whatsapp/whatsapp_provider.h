#pragma once

#include <cstddef>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/http_client_pool.h"
#include "adapters/provider.h"

namespace ogw {

struct WhatsAppConfig {
  std::string name;                                     // Provider name for metrics and logs.
  std::string api_base = "https://graph.facebook.com";  // Scheme and host; no trailing path.
  std::string api_version = "v21.0";
  std::string phone_number_id;  // The sending number's id in the WhatsApp Business Account.
  std::string access_token;     // Secret: a system user's token; never logged, never returned.
  int timeout_ms = 10000;       // Per request, once it is on the wire.
  size_t max_in_flight = 1000;  // Requests on the wire at once per SendBatch.
  // Accounts added through the API: where connections may go; null: anywhere.
  std::shared_ptr<const DestinationPolicy> destinations;
};

// A text's longest body on WhatsApp: 4,096 characters.
inline constexpr size_t kWhatsAppMaxTextChars = 4096;
// An interactive message's body and a media caption are shorter: a text over this goes as a
// plain text message, without its buttons, and with its file's link at the end.
inline constexpr size_t kWhatsAppMaxCaptionChars = 1024;

// Sends messages through the WhatsApp Cloud API: each message becomes one
//   POST {api_base}/{api_version}/{phone_number_id}/messages
//   Authorization: Bearer {access_token}
//   {"messaging_product":"whatsapp","recipient_type":"individual","to":<digits of message.to>,
//    "biz_opaque_callback_data":<message.message_id>,
//    "type":"text","text":{"preview_url":false,"body":<text>}}
// while the message's customer-service window is open (message.window_open), or else, when it
// has one, its approved template:
//    "type":"template","template":{"name","language":{"code"},
//                                  "components":[{"type":"body","parameters":[{"type":"text",
//                                                                              "text":...}]}]}
// all of a batch in flight together. A free-text message WhatsApp refuses as outside the
// window (131047) goes again at once as its template when it has one. How WhatsApp's answer
// ({"messages":[{"id"}]} or Meta's {"error":{code, error_subcode, message, error_data,
// fbtrace_id}}) is read (ClassifyWhatsAppError; the same codes arrive later in failed
// statuses, see whatsapp_webhooks.h):
//   2xx with messages[0].id                 accepted, provider_message_id that id
//   130429, 131056, 80007, 4 (throttling)   transient, retry after Retry-After, else 60 s
//                                           (131056, one person: 10 s)
//   131048 (spam rate limit)                transient; the account pauses for 30 minutes
//   190 (access token expired or invalid)   transient; the account pauses for 10 minutes
//                                           (its circuit opens until the token is replaced)
//   131047 (outside the 24-hour window)     permanent "outside_window" without a template
//   131026 (not a WhatsApp user)            permanent, address_invalid
//   131050 (stopped marketing messages)     opted out
//   1, 2, 131000, 131016, 133004, 408/5xx   transient, Retry-After honoured
//   other codes and 4xx                     permanent with WhatsApp's text
//   timed out / refused / other             transient "timeout" / "connect" / "transport"
// `code` is "whatsapp_<code>" (else "http_<status>"); `reason` is error_data.details, else
// message (at most 200 bytes), replaced by the status text when it would repeat the token or
// the text. A text longer than 4,096 characters fails permanently before any request.
//
// Thread-safe: concurrent SendBatch calls each borrow an HttpBatchClient from a pool.
class WhatsAppProvider final : public Provider {
 public:
  explicit WhatsAppProvider(WhatsAppConfig config);
  ~WhatsAppProvider() override;
  WhatsAppProvider(const WhatsAppProvider&) = delete;
  WhatsAppProvider& operator=(const WhatsAppProvider&) = delete;

  const std::string& name() const override { return config_.name; }
  void SendBatch(std::span<const OutboundMessage> messages, std::span<SendResult> results) override;

  // {api_base}/{api_version}/{phone_number_id}/messages.
  static std::string MessagesUrl(const WhatsAppConfig& config);
  // The request body for `message`. As the template when `as_template` (with its media header
  // and buttons' payloads); otherwise by what the message has, the text being at most 1,024
  // characters: buttons -> interactive reply buttons (the media as their header); media ->
  // an image or document with the text as caption; else, or when the text is longer, a text
  // message (ending with the media's link).
  static std::string RequestBody(const OutboundMessage& message, bool as_template);
  // Classifies one HTTP answer to `message`; `secrets` are kept out of the result.
  static SendResult Classify(const HttpResponse& response, const OutboundMessage& message,
                             std::span<const std::string> secrets, std::time_t now);

 private:
  const WhatsAppConfig config_;
  const std::string url_;
  const std::vector<std::string> headers_;  // Authorization included.
  const std::vector<std::string> secrets_;  // The token.
  HttpClientPool clients_;
};

// What a WhatsApp error code means for the message that got it (sync or in a failed status):
// outcome, address_invalid and pause_account_millis set; code and reason left to the caller.
SendResult ClassifyWhatsAppError(int64_t code, long http_status);

}  // namespace ogw
