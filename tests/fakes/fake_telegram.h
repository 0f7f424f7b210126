#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/testutil/http_sink.h"

namespace ogw::testing {

// A message the fake accepted from sendMessage.
struct FakeTelegramMessage {
  int64_t message_id = 0;
  std::string chat_id;  // As sent: a number or "@username", as a string.
  std::string text;
  std::string parse_mode;  // Empty when absent.
  bool link_preview_disabled = false;
  // reply_markup.inline_keyboard: rows of (text, callback_data); a url button's data is empty.
  std::vector<std::vector<std::pair<std::string, std::string>>> inline_keyboard;
};

// What the fake was told by setWebhook (empty url: no webhook, or deleteWebhook).
struct FakeTelegramWebhook {
  std::string url;
  std::string secret_token;
  std::vector<std::string> allowed_updates;
  int set_calls = 0;
  int delete_calls = 0;
};

// What a webhook POST from the fake got back.
struct FakeTelegramDelivery {
  int status = 0;  // The receiver's HTTP status; 0 when the request failed.
  std::string content_type;
  std::string body;
};

// An in-process stand-in for api.telegram.org on a loopback port (built on HttpSink), answering
// POST /bot<token>/<method> with a JSON body the way the Bot API documents it
// (https://core.telegram.org/bots/api): {"ok":true,"result":...} or
// {"ok":false,"error_code":N,"description":"...","parameters":{...}} with HTTP status N.
//   - Another token: 401 "Unauthorized"; an unknown method: 404 "Not Found".
//   - sendMessage: chat_id and text required (400 "Bad Request: chat_id is empty" / "message
//     text is empty"); a text over 4,096 UTF-16 units after entity parsing: 400 "Bad Request:
//     message is too long"; parse_mode HTML with tags that do not nest or close: 400 "Bad
//     Request: can't parse entities: ..."; a chat added with AddUnknownChat: 400 "Bad Request:
//     chat not found"; AddBlockedChat: 403 "Forbidden: bot was blocked by the user";
//     AddDeactivatedChat: 403 "Forbidden: user is deactivated". reply_markup (optional), an
//     object or that object JSON-serialized in a string: 400 "Bad Request: can't parse reply
//     keyboard markup JSON object" when the string is no JSON, "Bad Request: object expected as
//     reply markup" when it is no object; its inline_keyboard must be an Array ("Bad Request:
//     field \"inline_keyboard\" must be of type Array") of Arrays ("... of the
//     InlineKeyboardMarkup must be an Array of Arrays") of buttons, each an Object ("Bad
//     Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object") with
//     a text ("... Can't find field \"text\"") and a url or a callback_data ("... Text buttons
//     are unallowed in the inline keyboard"); then Telegram's checks: an empty text 400 "Bad
//     Request: BUTTON_TEXT_INVALID", callback_data over 64 bytes 400 "Bad Request:
//     BUTTON_DATA_INVALID". Otherwise a Message: message_id counting from 1, from (the bot),
//     chat {id, type "private"}, date, text.
//   - setWebhook: url must be https:// (400 "Bad Request: bad webhook: An HTTPS URL must be
//     provided for webhook"), secret_token 1-256 of A-Za-z0-9_- (400 "Bad Request: secret
//     token contains unallowed characters"); deleteWebhook; getWebhookInfo.
//   - getUpdates while a webhook is set: 409 "Conflict: can't use getUpdates method while
//     webhook is active; use deleteWebhook to delete the webhook first". Otherwise every queued
//     update with update_id >= offset (those below are confirmed and forgotten), at most
//     `limit` (100). It answers at once: `timeout` (long polling) is not waited out.
//   - answerCallbackQuery: callback_query_id required; result true.
// Scriptable faults for the next N requests of any method, throttle before fail:
//   ThrottleNext  429 "Too Many Requests: retry after S", parameters.retry_after S
//   FailNext      502 with nginx's HTML page, as Telegram's front end answers
// and RefuseTextContaining: sendMessage with that text is refused 400 as unparsable.
//
// Thread-safe: every method may be called from any thread while the fake runs.
class FakeTelegram {
 public:
  explicit FakeTelegram(std::string token);
  ~FakeTelegram();  // Stops.
  FakeTelegram(const FakeTelegram&) = delete;
  FakeTelegram& operator=(const FakeTelegram&) = delete;

  bool Start(std::string* error = nullptr);
  void Stop();

  // The api_base to configure the provider with: "http://127.0.0.1:<port>".
  std::string BaseUrl() const { return sink_.BaseUrl(); }
  const std::string& token() const { return token_; }

  void AddUnknownChat(const std::string& chat_id);
  void AddBlockedChat(const std::string& chat_id);
  void AddDeactivatedChat(const std::string& chat_id);
  void RefuseTextContaining(const std::string& marker);
  void ThrottleNext(size_t count, int retry_after_seconds);
  void FailNext(size_t count);

  std::vector<FakeTelegramMessage> Sent() const;
  FakeTelegramWebhook Webhook() const;
  std::vector<std::string> AnsweredCallbacks() const;
  uint64_t requests() const { return sink_.requests(); }
  void set_recording(size_t count) { sink_.set_recording(count); }
  std::vector<SinkRequest> Recorded() const { return sink_.Recorded(); }

  // Updates as Telegram writes them, with the next update_id: a private text message from
  // user `chat_id`, and a press of an inline button with callback data `data` under the bot's
  // message `message_id`.
  std::string MessageUpdate(int64_t chat_id, const std::string& text);
  std::string CallbackUpdate(int64_t chat_id, const std::string& data, int64_t message_id = 1);
  // Queues an update for getUpdates.
  void QueueUpdate(const std::string& update_json);
  // POSTs an update to `url` as Telegram delivers webhooks: Content-Type application/json and,
  // when `secret_token` is not empty, X-Telegram-Bot-Api-Secret-Token.
  FakeTelegramDelivery Deliver(const std::string& url, const std::string& update_json,
                               const std::string& secret_token);

 private:
  SinkResponse Handle(const SinkRequest& request);
  SinkResponse SendMessage(const std::string& body);
  SinkResponse SetWebhook(const std::string& body);
  SinkResponse GetUpdates(const std::string& body);
  SinkResponse AnswerCallbackQuery(const std::string& body);

  const std::string token_;
  mutable std::mutex mu_;
  std::set<std::string> unknown_, blocked_, deactivated_;  // Guarded by mu_.
  std::vector<std::string> refused_markers_;               // Guarded by mu_.
  size_t throttle_next_ = 0;                               // Guarded by mu_.
  int retry_after_seconds_ = 0;                            // Guarded by mu_.
  size_t fail_next_ = 0;                                   // Guarded by mu_.
  std::vector<FakeTelegramMessage> sent_;                  // Guarded by mu_.
  FakeTelegramWebhook webhook_;                            // Guarded by mu_.
  std::vector<std::string> answered_;                      // Guarded by mu_.
  std::deque<std::string> updates_;                        // Guarded by mu_.
  int64_t next_update_id_ = 800000001;                     // Guarded by mu_.
  HttpSink sink_;  // Last: stopped first, while the state its responder uses still exists.
};

}  // namespace ogw::testing
