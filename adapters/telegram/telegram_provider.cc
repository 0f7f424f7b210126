#include "adapters/telegram/telegram_provider.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/common/http_answer.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxIdleClients = 4;
constexpr int64_t kMaxRetryAfterSeconds = 3600;

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool IsEntityChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '#';
}

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const size_t length = lead < 0x80           ? 1
                        : (lead >> 5) == 0x6  ? 2
                        : (lead >> 4) == 0xE  ? 3
                        : (lead >> 3) == 0x1E ? 4
                                              : 1;
  if (i + length > text.size()) return 1;
  for (size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return length;
}

// One piece of text a cut never falls inside: a character, or (HTML) a tag or an entity.
struct Atom {
  size_t end = 0;
  size_t units = 0;
  bool tag = false;
};

Atom NextAtom(std::string_view text, size_t i, bool html) {
  if (html && text[i] == '<') {
    const size_t close = text.find('>', i);
    if (close != std::string_view::npos) {
      return {close + 1, Utf16Units(text.substr(i, close + 1 - i)), true};
    }
  }
  if (html && text[i] == '&') {
    // Named (&amp;) and numeric (&#128512; &#x1F600;) entities.
    size_t k = i + 1;
    while (k < text.size() && k - i <= 10 && IsEntityChar(text[k])) ++k;
    if (k < text.size() && text[k] == ';' && k > i + 1) return {k + 1, k + 1 - i, false};
  }
  const size_t length = Utf8SequenceLength(text, i);
  return {i + length, length == 4 ? 2u : 1u, false};
}

struct OpenTag {
  std::string name;
  std::string_view tag;  // As written, attributes included.
};

std::string TagName(std::string_view tag) {
  size_t begin = tag[1] == '/' ? 2 : 1;
  size_t end = begin;
  while (end < tag.size() && !IsSpace(tag[end]) && tag[end] != '>' && tag[end] != '/') ++end;
  return AsciiLower(tag.substr(begin, end - begin));
}

void ApplyTag(std::string_view tag, std::vector<OpenTag>& open) {
  if (tag.size() < 3) return;
  const std::string name = TagName(tag);
  if (tag[1] != '/') {
    open.push_back({name, tag});
    return;
  }
  for (size_t k = open.size(); k > 0; --k) {
    if (open[k - 1].name == name) {
      open.erase(open.begin() + static_cast<std::ptrdiff_t>(k - 1));
      return;
    }
  }
}

size_t ClosingUnits(const std::vector<OpenTag>& open) {
  size_t units = 0;
  for (const OpenTag& t : open) units += t.name.size() + 3;  // "</" name ">"
  return units;
}

// Whether `content` shows nothing: whitespace and tags only.
bool IsBlank(std::string_view content, bool html) {
  for (size_t i = 0; i < content.size();) {
    const Atom atom = NextAtom(content, i, html);
    if (!atom.tag && !(atom.end == i + 1 && IsSpace(content[i]))) return false;
    i = atom.end;
  }
  return true;
}

struct Cut {
  bool valid = false;
  size_t end = 0;   // The part's text ends here.
  size_t next = 0;  // The next part starts here (before its leading whitespace is skipped).
  std::vector<OpenTag> open;
};

// Telegram's description, matched as Telegram words it ("Forbidden: bot was blocked by the
// user").
bool Says(const std::string* description, std::string_view words) {
  return description != nullptr && AsciiLower(*description).find(words) != std::string::npos;
}

// Whether a Bot API answer is {"ok":true,...}.
bool SaysOk(const json& doc) {
  if (!doc.is_object()) return false;
  const auto ok = doc.find("ok");
  return ok != doc.end() && ok->is_boolean() && ok->get<bool>();
}

std::string WithoutSecrets(std::string text, std::span<const std::string> secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "<token>");
    }
  }
  return text;
}

}  // namespace

size_t Utf16Units(std::string_view text) {
  size_t units = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    units += length == 4 ? 2 : 1;
    i += length;
  }
  return units;
}

std::vector<std::string> SplitTelegramText(std::string_view text, bool html, size_t max_units) {
  if (Utf16Units(text) <= max_units) return {std::string(text)};
  std::vector<std::string> parts;
  std::vector<OpenTag> open;  // Open where the current part starts.
  size_t pos = 0;
  while (pos < text.size()) {
    std::string prefix;
    for (const OpenTag& t : open) prefix += t.tag;
    std::vector<OpenTag> now = open;
    size_t units = Utf16Units(prefix);
    Cut paragraph, line, space, character;
    bool newline_before = false;
    size_t i = pos;
    while (i < text.size()) {
      const Atom atom = NextAtom(text, i, html);
      std::vector<OpenTag> after = now;
      if (atom.tag) ApplyTag(text.substr(i, atom.end - i), after);
      if (i > pos && units + atom.units + ClosingUnits(after) > max_units) break;
      const char c = text[i];
      const bool single = atom.end == i + 1 && !atom.tag;
      if (single && c == '\n') {
        if (newline_before) paragraph = {true, i - 1, atom.end, now};
        line = {true, i, atom.end, now};
      } else if (single && c == ' ') {
        space = {true, i, atom.end, now};
      }
      newline_before = single && c == '\n';
      units += atom.units;
      now = std::move(after);
      i = atom.end;
      character = {true, i, i, now};
    }
    const Cut& cut = i == text.size()  ? character
                     : paragraph.valid ? paragraph
                     : line.valid      ? line
                     : space.valid     ? space
                                       : character;
    std::string_view content = text.substr(pos, cut.end - pos);
    while (!content.empty() && IsSpace(content.back())) content.remove_suffix(1);
    if (!IsBlank(content, html)) {
      std::string part = prefix;
      part += content;
      for (size_t k = cut.open.size(); k > 0; --k) part += "</" + cut.open[k - 1].name + ">";
      parts.push_back(std::move(part));
    }
    open = cut.open;
    pos = cut.next;
    while (pos < text.size() && IsSpace(text[pos])) ++pos;
  }
  return parts;
}

TelegramProvider::TelegramProvider(TelegramConfig config)
    : config_(std::move(config)),
      url_(MethodUrl(config_, "sendMessage")),
      secrets_({config_.bot_token}),
      clients_(
          ProviderClientOptions(config_.timeout_ms, config_.max_in_flight, config_.destinations),
          kMaxIdleClients) {}

TelegramProvider::~TelegramProvider() = default;

std::string TelegramProvider::MethodUrl(const TelegramConfig& config, std::string_view method) {
  std::string_view base = config.api_base;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + "/bot" + config.bot_token + "/" + std::string(method);
}

std::string TelegramProvider::RequestBody(const OutboundMessage& message, std::string_view part,
                                          bool last_part) {
  json body = {{"chat_id", message.to}, {"text", std::string(part)}};
  if (message.text_format == TextFormat::kTelegramHtml) body["parse_mode"] = "HTML";
  if (last_part && !message.buttons.empty()) {
    json row = json::array();
    for (const QuickReply& b : message.buttons) {
      row.push_back({{"text", b.title}, {"callback_data", b.id}});
    }
    body["reply_markup"] = {{"inline_keyboard", json::array({std::move(row)})}};
  }
  // Campaign messages carry tracked links; a preview would fetch them in the person's name.
  body["link_preview_options"] = {{"is_disabled", true}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

void TelegramProvider::SendBatch(std::span<const OutboundMessage> messages,
                                 std::span<SendResult> results) {
  const size_t count = std::min(messages.size(), results.size());
  if (count == 0) return;
  std::vector<std::vector<std::string>> parts(count);
  std::vector<size_t> active(count);
  for (size_t i = 0; i < count; ++i) {
    parts[i] =
        SplitTelegramText(messages[i].text, messages[i].text_format == TextFormat::kTelegramHtml);
    // A blank text goes as it is, for Telegram to refuse.
    if (parts[i].empty()) parts[i].push_back(messages[i].text);
    active[i] = i;
  }
  std::vector<size_t> sent(count, 0);
  std::vector<std::string> first_ids(count);
  // Round k sends part k of every message whose part k-1 was accepted.
  while (!active.empty()) {
    std::vector<HttpRequest> requests(active.size());
    for (size_t r = 0; r < active.size(); ++r) {
      const size_t i = active[r];
      requests[r].method = "POST";
      requests[r].url = url_;
      requests[r].headers = {"Content-Type: application/json", "Accept: application/json"};
      requests[r].body =
          RequestBody(messages[i], parts[i][sent[i]], sent[i] + 1 == parts[i].size());
    }
    std::vector<HttpResponse> responses(active.size());
    clients_.Perform(requests, responses);
    const std::time_t now = std::time(nullptr);
    std::vector<size_t> still;
    for (size_t r = 0; r < active.size(); ++r) {
      const size_t i = active[r];
      SendResult result = Classify(responses[r], messages[i], secrets_, now);
      if (result.outcome != SendResult::Outcome::kAccepted) {
        if (parts[i].size() > 1) {
          result.reason = TruncateUtf8("part " + std::to_string(sent[i] + 1) + " of " +
                                           std::to_string(parts[i].size()) + ": " + result.reason,
                                       kMaxReasonBytes);
        }
        results[i] = std::move(result);
        continue;
      }
      if (sent[i] == 0) first_ids[i] = result.provider_message_id;
      if (++sent[i] < parts[i].size()) {
        still.push_back(i);
        continue;
      }
      result.provider_message_id = first_ids[i];
      results[i] = std::move(result);
    }
    active = std::move(still);
  }
}

SendResult TelegramProvider::Classify(const HttpResponse& response, const OutboundMessage& message,
                                      std::span<const std::string> secrets, std::time_t now) {
  const std::vector<std::string_view> secret_views(secrets.begin(), secrets.end());
  if (response.curl_code != CURLE_OK || response.status == 0) {
    return TransportFailure(response, message, secret_views);
  }
  SendResult result;
  const long status = response.status;
  const json doc = ParseAnswerObject(response.body);
  if (status >= 200 && status < 300 && SaysOk(doc)) {
    result.outcome = SendResult::Outcome::kAccepted;
    const json& sent = doc.value("result", json());
    if (sent.is_object() && sent.contains("message_id") && sent["message_id"].is_number_integer()) {
      std::string chat = message.to;
      if (const json& c = sent.value("chat", json());
          c.is_object() && c.contains("id") && c["id"].is_number_integer()) {
        chat = c["id"].dump();
      }
      result.provider_message_id =
          TruncateUtf8(chat + ":" + sent["message_id"].dump(), kMaxReasonBytes);
    }
    return result;
  }

  int64_t error_code = status;
  if (doc.is_object() && doc.contains("error_code") && doc["error_code"].is_number_integer()) {
    error_code = doc["error_code"].get<int64_t>();
  }
  const std::string* description = StringField(doc, "description");
  const bool telegram_error = doc.is_object() && doc.contains("error_code");
  result.code =
      telegram_error ? "telegram_" + std::to_string(error_code) : "http_" + std::to_string(status);
  result.reason = description != nullptr && !TrimAsciiSpace(*description).empty()
                      ? TruncateUtf8(TrimAsciiSpace(*description), kMaxReasonBytes)
                      : StatusText(response);
  if (ReasonLeaks(result.reason, message, secret_views)) result.reason = StatusText(response);
  result.reason = WithoutSecrets(std::move(result.reason), secrets);

  if (status >= 200 && status < 300) {
    result.outcome = SendResult::Outcome::kTransient;
    result.code = "telegram_unreadable";
    return result;
  }
  if (error_code == 429 || status == 429) {
    result.outcome = SendResult::Outcome::kTransient;
    const json& parameters = doc.is_object() ? doc.value("parameters", json()) : json();
    if (parameters.is_object() && parameters.contains("retry_after") &&
        parameters["retry_after"].is_number_integer()) {
      result.retry_after_millis =
          std::clamp<int64_t>(parameters["retry_after"].get<int64_t>(), 0, kMaxRetryAfterSeconds) *
          1000;
    } else {
      result.retry_after_millis = RetryAfterMillis(response.retry_after, now);
    }
    return result;
  }
  if (error_code == 403 && (Says(description, "bot was blocked by the user") ||
                            Says(description, "user is deactivated"))) {
    result.outcome = SendResult::Outcome::kOptedOut;
    return result;
  }
  if (error_code == 400 || error_code == 403) {
    result.outcome = SendResult::Outcome::kPermanent;
    result.address_invalid = error_code == 400 && Says(description, "chat not found");
    return result;
  }
  if (error_code == 401 || error_code == 404 || IsRetryableHttpStatus(status) ||
      IsRetryableHttpStatus(error_code)) {
    result.outcome = SendResult::Outcome::kTransient;
    result.retry_after_millis = RetryAfterMillis(response.retry_after, now);
    return result;
  }
  result.outcome = SendResult::Outcome::kPermanent;
  return result;
}

absl::StatusOr<std::string> CallTelegram(const TelegramConfig& config, HttpBatchClient& client,
                                         std::string_view method, const std::string& body) {
  HttpRequest request;
  request.method = "POST";
  request.url = TelegramProvider::MethodUrl(config, method);
  request.headers = {"Content-Type: application/json", "Accept: application/json"};
  request.body = body;
  HttpResponse response;
  client.Perform({&request, 1}, {&response, 1});
  const std::string what(method);
  const std::string secrets[] = {config.bot_token};
  if (response.curl_code != CURLE_OK || response.status == 0) {
    return absl::UnavailableError(what + ": " + WithoutSecrets(response.error, secrets));
  }
  const json doc = ParseAnswerObject(response.body);
  if (SaysOk(doc) && response.status >= 200 && response.status < 300) {
    return std::move(response.body);
  }
  const std::string* description = StringField(doc, "description");
  const std::string reason = WithoutSecrets(
      description != nullptr ? TruncateUtf8(*description, kMaxReasonBytes) : StatusText(response),
      secrets);
  if (IsRetryableHttpStatus(response.status) || description == nullptr) {
    return absl::UnavailableError(what + ": " + reason);
  }
  return absl::FailedPreconditionError(what + ": Telegram answered " +
                                       std::to_string(response.status) + " " + reason);
}

}  // namespace ogw
