#pragma once

// Reading what the Bot API delivers: Update objects (https://core.telegram.org/bots/api#update)
// from a webhook request or a getUpdates answer, as pure functions. Nothing here logs; errors
// name the field, never its value.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "adapters/inbound.h"

namespace ogw {

// What one Update means for the gateway.
struct TelegramUpdate {
  enum class Kind {
    kIgnored,   // Acknowledged, nothing to keep: edits, channel posts, groups, media, ...
    kMessage,   // A person wrote to the bot in a private chat.
    kCallback,  // A person pressed an inline keyboard button.
    kBlocked,   // my_chat_member: the person blocked the bot (status "kicked").
  };
  Kind kind = Kind::kIgnored;
  int64_t update_id = 0;
  std::string chat_id;          // Decimal: the person's private chat (their user id).
  std::string message_id;       // Decimal message_id (kMessage).
  std::string callback_id;      // callback_query.id (kCallback): to answer it.
  std::string text;             // The message's text or caption; the button's data.
  std::string ignored_because;  // kIgnored: which kind of update, for logs and tests.
};

// Reads one Update. InvalidArgument naming the field ("message.chat.id: expected an integer")
// when one the gateway needs is missing or of the wrong type; ids are read as 64-bit
// integers exactly (chat ids may exceed 2^53).
absl::StatusOr<TelegramUpdate> ParseTelegramUpdate(const nlohmann::json& update);
// The same from a webhook's body; InvalidArgument also when it is not a JSON object.
absl::StatusOr<TelegramUpdate> ParseTelegramUpdate(std::string_view body);

// The Update objects of a getUpdates answer ({"ok":true,"result":[...]}), each as its own JSON
// text (so one unreadable update can be quarantined alone). InvalidArgument when the answer is
// not such an object; FailedPrecondition with Telegram's description for {"ok":false,...}.
absl::StatusOr<std::vector<std::string>> ParseGetUpdatesAnswer(std::string_view body);
// update_id of an Update's JSON text, when it has one (so the offset can move past it even
// when the rest cannot be read).
std::optional<int64_t> TelegramUpdateId(std::string_view update_json);

// The InboundMessage of a kMessage or kCallback update received by account `provider` (bot
// `bot_username`, possibly empty): channel telegram, from = the chat id, provider message id
// "<chat_id>:<message_id>" (a message) or "cb:<callback id>" (a button), so redeliveries of
// one update dedupe.
InboundMessage TelegramInboundMessage(const TelegramUpdate& update, std::string_view provider,
                                      std::string_view bot_username);

// The JSON body of answerCallbackQuery for `callback_id`, also the webhook answer that makes
// Telegram perform it: {"method":"answerCallbackQuery","callback_query_id":...} with
// `with_method`.
std::string AnswerCallbackQueryBody(std::string_view callback_id, bool with_method);

// Whether `secret` is a valid webhook secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
bool IsValidTelegramWebhookSecret(std::string_view secret);

}  // namespace ogw
