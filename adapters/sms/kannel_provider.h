#pragma once

#include <cstddef>
#include <ctime>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/http_client_pool.h"
#include "adapters/provider.h"

namespace ogw {

struct KannelConfig {
  std::string name;         // Provider name for metrics, logs and inbound routes.
  std::string sendsms_url;  // smsbox's sendsms URL: "http://127.0.0.1:13013/cgi-bin/sendsms".
  std::string username;     // A sendsms-user of that smsbox.
  std::string password;     // Secret: never logged, never in a SendResult.
  std::string from;         // Default sender id; empty leaves it to smsbox (default-sender).
  std::string smsc;         // smsc-id to route through; empty lets bearerbox choose.
  // The gateway's delivery-report route that Kannel calls, e.g.
  // "http://127.0.0.1:8080/v1/inbound/kannel/<provider>/dlr"; empty asks for no reports.
  std::string dlr_url_base;
  // Secret: HMAC key signing each dlr-url (and the sms-service key, see kannel_webhooks.h).
  // Required with dlr_url_base: reports signed with an empty key never verify.
  std::string dlr_secret;
  int timeout_ms = 10000;      // Per message, once its request is on the wire.
  size_t max_in_flight = 100;  // Requests on the wire at once per SendBatch.
  // Accounts added through the API: where connections may go; null: anywhere.
  std::shared_ptr<const DestinationPolicy> destinations;
};

// Sends SMS through Kannel's smsbox (the Debian `kannel` package, 1.4.x): each message becomes
//   GET {sendsms_url}?username=&password=&to=<message.to>&from=<message.from, else config.from>
//       &text=<message.text>&charset=UTF-8[&coding=2][&smsc=<config.smsc>]
//       [&dlr-mask=31&dlr-url=<KannelDlrUrl(dlr_url_base, dlr_secret, message.message_id)>]
// (empty from and smsc left out), all of a batch in flight together. coding=2 (UCS-2) is
// added only when the text is not GSM-7 (the alphabet of templates/sms_encoding.h, so the
// segments charged are the ones sent); Kannel converts the UTF-8 text itself and splits long
// texts (the sendsms-user needs max-messages > 1, e.g. 10, or long texts are cut).
// dlr-mask 31 asks for every report: delivered, not delivered, buffered, accepted and rejected
// by the SMSC. How smsbox's answer (plain text) is read:
//   2xx  "0: Accepted for delivery", "3: Queued for later delivery" (no SMSC connected yet),
//        "Sent." (immediate-sendsms-reply)                             accepted
//   403  "Authorization failed for sendsms", "Not routable. Do not try again."    permanent
//   400  "Missing receiver number, rejected", "Sender missing and no global set, rejected",
//        "Charset or body misformed, rejected" (unknown charset), ...        permanent
//   408, 425, 429, 5xx  "Temporal failure, try again later." (503), "Sending failed." (500)
//                                                       transient, Retry-After honoured
//   other 4xx (404 "Unknown request." for a wrong path), 1xx, 3xx         permanent
//   timed out / refused (smsbox down) / other         transient "timeout" / "connect" / "transport"
// `code` is "kannel_<status>"; `reason` is Kannel's answer (first line, at most 200 bytes),
// else the status text, which also replaces an answer that would repeat the password or the
// message's text. Kannel tells the sender no message id, so provider_message_id stays empty:
// reports come back by the gateway's message id. Refused as permanent without a request,
// because smsbox would not refuse them: a recipient containing whitespace, "invalid_address"
// (smsbox sends to each word), and a text that is not UTF-8, "invalid_text" (smsbox drops the
// bad bytes and sends the rest).
//
// Thread-safe: concurrent SendBatch calls each borrow an HttpBatchClient from a pool that keeps
// a few idle ones, so keep-alive connections to smsbox are reused from batch to batch.
class KannelProvider final : public Provider {
 public:
  explicit KannelProvider(KannelConfig config);
  ~KannelProvider() override;
  KannelProvider(const KannelProvider&) = delete;
  KannelProvider& operator=(const KannelProvider&) = delete;

  const std::string& name() const override { return config_.name; }
  void SendBatch(std::span<const OutboundMessage> messages, std::span<SendResult> results) override;

  // The sendsms URL SendBatch requests for `message`.
  static std::string RequestUrl(const KannelConfig& config, const OutboundMessage& message);
  // Whether `utf8_text` can go out as GSM-7: every character in the default alphabet or its
  // extension table. False for text that is not well-formed UTF-8.
  static bool IsGsm7(std::string_view utf8_text);
  // Classifies one HTTP answer to `message`; `secrets` are kept out of the result.
  static SendResult Classify(const HttpResponse& response, const OutboundMessage& message,
                             std::span<const std::string> secrets, std::time_t now);

 private:
  const KannelConfig config_;
  const std::vector<std::string> secrets_;  // Password (as given and URL-encoded), DLR secret.
  HttpClientPool clients_;
};

}  // namespace ogw
