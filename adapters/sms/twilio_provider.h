#pragma once

#include <cstddef>
#include <ctime>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/http_client_pool.h"
#include "adapters/provider.h"

namespace ogw {


struct TwilioConfig {
  std::string name;                                 // Provider name for metrics and logs.
  std::string api_base = "https://api.twilio.com";  // Scheme and host; no trailing path.
  std::string account_sid;                          // "AC...": the Basic-auth user and URL segment.
  std::string auth_token;                           // Secret: never logged, never in a SendResult.
  std::string from;                                 // Default sender: E.164 or alphanumeric id.
  std::string messaging_service_sid;                // "MG...": alternative (or addition) to from.
  std::string status_callback_url;                  // Sent as StatusCallback when not empty.
  int timeout_ms = 10000;                           // Per message, once its request is on the wire.
  size_t max_in_flight = 1000;                      // Requests on the wire at once per SendBatch.
  // Accounts added through the API: where connections may go; null: anywhere.
  std::shared_ptr<const DestinationPolicy> destinations;
};

// Sends SMS through Twilio's Programmable Messaging REST API: each message becomes one
//   POST {api_base}/2010-04-01/Accounts/{account_sid}/Messages.json
//   Authorization: Basic base64(account_sid:auth_token)
//   Content-Type: application/x-www-form-urlencoded
//   To=<message.to>&From=<message.from, else config.from>&MessagingServiceSid=<config>
//     &Body=<message.text>&StatusCallback=<config>[?|&]m=<message id>   (empty ones left out)
// all of a batch in flight together. How Twilio's answer is read (errors carry Twilio's
// {"code", "message", "more_info", "status"} JSON):
//   2xx                                   accepted; provider_message_id = JSON "sid"
//   code 21610 (unsubscribed recipient)   opted out, code "twilio_21610"
//   HTTP 429 or code 20429                transient, Retry-After honoured
//   408, 425 and 5xx                      transient, Retry-After honoured
//   other 4xx (21211, 21614, 21408, ...)  permanent
//   1xx / 3xx                             permanent
//   timed out / refused / other           transient "timeout" / "connect" / "transport"
// `code` is "twilio_<code>" when the answer carries a Twilio error code, else "http_<status>".
// `reason` is Twilio's "message" (at most 200 bytes, cut on a UTF-8 boundary), else the HTTP
// status text; it is replaced by the status text when it would repeat the auth token or the
// message's text.
//
// Thread-safe: concurrent SendBatch calls each borrow an HttpBatchClient from a pool that keeps
// a few idle ones, so keep-alive connections to Twilio are reused from batch to batch.
class TwilioProvider final : public Provider {
 public:
  explicit TwilioProvider(TwilioConfig config);
  ~TwilioProvider() override;
  TwilioProvider(const TwilioProvider&) = delete;
  TwilioProvider& operator=(const TwilioProvider&) = delete;

  const std::string& name() const override { return config_.name; }
  void SendBatch(std::span<const OutboundMessage> messages, std::span<SendResult> results) override;

  // The Messages.json URL for `config`.
  static std::string MessagesUrl(const TwilioConfig& config);
  // status_callback_url with the message's id added as the query parameter "m".
  static std::string StatusCallbackUrl(const TwilioConfig& config, std::string_view message_id);
  // The form body SendBatch posts for `message`.
  static std::string RequestBody(const TwilioConfig& config, const OutboundMessage& message);
  // Classifies one HTTP answer to `message`; `secrets` are kept out of the result.
  static SendResult Classify(const HttpResponse& response, const OutboundMessage& message,
                             std::span<const std::string> secrets, std::time_t now);

 private:

  const TwilioConfig config_;
  const std::string url_;
  const std::vector<std::string> headers_;  // Authorization included.
  const std::vector<std::string> secrets_;  // The auth token and the encoded credential.
  HttpClientPool clients_;
};

}  // namespace ogw
