#include "adapters/sms/twilio_provider.h"

#include <curl/curl.h>

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/common/http_batch_client.h"
#include "adapters/sms/twilio_webhooks.h"
#include "adapters/webhook/webhook_provider.h"
#include "gateway/core/crypto.h"
#include "gateway/core/json_reader.h"

namespace ogw {
namespace {

constexpr size_t kMaxReasonBytes = 200;
constexpr size_t kMaxIdleClients = 4;
constexpr long kMaxConnectTimeoutMs = 2000;
constexpr int kUnsubscribedRecipient = 21610;
constexpr int kTooManyRequests = 20429;
// A message's text shorter than this is too likely to occur in an error by chance.
constexpr size_t kMinEchoBytes = 8;
constexpr size_t kEchoProbeBytes = 24;

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// The first `max` bytes, cut back to a UTF-8 character boundary.
std::string Truncated(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

std::string PercentEncoded(std::string_view text) {
  std::string encoded = EncodeFormUrlEncoded({{std::string(text), ""}});
  encoded.pop_back();  // The '=' of the empty value.
  return encoded;
}

std::string BasicCredential(const TwilioConfig& config) {
  return Base64Encode(config.account_sid + ":" + config.auth_token);
}

HttpBatchClientOptions ClientOptions(const TwilioConfig& config) {
  HttpBatchClientOptions options;
  options.max_in_flight = std::max<size_t>(config.max_in_flight, 1);
  options.request_timeout_ms = std::max(config.timeout_ms, 1);
  options.connect_timeout_ms = std::min<long>(kMaxConnectTimeoutMs, options.request_timeout_ms);
  options.max_connections = static_cast<long>(options.max_in_flight);
  return options;
}

// Twilio's error document, or null: proxies in front of Twilio answer with HTML, and a hostile
// body must not exhaust the stack.
nlohmann::json ParseObject(const std::string& body) {
  const std::string_view text = Trim(body);
  if (text.empty() || text.front() != '{' || JsonNestingDepth(text) > kMaxInputJsonDepth) {
    return nullptr;
  }
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return doc.is_object() ? doc : nullptr;
}

const std::string* StringField(const nlohmann::json& doc, const char* key) {
  if (!doc.is_object()) return nullptr;
  const auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
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

std::string StatusText(const HttpResponse& response) {
  if (!response.status_text.empty()) return Truncated(response.status_text, kMaxReasonBytes);
  return "HTTP " + std::to_string(response.status);
}

bool Contains(std::string_view haystack, std::string_view needle, size_t min_bytes) {
  return needle.size() >= min_bytes && haystack.find(needle) != std::string_view::npos;
}

bool Leaks(std::string_view reason, const OutboundMessage& message,
           std::span<const std::string> secrets) {
  for (const std::string& secret : secrets) {
    if (Contains(reason, secret, 4)) return true;
  }
  return Contains(reason, std::string_view(message.text).substr(0, kEchoProbeBytes), kMinEchoBytes);
}

}  // namespace

TwilioProvider::TwilioProvider(TwilioConfig config)
    : config_(std::move(config)),
      url_(MessagesUrl(config_)),
      headers_({"Content-Type: application/x-www-form-urlencoded", "Accept: application/json",
                "Authorization: Basic " + BasicCredential(config_)}),
      secrets_({config_.auth_token, BasicCredential(config_)}) {}

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
    params.emplace_back("StatusCallback", config.status_callback_url);
  }
  return EncodeFormUrlEncoded(params);
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
  std::unique_ptr<HttpBatchClient> client = Borrow();
  client->Perform(requests, responses);
  Return(std::move(client));
  const std::time_t now = std::time(nullptr);
  for (size_t i = 0; i < count; ++i) {
    results[i] = Classify(responses[i], messages[i], secrets_, now);
  }
}

SendResult TwilioProvider::Classify(const HttpResponse& response, const OutboundMessage& message,
                                    std::span<const std::string> secrets, std::time_t now) {
  SendResult result;
  if (response.curl_code != CURLE_OK || response.status == 0) {
    result.outcome = SendResult::Outcome::kTransient;
    result.code = response.curl_code == CURLE_OPERATION_TIMEDOUT ? "timeout"
                  : response.curl_code == CURLE_COULDNT_CONNECT  ? "connect"
                                                                 : "transport";
    result.reason = Truncated(response.error, kMaxReasonBytes);
    if (Leaks(result.reason, message, secrets)) {
      result.reason = curl_easy_strerror(response.curl_code);
    }
    return result;
  }

  const long status = response.status;
  const nlohmann::json doc = ParseObject(response.body);
  if (status >= 200 && status < 300) {
    result.outcome = SendResult::Outcome::kAccepted;
    if (const std::string* sid = StringField(doc, "sid")) {
      result.provider_message_id = Truncated(*sid, kMaxReasonBytes);
    }
    return result;
  }

  const int code = ErrorCode(doc);
  result.code = code != 0 ? "twilio_" + std::to_string(code) : "http_" + std::to_string(status);
  const std::string* text = StringField(doc, "message");
  result.reason = text != nullptr && !Trim(*text).empty() ? Truncated(Trim(*text), kMaxReasonBytes)
                                                          : StatusText(response);
  if (Leaks(result.reason, message, secrets)) result.reason = StatusText(response);

  if (code == kUnsubscribedRecipient) {
    result.outcome = SendResult::Outcome::kOptedOut;
  } else if (status == 429 || code == kTooManyRequests || status == 408 ||
             (status >= 500 && status < 600)) {
    result.outcome = SendResult::Outcome::kTransient;
    result.retry_after_millis = WebhookProvider::RetryAfterMillis(response.retry_after, now);
  } else {
    result.outcome = SendResult::Outcome::kPermanent;
  }
  return result;
}

std::unique_ptr<HttpBatchClient> TwilioProvider::Borrow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_clients_.empty()) {
      std::unique_ptr<HttpBatchClient> client = std::move(idle_clients_.back());
      idle_clients_.pop_back();
      return client;
    }
  }
  return std::make_unique<HttpBatchClient>(ClientOptions(config_));
}

void TwilioProvider::Return(std::unique_ptr<HttpBatchClient> client) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_clients_.size() < kMaxIdleClients) {
      idle_clients_.push_back(std::move(client));
      return;
    }
  }
  client.reset();  // Closed outside the lock, with its connections.
}

}  // namespace ogw
