#include "tests/fakes/fake_telegram.h"

#include <httplib.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ogw::testing {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxTextUnits = 4096;
constexpr size_t kMaxCallbackDataBytes = 64;
constexpr size_t kMaxUpdates = 100;
constexpr int64_t kBotId = 7000000001;

SinkResponse Ok(const json& result) {
  return SinkResponse{200, {}, json({{"ok", true}, {"result", result}}).dump()};
}

SinkResponse Error(int code, const std::string& description, const json& parameters = nullptr) {
  json doc = {{"ok", false}, {"error_code", code}, {"description", description}};
  if (!parameters.is_null()) doc["parameters"] = parameters;
  return SinkResponse{code, {}, doc.dump()};
}

// UTF-16 code units, as Telegram measures a text.
size_t Units(std::string_view text) {
  size_t units = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) == 0x80) continue;
    units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}

// The text as Telegram's HTML parse mode reads it: tags must nest and close, '&' must start
// an entity. The visible text's length, or the reason it cannot be parsed.
bool ParseHtml(std::string_view text, size_t* units, std::string* error) {
  std::vector<std::string> open;
  std::string visible;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '<') {
      const size_t close = text.find('>', i);
      if (close == std::string_view::npos) {
        *error = "Unclosed start tag at byte offset " + std::to_string(i);
        return false;
      }
      std::string_view tag = text.substr(i + 1, close - i - 1);
      const bool closing = !tag.empty() && tag[0] == '/';
      if (closing) tag.remove_prefix(1);
      const std::string name(tag.substr(0, tag.find_first_of(" \t\n")));
      if (closing) {
        if (open.empty() || open.back() != name) {
          *error = "Can't find end tag corresponding to start tag \"" +
                   (open.empty() ? name : open.back()) + "\"";
          return false;
        }
        open.pop_back();
      } else {
        open.push_back(name);
      }
      i = close + 1;
    } else if (text[i] == '&') {
      const size_t semi = text.find(';', i);
      if (semi == std::string_view::npos || semi - i > 10) {
        *error = "Character '&' is reserved and must be escaped with \"&amp;\"";
        return false;
      }
      visible += 'x';
      i = semi + 1;
    } else {
      visible += text[i++];
    }
  }
  if (!open.empty()) {
    *error = "Can't find end tag corresponding to start tag \"" + open.back() + "\"";
    return false;
  }
  *units = Units(visible);
  return true;
}

using InlineButton = std::pair<std::string, std::string>;  // Text, callback_data.
using InlineKeyboard = std::vector<std::vector<InlineButton>>;

// A string field as the Bot API reads one: a string, or a number taken as its digits. The
// error, or empty when the field is fine or absent (`*out` left as it is).
std::string ReadStringField(const json& object, const std::string& name, std::string* out) {
  const auto it = object.find(name);
  if (it == object.end()) return "";
  if (it->is_string()) {
    *out = it->get<std::string>();
  } else if (it->is_number()) {
    *out = it->dump();
  } else {
    return "Field \"" + name + "\" must be of type String";
  }
  return "";
}

// One InlineKeyboardButton as telegram-bot-api reads it (the error, or empty): an object with a
// text and an action, of which url and callback_data are modelled; a non-empty url wins there.
std::string ParseInlineButton(const json& button, InlineButton* out) {
  if (!button.is_object()) return "InlineKeyboardButton must be an Object";
  if (!button.contains("text")) return "Can't find field \"text\"";
  if (std::string error = ReadStringField(button, "text", &out->first); !error.empty()) {
    return error;
  }
  std::string url;
  if (std::string error = ReadStringField(button, "url", &url); !error.empty()) return error;
  if (!url.empty()) return "";
  if (std::string error = ReadStringField(button, "callback_data", &out->second); !error.empty()) {
    return error;
  }
  if (out->second.empty()) return "Text buttons are unallowed in the inline keyboard";
  return "";
}

// reply_markup as the Bot API parses it before anything is sent (the 400 description, or
// empty): an object, or that object JSON-serialized in a string (absent, null or "": none);
// only inline_keyboard is read.
std::string ParseReplyMarkup(const json& doc, InlineKeyboard* keyboard) {
  const auto it = doc.find("reply_markup");
  if (it == doc.end() || it->is_null()) return "";
  json markup = *it;
  if (it->is_string()) {
    const std::string& serialized = it->get_ref<const std::string&>();
    if (serialized.empty()) return "";  // The Bot API reads an empty argument as none.
    markup = json::parse(serialized, nullptr, /*allow_exceptions=*/false);
    if (markup.is_discarded()) return "Bad Request: can't parse reply keyboard markup JSON object";
  }
  if (!markup.is_object()) return "Bad Request: object expected as reply markup";
  const auto rows = markup.find("inline_keyboard");
  if (rows == markup.end()) return "";
  if (!rows->is_array()) return "Bad Request: field \"inline_keyboard\" must be of type Array";
  for (const json& row : *rows) {
    if (!row.is_array()) {
      return "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array "
             "of Arrays";
    }
    std::vector<InlineButton>& parsed_row = keyboard->emplace_back();
    for (const json& button : row) {
      InlineButton parsed;
      if (std::string error = ParseInlineButton(button, &parsed); !error.empty()) {
        return "Bad Request: can't parse inline keyboard button: " + error;
      }
      parsed_row.push_back(std::move(parsed));
    }
  }
  return "";
}

// What Telegram itself refuses in a keyboard the Bot API passed on (the 400 description, or
// empty): an empty button text, callback_data over 64 bytes.
std::string KeyboardRefusal(const InlineKeyboard& keyboard) {
  for (const auto& row : keyboard) {
    for (const auto& [text, data] : row) {
      if (text.empty()) return "Bad Request: BUTTON_TEXT_INVALID";
      if (data.size() > kMaxCallbackDataBytes) return "Bad Request: BUTTON_DATA_INVALID";
    }
  }
  return "";
}

std::string ChatIdOf(const json& value) {
  if (value.is_number_integer()) return value.dump();
  if (value.is_string()) return value.get<std::string>();
  return "";
}

}  // namespace

FakeTelegram::FakeTelegram(std::string token) : token_(std::move(token)) {
  sink_.set_responder([this](const SinkRequest& request) { return Handle(request); });
}

FakeTelegram::~FakeTelegram() { Stop(); }

bool FakeTelegram::Start(std::string* error) { return sink_.Start(0, error); }

void FakeTelegram::Stop() { sink_.Stop(); }

void FakeTelegram::AddUnknownChat(const std::string& chat_id) {
  std::lock_guard lock(mu_);
  unknown_.insert(chat_id);
}

void FakeTelegram::AddBlockedChat(const std::string& chat_id) {
  std::lock_guard lock(mu_);
  blocked_.insert(chat_id);
}

void FakeTelegram::AddDeactivatedChat(const std::string& chat_id) {
  std::lock_guard lock(mu_);
  deactivated_.insert(chat_id);
}

void FakeTelegram::RefuseTextContaining(const std::string& marker) {
  std::lock_guard lock(mu_);
  refused_markers_.push_back(marker);
}

void FakeTelegram::ThrottleNext(size_t count, int retry_after_seconds) {
  std::lock_guard lock(mu_);
  throttle_next_ = count;
  retry_after_seconds_ = retry_after_seconds;
}

void FakeTelegram::FailNext(size_t count) {
  std::lock_guard lock(mu_);
  fail_next_ = count;
}

std::vector<FakeTelegramMessage> FakeTelegram::Sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

FakeTelegramWebhook FakeTelegram::Webhook() const {
  std::lock_guard lock(mu_);
  return webhook_;
}

std::vector<std::string> FakeTelegram::AnsweredCallbacks() const {
  std::lock_guard lock(mu_);
  return answered_;
}

std::string FakeTelegram::MessageUpdate(int64_t chat_id, const std::string& text) {
  std::lock_guard lock(mu_);
  const int64_t id = next_update_id_++;
  const json user = {{"id", chat_id}, {"is_bot", false}, {"first_name", "Ana"}};
  return json({{"update_id", id},
               {"message",
                {{"message_id", id % 100000},
                 {"from", user},
                 {"chat", {{"id", chat_id}, {"first_name", "Ana"}, {"type", "private"}}},
                 {"date", static_cast<int64_t>(std::time(nullptr))},
                 {"text", text}}}})
      .dump();
}

std::string FakeTelegram::CallbackUpdate(int64_t chat_id, const std::string& data,
                                         int64_t message_id) {
  std::lock_guard lock(mu_);
  const int64_t id = next_update_id_++;
  const json user = {{"id", chat_id}, {"is_bot", false}, {"first_name", "Ana"}};
  return json({{"update_id", id},
               {"callback_query",
                {{"id", std::to_string(4382000000000000000 + id)},
                 {"from", user},
                 {"message",
                  {{"message_id", message_id},
                   {"from", {{"id", kBotId}, {"is_bot", true}, {"first_name", "Embassy"}}},
                   {"chat", {{"id", chat_id}, {"type", "private"}}},
                   {"date", static_cast<int64_t>(std::time(nullptr))},
                   {"text", "Will you attend?"}}},
                 {"chat_instance", "-8241738243842343"},
                 {"data", data}}}})
      .dump();
}

void FakeTelegram::QueueUpdate(const std::string& update_json) {
  std::lock_guard lock(mu_);
  updates_.push_back(update_json);
}

FakeTelegramDelivery FakeTelegram::Deliver(const std::string& url, const std::string& update_json,
                                           const std::string& secret_token) {
  FakeTelegramDelivery out;
  httplib::Client client(url.substr(0, url.find('/', url.find("//") + 2)));
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  httplib::Headers headers;
  if (!secret_token.empty()) headers.emplace("X-Telegram-Bot-Api-Secret-Token", secret_token);
  const std::string path = url.substr(url.find('/', url.find("//") + 2));
  auto result = client.Post(path, headers, update_json, "application/json");
  if (!result) return out;
  out.status = result->status;
  out.content_type = result->get_header_value("Content-Type");
  out.body = result->body;
  return out;
}

SinkResponse FakeTelegram::Handle(const SinkRequest& request) {
  const std::string prefix = "/bot";
  if (request.method != "POST" && request.method != "GET") return Error(404, "Not Found");
  const std::string& path = request.path;
  const size_t slash = path.find('/', prefix.size());
  if (!path.starts_with(prefix) || slash == std::string::npos) return Error(404, "Not Found");
  {
    std::lock_guard lock(mu_);
    if (throttle_next_ > 0) {
      --throttle_next_;
      return Error(429, "Too Many Requests: retry after " + std::to_string(retry_after_seconds_),
                   {{"retry_after", retry_after_seconds_}});
    }
    if (fail_next_ > 0) {
      --fail_next_;
      return SinkResponse{502,
                          {{"Content-Type", "text/html"}},
                          "<html><head><title>502 Bad Gateway</title></head><body><center><h1>"
                          "502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"};
    }
  }
  if (path.substr(prefix.size(), slash - prefix.size()) != token_) {
    return Error(401, "Unauthorized");
  }
  const std::string method = path.substr(slash + 1);
  if (method == "sendMessage") return SendMessage(request.body);
  if (method == "setWebhook") return SetWebhook(request.body);
  if (method == "deleteWebhook") {
    std::lock_guard lock(mu_);
    webhook_.url.clear();
    webhook_.secret_token.clear();
    ++webhook_.delete_calls;
    return Ok(true);
  }
  if (method == "getWebhookInfo") {
    std::lock_guard lock(mu_);
    return Ok({{"url", webhook_.url},
               {"has_custom_certificate", false},
               {"pending_update_count", updates_.size()},
               {"allowed_updates", webhook_.allowed_updates}});
  }
  if (method == "getUpdates") return GetUpdates(request.body);
  if (method == "answerCallbackQuery") return AnswerCallbackQuery(request.body);
  return Error(404, "Not Found");
}

SinkResponse FakeTelegram::SendMessage(const std::string& body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Error(400, "Bad Request: chat_id is empty");
  const std::string chat = ChatIdOf(doc.value("chat_id", json()));
  if (chat.empty()) return Error(400, "Bad Request: chat_id is empty");
  const json text_value = doc.value("text", json());
  if (!text_value.is_string() || text_value.get<std::string>().empty()) {
    return Error(400, "Bad Request: message text is empty");
  }
  FakeTelegramMessage m;
  m.chat_id = chat;
  m.text = text_value.get<std::string>();
  m.parse_mode = doc.value("parse_mode", "");
  const json preview = doc.value("link_preview_options", json());
  m.link_preview_disabled = preview.is_object() && preview.value("is_disabled", false);
  size_t units = Units(m.text);
  if (m.parse_mode == "HTML") {
    std::string error;
    if (!ParseHtml(m.text, &units, &error)) {
      return Error(400, "Bad Request: can't parse entities: " + error);
    }
  }
  if (units > kMaxTextUnits) return Error(400, "Bad Request: message is too long");
  if (std::string error = ParseReplyMarkup(doc, &m.inline_keyboard); !error.empty()) {
    return Error(400, error);
  }
  std::lock_guard lock(mu_);
  for (const std::string& marker : refused_markers_) {
    if (m.text.find(marker) != std::string::npos) {
      return Error(400, "Bad Request: can't parse entities: Unsupported start tag \"x\"");
    }
  }
  if (unknown_.contains(chat)) return Error(400, "Bad Request: chat not found");
  if (blocked_.contains(chat)) return Error(403, "Forbidden: bot was blocked by the user");
  if (deactivated_.contains(chat)) return Error(403, "Forbidden: user is deactivated");
  if (std::string refusal = KeyboardRefusal(m.inline_keyboard); !refusal.empty()) {
    return Error(400, refusal);
  }
  m.message_id = static_cast<int64_t>(sent_.size()) + 1;
  sent_.push_back(m);
  json chat_id = chat;
  if (!chat.empty() && chat[0] != '@') chat_id = std::stoll(chat);
  return Ok({{"message_id", m.message_id},
             {"from",
              {{"id", kBotId},
               {"is_bot", true},
               {"first_name", "Embassy"},
               {"username", "berlin_embassy_bot"}}},
             {"chat", {{"id", chat_id}, {"first_name", "Ana"}, {"type", "private"}}},
             {"date", static_cast<int64_t>(std::time(nullptr))},
             {"text", m.text}});
}

SinkResponse FakeTelegram::SetWebhook(const std::string& body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const std::string url = doc.is_object() ? doc.value("url", "") : "";
  if (!url.starts_with("https://")) {
    return Error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
  }
  const std::string secret = doc.value("secret_token", "");
  const bool secret_ok =
      secret.size() <= 256 && std::all_of(secret.begin(), secret.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      });
  if (!secret_ok) return Error(400, "Bad Request: secret token contains unallowed characters");
  std::lock_guard lock(mu_);
  webhook_.url = url;
  webhook_.secret_token = secret;
  webhook_.allowed_updates.clear();
  if (const json a = doc.value("allowed_updates", json()); a.is_array()) {
    for (const json& kind : a) {
      if (kind.is_string()) webhook_.allowed_updates.push_back(kind);
    }
  }
  ++webhook_.set_calls;
  return Ok(true);
}

SinkResponse FakeTelegram::GetUpdates(const std::string& body) {
  const json doc = json::parse(body.empty() ? "{}" : body, nullptr, false);
  std::lock_guard lock(mu_);
  if (!webhook_.url.empty()) {
    return Error(409,
                 "Conflict: can't use getUpdates method while webhook is active; use "
                 "deleteWebhook to delete the webhook first");
  }
  const int64_t offset = doc.is_object() ? doc.value("offset", int64_t{0}) : 0;
  // Updates below the offset are confirmed: Telegram forgets them.
  while (!updates_.empty() && offset > 0 &&
         json::parse(updates_.front())["update_id"].get<int64_t>() < offset) {
    updates_.pop_front();
  }
  json result = json::array();
  for (const std::string& update : updates_) {
    if (result.size() == kMaxUpdates) break;
    result.push_back(json::parse(update));
  }
  return Ok(result);
}

SinkResponse FakeTelegram::AnswerCallbackQuery(const std::string& body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const std::string id = doc.is_object() ? doc.value("callback_query_id", "") : "";
  if (id.empty()) return Error(400, "Bad Request: query_id is empty");
  std::lock_guard lock(mu_);
  answered_.push_back(id);
  return Ok(true);
}

}  // namespace ogw::testing
