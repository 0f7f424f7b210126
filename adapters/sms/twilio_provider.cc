#include "adapters/sms/twilio_provider.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/common/http_answer.h"
#include "adapters/sms/twilio_webhooks.h"
#include "gateway/core/crypto.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr size_t kMaxIdleClients = 4;
constexpr int kUnsubscribedRecipient = 21610;
constexpr int kTooManyRequests = 20429;

std::string PercentEncoded(std::string_view text) {
  std::string encoded = EncodeFormUrlEncoded({{std::string(text), ""}});
  encoded.pop_back();  // The '=' of the empty value.
  return encoded;
}

std::string BasicCredential(const TwilioConfig& config) {
  return Base64Encode(config.account_sid + ":" + config.auth_token);
}

// Twilio's numeric error code; 0 when absent. Some gateways quote it, so strings count too.
int ErrorCode(const nlohmann::json& doc) {
  if (!doc.is_object()) return 0;
  const auto it = doc.find("code");
  if (it == doc.end()) return 0;
  if (it->is_number_integer()) {
    const int64_t code = it->get<int64_t>();
    return code > 0 && code < 1000000 ? static_cast<int>(code) : 0;
  }
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    if (text.empty() || text.size() > 6 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return 0;
    }
    return std::stoi(text);
  }
  return 0;
}

}  // namespace

TwilioProvider::TwilioProvider(TwilioConfig config)
    : config_(std::move(config)),
      url_(MessagesUrl(config_)),
      headers_({"Content-Type: application/x-www-form-urlencoded", "Accept: application/json",
                "Authorization: Basic " + BasicCredential(config_)}),
      secrets_({config_.auth_token, BasicCredential(config_)}),
      clients_(ProviderClientOptions(config_.timeout_ms, config_.max_in_flight,
                                     config_.destinations),
               kMaxIdleClients) {}

TwilioProvider::~TwilioProvider() = default;

std::string TwilioProvider::MessagesUrl(const TwilioConfig& config) {
  std::string_view base = config.api_base;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + "/2010-04-01/Accounts/" + PercentEncoded(config.account_sid) +
         "/Messages.json";
}

std::string TwilioProvider::RequestBody(const TwilioConfig& config,
                                        const OutboundMessage& message) {
  FormParams params;
  params.emplace_back("To", message.to);
  const std::string& from = message.from.empty() ? config.from : message.from;
  if (!from.empty()) params.emplace_back("From", from);
  if (!config.messaging_service_sid.empty()) {
    params.emplace_back("MessagingServiceSid", config.messaging_service_sid);
  }
  params.emplace_back("Body", message.text);
  if (!config.status_callback_url.empty()) {
    // The message's own id rides in the callback URL, so a report finds its message without
    // a lookup table (Twilio signs the whole URL, query included).
    params.emplace_back("StatusCallback", StatusCallbackUrl(config, message.message_id));
  }
  return EncodeFormUrlEncoded(params);
}

std::string TwilioProvider::StatusCallbackUrl(const TwilioConfig& config,
                                              std::string_view message_id) {
  const char separator = config.status_callback_url.find('?') == std::string::npos ? '?' : '&';
  return config.status_callback_url + separator +
         EncodeFormUrlEncoded({{"m", std::string(message_id)}});
}

void TwilioProvider::SendBatch(std::span<const OutboundMessage> messages,
                               std::span<SendResult> results) {
  const size_t count = std::min(messages.size(), results.size());
  if (count == 0) return;
  std::vector<HttpRequest> requests(count);
  for (size_t i = 0; i < count; ++i) {
    requests[i].method = "POST";
    requests[i].url = url_;
    requests[i].headers = headers_;
    requests[i].body = RequestBody(config_, messages[i]);
  }
  std::vector<HttpResponse> responses(count);
  clients_.Perform(requests, responses);
  const std::time_t now = std::time(nullptr);
  for (size_t i = 0; i < count; ++i) {
    results[i] = Classify(responses[i], messages[i], secrets_, now);
  }
}

SendResult TwilioProvider::Classify(const HttpResponse& response, const OutboundMessage& message,
                                    std::span<const std::string> secrets, std::time_t now) {
  if (response.curl_code != CURLE_OK || response.status == 0) {
    return TransportFailure(response, message, {secrets.begin(), secrets.end()});
  }

  SendResult result;
  const long status = response.status;
  const nlohmann::json doc = ParseAnswerObject(response.body);
  if (status >= 200 && status < 300) {
    result.outcome = SendResult::Outcome::kAccepted;
    if (const std::string* sid = StringField(doc, "sid")) {
      result.provider_message_id = TruncateUtf8(*sid, kMaxReasonBytes);
    }
    return result;
  }

  const int code = ErrorCode(doc);
  result.code = code != 0 ? "twilio_" + std::to_string(code) : "http_" + std::to_string(status);
  const std::string* text = StringField(doc, "message");
  result.reason = text != nullptr && !TrimAsciiSpace(*text).empty()
                      ? TruncateUtf8(TrimAsciiSpace(*text), kMaxReasonBytes)
                      : StatusText(response);
  if (ReasonLeaks(result.reason, message, {secrets.begin(), secrets.end()})) {
    result.reason = StatusText(response);
  }

  if (code == kUnsubscribedRecipient) {
    result.outcome = SendResult::Outcome::kOptedOut;
  } else if (IsRetryableHttpStatus(status) || code == kTooManyRequests) {
    result.outcome = SendResult::Outcome::kTransient;
    result.retry_after_millis = RetryAfterMillis(response.retry_after, now);
  } else {
    result.outcome = SendResult::Outcome::kPermanent;
  }
  return result;
}

}  // namespace ogw
