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

size_t CodePoints(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// WhatsApp addresses numbers by their digits ("4915112345678").
std::string Digits(std::string_view e164) {
  if (!e164.empty() && e164.front() == '+') e164.remove_prefix(1);
  return std::string(e164);
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
    const ProviderTemplate& t = *message.provider_template;
    json tmpl = {{"name", t.name}, {"language", {{"code", t.language}}}};
    if (!t.parameters.empty()) {
      json parameters = json::array();
      for (const std::string& p : t.parameters) {
        parameters.push_back({{"type", "text"}, {"text", p}});
      }
      tmpl["components"] = json::array({{{"type", "body"}, {"parameters", parameters}}});
    }
    body["type"] = "template";
    body["template"] = std::move(tmpl);
  } else {
    body["type"] = "text";
    // Campaign texts carry tracked links; a preview would fetch them in the person's name.
    body["text"] = {{"preview_url", false}, {"body", message.text}};
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
    if (!as_template[i] && CodePoints(messages[i].text) > kWhatsAppMaxTextChars) {
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
