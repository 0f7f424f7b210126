#pragma once

#include <cstddef>
#include <cstdint>
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


struct WebhookConfig {
  std::string name;             // Provider name for metrics and logs, e.g. "webhook-crm".
  std::string url;              // Every message is POSTed here.
  std::string auth_header;      // Secret "Name: value" line, e.g. "Authorization: Bearer x"; empty
                                // for none. Never logged and never copied into a SendResult.
  int timeout_ms = 10000;       // Per message, from the moment its request goes on the wire.
  size_t max_in_flight = 1000;  // Requests on the wire at once per SendBatch call.
  // Accounts added through the API: where connections may go; null: anywhere.
  std::shared_ptr<const DestinationPolicy> destinations;
  size_t clients = 4;           // Idle HTTP clients (each with its keep-alive connections) kept.
};

// A generic JSON-over-HTTP provider ("external" channel): each message becomes one
//   POST <url>  Content-Type: application/json
//   {"id","channel","to","from","subject","text","text_format","html"}
// (with "attachments": [{"filename","content_type","content_base64"}] when the message has
// files, such as an invitation's calendar) request, all of a batch in flight together. How the answer is read:
//   2xx                          accepted; provider_message_id = the response's JSON "id"
//   4xx with {"code":"opted_out"} opted out
//   408, 425, 429, 5xx           transient "http_<status>", with Retry-After honoured
//   other 4xx (and 1xx, 3xx)     permanent "http_<status>"
//   timed out / refused / other  transient "timeout" / "connect" / "transport"
// `reason` is the response's JSON "error" or "message" (at most 200 bytes), else the HTTP
// status text; it is dropped in favour of the status text when it would repeat the
// credential or the message's text.
//
// Thread-safe: concurrent SendBatch calls each borrow an HttpBatchClient from a pool; the
// pool grows as needed and keeps up to `clients` idle ones, so keep-alive connections are
// reused from one batch to the next.
class WebhookProvider final : public Provider {
 public:
  explicit WebhookProvider(WebhookConfig config);
  ~WebhookProvider() override;
  WebhookProvider(const WebhookProvider&) = delete;
  WebhookProvider& operator=(const WebhookProvider&) = delete;

  const std::string& name() const override { return config_.name; }
  void SendBatch(std::span<const OutboundMessage> messages, std::span<SendResult> results) override;

  // The JSON document SendBatch posts for `message`.
  static std::string RequestBody(const OutboundMessage& message);
  // Classifies one HTTP answer to `message`; `credential` is the secret to keep out of it.
  static SendResult Classify(const HttpResponse& response, const OutboundMessage& message,
                             std::string_view credential, std::time_t now);

 private:

  const WebhookConfig config_;
  const std::vector<std::string> headers_;  // Sent with every request, auth_header included.
  const std::string credential_;            // The value part of auth_header.
  HttpClientPool clients_;
};

}  // namespace ogw
