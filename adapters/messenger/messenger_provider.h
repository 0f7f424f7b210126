#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/http_client_pool.h"
#include "adapters/provider.h"

namespace ogw {

struct MessengerConfig {
  std::string name;                                     // Provider name for metrics and logs.
  std::string api_base = "https://graph.facebook.com";  // Scheme and host; no trailing path.
  std::string api_version = "v21.0";
  std::string page_id;            // The Facebook Page that sends (for logs; the URL says "me").
  std::string page_access_token;  // Secret: the Page's token; never logged, never returned.
  int timeout_ms = 10000;         // Per request, once it is on the wire.
  size_t max_in_flight = 1000;    // Requests on the wire at once per SendBatch.
  // Accounts added through the API: where connections may go; null: anywhere.
  std::shared_ptr<const DestinationPolicy> destinations;
};

// A text's longest body on Messenger: 2,000 characters (code points here).
inline constexpr size_t kMessengerMaxTextChars = 2000;

// Sends messages to people on Facebook Messenger through the Send API
// (https://developers.facebook.com/docs/messenger-platform/reference/send-api): each message
// becomes one
//   POST {api_base}/{api_version}/me/messages
//   Authorization: Bearer {page_access_token}
//   {"recipient":{"id":<message.to, the person's page-scoped id>},
//    "messaging_type":"RESPONSE","message":{"text":<text>}}
// all of a batch in flight together. The token goes in the header, never in the URL (Meta's
// examples put it in ?access_token=, which would carry it into every access log on the way).
//
// Only while the message's customer-service window is open (message.window_open: the person
// wrote to the Page in the last 24 hours), unless the message has a message tag
// (message.message_tag), each for one narrow purpose: the gateway tags reminders and changes
// of an event the person said yes to CONFIRMED_EVENT_UPDATE (gateway/invitations/
// event_messages), sent as "messaging_type":"MESSAGE_TAG","tag":<tag>. An untagged message
// outside the window is not sent at all: it fails permanently as "outside_window" without a
// request. A text longer
// than 2,000 characters fails permanently as "text_too_long", also without a request.
//
// How Messenger's answer ({"recipient_id","message_id"} or Meta's {"error":{message, type,
// code, error_subcode, fbtrace_id}}) is read (ClassifyMessengerError;
// https://developers.facebook.com/docs/messenger-platform/error-codes):
//   2xx with message_id                        accepted, provider_message_id that id (with
//                                              reports_name_provider_id: deliveries name
//                                              only the mid)
//   4, 17, 32, 613 (rate limits)               transient, retry after Retry-After, else 60 s
//   190 (Page token expired or invalid)        transient; the account pauses for 10 minutes
//                                              (its circuit opens until the token is replaced)
//   10 / 2018278, 10 / 2018065 (outside the    permanent "outside_window" (the window closed
//   allowed window)                            at Meta's end before the gateway saw it)
//   551 (this person isn't available),         permanent; Meta does not say why (a block, a
//   200 / 1545041 (the same, older form)       deactivated account), so neither opted out nor
//                                              address_invalid
//   100 / 2018001 (no matching user)           permanent, address_invalid
//   1, 2, 1200 (temporary failures), 408/5xx   transient, Retry-After honoured
//   other codes and 4xx                        permanent with Messenger's text
//   timed out / refused / other                transient "timeout" / "connect" / "transport"
// `code` is "messenger_<code>", with "_<subcode>" when Meta gives one ("messenger_100_2018001"),
// else "http_<status>"; `reason` is Meta's message (at most 200 bytes), replaced by the status
// text when it would repeat the token or the text.
//
// Thread-safe: concurrent SendBatch calls each borrow an HttpBatchClient from a pool.
class MessengerProvider final : public Provider {
 public:
  explicit MessengerProvider(MessengerConfig config);
  ~MessengerProvider() override;
  MessengerProvider(const MessengerProvider&) = delete;
  MessengerProvider& operator=(const MessengerProvider&) = delete;

  const std::string& name() const override { return config_.name; }
  void SendBatch(std::span<const OutboundMessage> messages, std::span<SendResult> results) override;

  // {api_base}/{api_version}/me/messages.
  static std::string MessagesUrl(const MessengerConfig& config);
  // The request body for `message` (a RESPONSE inside the window).
  static std::string RequestBody(const OutboundMessage& message);
  // Classifies one HTTP answer to `message`; `secrets` are kept out of the result.
  static SendResult Classify(const HttpResponse& response, const OutboundMessage& message,
                             std::span<const std::string> secrets, std::time_t now);

 private:
  const MessengerConfig config_;
  const std::string url_;
  const std::vector<std::string> headers_;  // Authorization included.
  const std::vector<std::string> secrets_;  // The token.
  HttpClientPool clients_;
};

// What a Messenger error code (and subcode, 0 when none; code 0: the answer had no error
// object) means for the message that got it: outcome, code, address_invalid,
// retry_after_millis and pause_account_millis set; the reason is left to the caller.
SendResult ClassifyMessengerError(int64_t code, int64_t subcode, long http_status);

}  // namespace ogw
