#pragma once

#include <cstddef>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "adapters/common/http_client_pool.h"
#include "adapters/provider.h"

namespace ogw {

struct TelegramConfig {
  std::string name;                                   // Provider name for metrics and logs.
  std::string api_base = "https://api.telegram.org";  // Scheme and host; no trailing path.
  std::string bot_token;        // Secret: in every request path, never logged, never in a result.
  int timeout_ms = 10000;       // Per request, once it is on the wire.
  size_t max_in_flight = 1000;  // Requests on the wire at once per SendBatch.
  // Accounts added through the API: where connections may go; null: anywhere.
  std::shared_ptr<const DestinationPolicy> destinations;
};

// A message's longest text: 4,096 characters as Telegram counts them (UTF-16 code units).
inline constexpr size_t kTelegramMaxTextUnits = 4096;

// `text` cut into parts of at most `max_units` UTF-16 code units each, counted on the raw text
// (tags and entities included, so the count errs short of Telegram's, which counts after
// parsing them). Cut at a blank line if the part has one, else a line break, else a space,
// else between two characters; the separator itself is dropped. With `html` (Telegram's HTML
// parse mode) a cut never falls inside a tag or an entity (&amp;), and the tags open at a cut
// are closed at the end of the part and opened again, as written, at the start of the next.
// Never cuts a UTF-8 sequence. A text that fits is one part, unchanged; parts with nothing
// but whitespace and tags are left out. A single tag longer than `max_units` is a part on its
// own (Telegram then refuses it).
std::vector<std::string> SplitTelegramText(std::string_view text, bool html,
                                           size_t max_units = kTelegramMaxTextUnits);

// UTF-16 code units of UTF-8 `text` (a character beyond U+FFFF counts two).
size_t Utf16Units(std::string_view text);

// Sends text messages through the Telegram Bot API: each part of each message becomes
//   POST {api_base}/bot{bot_token}/sendMessage
//   Content-Type: application/json
//   {"chat_id": <message.to>, "text": <part>, "parse_mode": "HTML" (kTelegramHtml only),
//    "link_preview_options": {"is_disabled": true}}
// Every message's first part is in flight together; part k+1 of a message goes only after
// part k was accepted. The message's result is that of its first failing part, else accepted
// with provider_message_id "<chat_id>:<message_id>" of its first part. (A failure of a later
// part fails the message: a retry sends it again from its first part.)
// How Telegram's answer ({"ok":false,"error_code","description","parameters"}) is read:
//   ok:true                                       accepted
//   429                                           transient, parameters.retry_after honoured
//   403 "bot was blocked by the user",
//       "user is deactivated"                     opted out
//   400 "chat not found"                          permanent, address_invalid
//   other 400 and 403                             permanent
//   401, 404 (a wrong token)                      transient: the account is misconfigured,
//                                                 so its circuit opens
//   408, 425, 5xx                                 transient, Retry-After honoured
//   2xx that is not ok:true                       transient "telegram_unreadable"
//   other                                         permanent
//   timed out / refused / other                   transient "timeout" / "connect" / "transport"
// `code` is "telegram_<error_code>" (else "http_<status>"); `reason` is Telegram's description
// (at most 200 bytes), replaced by the status text when it would repeat the token or the text.
//
// Thread-safe: concurrent SendBatch calls each borrow an HttpBatchClient from a pool.
class TelegramProvider final : public Provider {
 public:
  explicit TelegramProvider(TelegramConfig config);
  ~TelegramProvider() override;
  TelegramProvider(const TelegramProvider&) = delete;
  TelegramProvider& operator=(const TelegramProvider&) = delete;

  const std::string& name() const override { return config_.name; }
  void SendBatch(std::span<const OutboundMessage> messages, std::span<SendResult> results) override;

  // {api_base}/bot{token}/{method}.
  static std::string MethodUrl(const TelegramConfig& config, std::string_view method);
  // The sendMessage body for one part of `message`.
  // The sendMessage body for one part of `message`; the last part carries its buttons as an
  // inline keyboard (one row, the callback_data being the button's id).
  static std::string RequestBody(const OutboundMessage& message, std::string_view part,
                                 bool last_part);
  // Classifies one HTTP answer to `message`; `secrets` are kept out of the result.
  static SendResult Classify(const HttpResponse& response, const OutboundMessage& message,
                             std::span<const std::string> secrets, std::time_t now);

 private:
  const TelegramConfig config_;
  const std::string url_;
  const std::vector<std::string> secrets_;  // The token.
  HttpClientPool clients_;
};

// One Bot API call that is not a send (setWebhook, deleteWebhook, getUpdates,
// answerCallbackQuery): POSTs `body` as JSON to `method` and returns the answer's body when it
// says ok:true. Unavailable for transport failures and 5xx/429; FailedPrecondition naming
// `method` and Telegram's description for {"ok":false}. Never names the token. Blocks up to
// `timeout_ms`.
absl::StatusOr<std::string> CallTelegram(const TelegramConfig& config, HttpBatchClient& client,
                                         std::string_view method, const std::string& body);

}  // namespace ogw
