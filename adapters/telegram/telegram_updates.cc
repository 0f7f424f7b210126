#include "adapters/telegram/telegram_updates.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "adapters/common/http_answer.h"
#include "adapters/common/json_path.h"
#include "gateway/core/status.h"

namespace ogw {
namespace {

using json = nlohmann::json;

// Telegram's ids are integers of up to 52 significant bits today; they are read as JSON
// integers (never through a double) and refused beyond int64.
absl::StatusOr<int64_t> IntField(const json& parent, std::string_view parent_path,
                                 const char* key) {
  const auto it = parent.find(key);
  if (it == parent.end()) return Missing(Path(parent_path, key));
  if (it->is_number_unsigned()) {
    const uint64_t value = it->get<uint64_t>();
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Expected(Path(parent_path, key), "an integer within 64 bits");
    }
    return static_cast<int64_t>(value);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  return Expected(Path(parent_path, key), "an integer");
}

TelegramUpdate Ignored(int64_t update_id, std::string why) {
  TelegramUpdate u;
  u.update_id = update_id;
  u.ignored_because = std::move(why);
  return u;
}

absl::StatusOr<TelegramUpdate> ReadMessage(int64_t update_id, const json& message) {
  constexpr std::string_view kPath = "message";
  if (!message.is_object()) return Expected(kPath, "an object");
  ASSIGN_OR_RETURN(const json* chat, ObjectMember(message, kPath, "chat"));
  ASSIGN_OR_RETURN(std::string type, StringMember(*chat, "message.chat", "type"));
  if (type != "private") return Ignored(update_id, "message in a " + type + " chat");
  ASSIGN_OR_RETURN(int64_t chat_id, IntField(*chat, "message.chat", "id"));
  ASSIGN_OR_RETURN(int64_t message_id, IntField(message, kPath, "message_id"));
  TelegramUpdate u;
  u.update_id = update_id;
  u.chat_id = std::to_string(chat_id);
  u.message_id = std::to_string(message_id);
  if (const auto text = message.find("text"); text != message.end() && text->is_string()) {
    u.text = text->get<std::string>();
  } else if (const auto caption = message.find("caption");
             caption != message.end() && caption->is_string()) {
    u.text = caption->get<std::string>();
  }
  if (u.text.empty()) return Ignored(update_id, "message without text");
  u.kind = TelegramUpdate::Kind::kMessage;
  return u;
}

absl::StatusOr<TelegramUpdate> ReadCallback(int64_t update_id, const json& query) {
  constexpr std::string_view kPath = "callback_query";
  if (!query.is_object()) return Expected(kPath, "an object");
  TelegramUpdate u;
  u.update_id = update_id;
  ASSIGN_OR_RETURN(u.callback_id, NonEmptyStringMember(query, kPath, "id"));
  ASSIGN_OR_RETURN(const json* from, ObjectMember(query, kPath, "from"));
  // The person's user id is also the id of their private chat with the bot.
  ASSIGN_OR_RETURN(int64_t user_id, IntField(*from, "callback_query.from", "id"));
  ASSIGN_OR_RETURN(u.text, StringMember(query, kPath, "data"));
  u.chat_id = std::to_string(user_id);
  u.kind = TelegramUpdate::Kind::kCallback;
  return u;
}

absl::StatusOr<TelegramUpdate> ReadChatMember(int64_t update_id, const json& member) {
  constexpr std::string_view kPath = "my_chat_member";
  if (!member.is_object()) return Expected(kPath, "an object");
  ASSIGN_OR_RETURN(const json* chat, ObjectMember(member, kPath, "chat"));
  ASSIGN_OR_RETURN(std::string type, StringMember(*chat, "my_chat_member.chat", "type"));
  if (type != "private") return Ignored(update_id, "my_chat_member in a " + type + " chat");
  ASSIGN_OR_RETURN(int64_t chat_id, IntField(*chat, "my_chat_member.chat", "id"));
  ASSIGN_OR_RETURN(const json* now, ObjectMember(member, kPath, "new_chat_member"));
  ASSIGN_OR_RETURN(std::string status,
                   StringMember(*now, "my_chat_member.new_chat_member", "status"));
  if (status != "kicked") return Ignored(update_id, "my_chat_member " + status);
  TelegramUpdate u;
  u.update_id = update_id;
  u.chat_id = std::to_string(chat_id);
  u.kind = TelegramUpdate::Kind::kBlocked;
  return u;
}

}  // namespace

absl::StatusOr<TelegramUpdate> ParseTelegramUpdate(const json& update) {
  if (!update.is_object()) return Expected("update", "an object");
  ASSIGN_OR_RETURN(int64_t update_id, IntField(update, "update", "update_id"));
  if (const auto it = update.find("message"); it != update.end()) {
    return ReadMessage(update_id, *it);
  }
  if (const auto it = update.find("callback_query"); it != update.end()) {
    return ReadCallback(update_id, *it);
  }
  if (const auto it = update.find("my_chat_member"); it != update.end()) {
    return ReadChatMember(update_id, *it);
  }
  for (const auto& [key, value] : update.items()) {
    if (key != "update_id") return Ignored(update_id, key);
  }
  return Ignored(update_id, "empty update");
}

absl::StatusOr<TelegramUpdate> ParseTelegramUpdate(std::string_view body) {
  const json doc = ParseAnswerObject(std::string(body));
  if (doc.is_null()) return Expected("update", "a JSON object");
  return ParseTelegramUpdate(doc);
}

absl::StatusOr<std::vector<std::string>> ParseGetUpdatesAnswer(std::string_view body) {
  const json doc = ParseAnswerObject(std::string(body));
  if (doc.is_null()) return Expected("getUpdates answer", "a JSON object");
  const auto ok = doc.find("ok");
  if (ok == doc.end() || !ok->is_boolean()) return Expected("getUpdates answer.ok", "a boolean");
  if (!ok->get<bool>()) {
    const std::string* description = StringField(doc, "description");
    return absl::FailedPreconditionError(description != nullptr
                                             ? TruncateUtf8(*description, kMaxReasonBytes)
                                             : std::string("Telegram answered ok:false"));
  }
  const auto result = doc.find("result");
  if (result == doc.end() || !result->is_array()) {
    return Expected("getUpdates answer.result", "an array");
  }
  std::vector<std::string> updates;
  updates.reserve(result->size());
  for (const json& update : *result) updates.push_back(update.dump());
  return updates;
}

std::optional<int64_t> TelegramUpdateId(std::string_view update_json) {
  const json doc = ParseAnswerObject(std::string(update_json));
  if (doc.is_null()) return std::nullopt;
  auto id = IntField(doc, "update", "update_id");
  if (!id.ok()) return std::nullopt;
  return *id;
}

InboundMessage TelegramInboundMessage(const TelegramUpdate& update, std::string_view provider,
                                      std::string_view bot_username) {
  InboundMessage m;
  m.provider = std::string(provider);
  m.channel = Channel::kTelegram;
  m.from = update.chat_id;
  m.to = std::string(bot_username);
  m.text = update.text;
  // A button carries its data only (no label): the data is both.
  if (update.kind == TelegramUpdate::Kind::kCallback) m.button = update.text;
  m.provider_message_id = update.kind == TelegramUpdate::Kind::kCallback
                              ? "cb:" + update.callback_id
                              : update.chat_id + ":" + update.message_id;
  return m;
}

std::string AnswerCallbackQueryBody(std::string_view callback_id, bool with_method) {
  json body = json::object();
  if (with_method) body["method"] = "answerCallbackQuery";
  body["callback_query_id"] = std::string(callback_id);
  return body.dump();
}

bool IsValidTelegramWebhookSecret(std::string_view secret) {
  if (secret.empty() || secret.size() > 256) return false;
  for (char c : secret) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace ogw
