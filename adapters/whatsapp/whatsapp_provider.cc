#include "adapters/whatsapp/whatsapp_provider.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/common/http_answer.h"
#include "adapters/meta/graph_send.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxIdleClients = 4;
constexpr int64_t kThrottledMillis = 60'000;
constexpr int64_t kPairThrottledMillis = 10'000;
constexpr int64_t kSpamPauseMillis = 30 * 60'000;
constexpr int64_t kTokenPauseMillis = 10 * 60'000;

// WhatsApp's error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/
// error-codes).
constexpr int64_t kUnknownError = 1;
constexpr int64_t kServiceUnavailable = 2;
constexpr int64_t kAppRateLimit = 4;
constexpr int64_t kAccessToken = 190;
constexpr int64_t kAccountRateLimit = 80007;
constexpr int64_t kRateLimitHit = 130429;
constexpr int64_t kSomethingWentWrong = 131000;
constexpr int64_t kServiceTemporarilyUnavailable = 131016;
constexpr int64_t kNotAWhatsAppUser = 131026;
constexpr int64_t kOutsideWindow = 131047;
constexpr int64_t kSpamRateLimit = 131048;
constexpr int64_t kStoppedMarketing = 131050;
constexpr int64_t kPairRateLimit = 131056;
constexpr int64_t kServerUnavailable = 133004;

// WhatsApp addresses numbers by their digits ("4915112345678").
std::string Digits(std::string_view e164) {
  if (!e164.empty() && e164.front() == '+') e164.remove_prefix(1);
  return std::string(e164);
}

std::string MediaKind(const MediaLink& media) {
  return media.kind == MediaLink::Kind::kImage ? "image" : "document";
}

// {"link"} for an image, {"link", "filename"} for a document.
json MediaObject(const MediaLink& media) {
  json out = {{"link", media.url}};
  if (media.kind == MediaLink::Kind::kDocument && !media.filename.empty()) {
    out["filename"] = media.filename;
  }
  return out;
}

// The template object: name, language and the components that fill it: the media header, the
// body's parameters and the quick-reply buttons' payloads.
json TemplateObject(const ProviderTemplate& t) {
  json tmpl = {{"name", t.name}, {"language", {{"code", t.language}}}};
  json components = json::array();
  if (t.header_media) {
    const std::string kind = MediaKind(*t.header_media);
    json parameter = {{"type", kind}, {kind, MediaObject(*t.header_media)}};
    components.push_back({{"type", "header"}, {"parameters", json::array({parameter})}});
  }
  if (!t.parameters.empty()) {
    json parameters = json::array();
    for (const std::string& p : t.parameters) {
      parameters.push_back({{"type", "text"}, {"text", p}});
    }
    components.push_back({{"type", "body"}, {"parameters", std::move(parameters)}});
  }
  for (size_t i = 0; i < t.button_payloads.size(); ++i) {
    components.push_back(
        {{"type", "button"},
         {"sub_type", "quick_reply"},
         {"index", std::to_string(i)},
         {"parameters", json::array({{{"type", "payload"}, {"payload", t.button_payloads[i]}}})}});
  }
  if (!components.empty()) tmpl["components"] = std::move(components);
  return tmpl;
}

bool UsesTemplate(const OutboundMessage& message) {
  return !message.window_open && message.provider_template.has_value();
}

}  // namespace

SendResult ClassifyWhatsAppError(int64_t code, long http_status) {
  SendResult r;
  switch (code) {
    case kRateLimitHit:
    case kAccountRateLimit:
    case kAppRateLimit:
      r.outcome = SendResult::Outcome::kTransient;
      r.retry_after_millis = kThrottledMillis;
      return r;
    case kPairRateLimit:
      r.outcome = SendResult::Outcome::kTransient;
      r.retry_after_millis = kPairThrottledMillis;
      return r;
    case kSpamRateLimit:
      r.outcome = SendResult::Outcome::kTransient;
      r.pause_account_millis = kSpamPauseMillis;
      return r;
    case kAccessToken:
      r.outcome = SendResult::Outcome::kTransient;
      r.pause_account_millis = kTokenPauseMillis;
      return r;
    case kNotAWhatsAppUser:
      r.outcome = SendResult::Outcome::kPermanent;
      r.address_invalid = true;
      return r;
    case kStoppedMarketing:
      r.outcome = SendResult::Outcome::kOptedOut;
      return r;
    case kUnknownError:
    case kServiceUnavailable:
    case kSomethingWentWrong:
    case kServiceTemporarilyUnavailable:
    case kServerUnavailable:
      r.outcome = SendResult::Outcome::kTransient;
      return r;
    default:
      break;
  }
  r.outcome = IsRetryableHttpStatus(http_status) ? SendResult::Outcome::kTransient
                                                 : SendResult::Outcome::kPermanent;
  return r;
}

WhatsAppProvider::WhatsAppProvider(WhatsAppConfig config)
    : config_(std::move(config)),
      url_(MessagesUrl(config_)),
      headers_(GraphHeaders(config_.access_token)),
      secrets_({config_.access_token}),
      clients_(
          ProviderClientOptions(config_.timeout_ms, config_.max_in_flight, config_.destinations),
          kMaxIdleClients) {}

WhatsAppProvider::~WhatsAppProvider() = default;

std::string WhatsAppProvider::MessagesUrl(const WhatsAppConfig& config) {
  return GraphUrl(config.api_base, config.api_version, config.phone_number_id + "/messages");
}

std::string WhatsAppProvider::RequestBody(const OutboundMessage& message, bool as_template) {
  json body = {{"messaging_product", "whatsapp"},
               {"recipient_type", "individual"},
               {"to", Digits(message.to)},
               // Echoed in every status of the message, so a report finds its message.
               {"biz_opaque_callback_data", message.message_id}};
  if (as_template && message.provider_template) {
    body["type"] = "template";
    body["template"] = TemplateObject(*message.provider_template);
  } else if (CountCodePoints(message.text) > kWhatsAppMaxCaptionChars ||
             (message.buttons.empty() && !message.media)) {
    body["type"] = "text";
    std::string text = message.text;
    if (message.media) text += "\n\n" + message.media->url;
    // Campaign texts carry tracked links; a preview would fetch them in the person's name.
    body["text"] = {{"preview_url", false}, {"body", std::move(text)}};
  } else if (!message.buttons.empty()) {
    json buttons = json::array();
    for (const QuickReply& b : message.buttons) {
      buttons.push_back({{"type", "reply"}, {"reply", {{"id", b.id}, {"title", b.title}}}});
    }
    json interactive = {{"type", "button"},
                        {"body", {{"text", message.text}}},
                        {"action", {{"buttons", std::move(buttons)}}}};
    if (message.media) {
      const std::string kind = MediaKind(*message.media);
      interactive["header"] = {{"type", kind}, {kind, MediaObject(*message.media)}};
    }
    body["type"] = "interactive";
    body["interactive"] = std::move(interactive);
  } else {
    const std::string kind = MediaKind(*message.media);
    json media = MediaObject(*message.media);
    if (!message.text.empty()) media["caption"] = message.text;
    body["type"] = kind;
    body[kind] = std::move(media);
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

void WhatsAppProvider::SendBatch(std::span<const OutboundMessage> messages,
                                 std::span<SendResult> results) {
  const size_t count = std::min(messages.size(), results.size());
  if (count == 0) return;
  std::vector<size_t> active;
  std::vector<bool> as_template(count);
  for (size_t i = 0; i < count; ++i) {
    as_template[i] = UsesTemplate(messages[i]);
    const size_t link_chars = messages[i].media ? messages[i].media->url.size() + 2 : 0;
    if (!as_template[i] && CountCodePoints(messages[i].text) + link_chars > kWhatsAppMaxTextChars) {
      results[i] = SendResult{};
      results[i].outcome = SendResult::Outcome::kPermanent;
      results[i].code = "text_too_long";
      results[i].reason = "longer than WhatsApp's 4,096 characters";
      continue;
    }
    active.push_back(i);
  }
  // Round two: free text refused as outside the window goes again as the template.
  for (int round = 0; round < 2 && !active.empty(); ++round) {
    std::vector<HttpRequest> requests(active.size());
    for (size_t r = 0; r < active.size(); ++r) {
      requests[r].method = "POST";
      requests[r].url = url_;
      requests[r].headers = headers_;
      requests[r].body = RequestBody(messages[active[r]], as_template[active[r]]);
    }
    std::vector<HttpResponse> responses(active.size());
    clients_.Perform(requests, responses);
    const std::time_t now = std::time(nullptr);
    std::vector<size_t> again;
    for (size_t r = 0; r < active.size(); ++r) {
      const size_t i = active[r];
      results[i] = Classify(responses[r], messages[i], secrets_, now);
      if (results[i].code == "outside_window" && !as_template[i] && messages[i].provider_template) {
        as_template[i] = true;
        again.push_back(i);
      }
    }
    active = std::move(again);
  }
}

SendResult WhatsAppProvider::Classify(const HttpResponse& response, const OutboundMessage& message,
                                      std::span<const std::string> secrets, std::time_t now) {
  return ReadGraphAnswer(
      response, message, secrets, now, "whatsapp",
      [](const json& answer) -> const std::string* {
        // A pointer into `answer` itself: json::value() would return a copy.
        if (!answer.is_object()) return nullptr;
        const auto sent = answer.find("messages");
        if (sent == answer.end() || !sent->is_array() || sent->empty()) return nullptr;
        return StringField((*sent)[0], "id");
      },
      [](const GraphError& error, long status) {
        SendResult result = ClassifyWhatsAppError(error.code, status);
        result.code = error.code == kOutsideWindow ? "outside_window"
                      : error.code != 0            ? "whatsapp_" + std::to_string(error.code)
                                                   : "http_" + std::to_string(status);
        return result;
      });
}

}  // namespace ogw
