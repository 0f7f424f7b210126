#include "adapters/webhook/webhook_provider.h"

#include <curl/curl.h>

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/common/http_batch_client.h"
#include "gateway/core/json_reader.h"

namespace ogw {
namespace {

constexpr size_t kMaxReasonBytes = 200;
constexpr int64_t kMaxRetryAfterSeconds = 3600;
constexpr long kMaxConnectTimeoutMs = 2000;
// A message's text shorter than this is too likely to occur in an error by chance ("hello").
constexpr size_t kMinEchoBytes = 8;
// How much of a message's text an echo check looks for; providers often quote only a prefix.
constexpr size_t kEchoProbeBytes = 24;

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// The first `max` bytes, cut back to a UTF-8 character boundary so the result stays valid text.
std::string Truncated(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

std::vector<std::string> HeaderLines(const WebhookConfig& config) {
  std::vector<std::string> lines = {"Content-Type: application/json", "Accept: application/json"};
  if (!config.auth_header.empty()) lines.push_back(config.auth_header);
  return lines;
}

std::string CredentialOf(std::string_view auth_header) {
  const size_t colon = auth_header.find(':');
  return std::string(
      Trim(colon == std::string_view::npos ? auth_header : auth_header.substr(colon + 1)));
}

HttpBatchClientOptions ClientOptions(const WebhookConfig& config) {
  HttpBatchClientOptions options;
  options.max_in_flight = std::max<size_t>(config.max_in_flight, 1);
  options.request_timeout_ms = std::max(config.timeout_ms, 1);
  options.connect_timeout_ms = std::min<long>(kMaxConnectTimeoutMs, options.request_timeout_ms);
  options.max_connections = static_cast<long>(options.max_in_flight);
  return options;
}

// The response body as a JSON object, or null: answers are often HTML error pages, and a
// hostile body must not exhaust the stack (nlohmann recurses per level when destroying).
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

std::string StatusText(const HttpResponse& response) {
  if (!response.status_text.empty()) return Truncated(response.status_text, kMaxReasonBytes);
  return "HTTP " + std::to_string(response.status);
}

// The provider's own words for a refusal: {"error": "..."}, {"error": {"message": "..."}} or
// {"message": "..."}; else the status line.
std::string ReasonOf(const nlohmann::json& doc, const HttpResponse& response) {
  const std::string* text = StringField(doc, "error");
  if (text == nullptr && doc.is_object() && doc.contains("error")) {
    text = StringField(doc["error"], "message");
  }
  if (text == nullptr) text = StringField(doc, "message");
  if (text != nullptr && !Trim(*text).empty()) return Truncated(Trim(*text), kMaxReasonBytes);
  return StatusText(response);
}

bool Contains(std::string_view haystack, std::string_view needle, size_t min_bytes) {
  return needle.size() >= min_bytes && haystack.find(needle) != std::string_view::npos;
}

// Whether `reason` repeats the credential or the message's content, which providers sometimes
// quote back in their errors; results end up in logs and the API, where neither may appear.
bool Leaks(std::string_view reason, const OutboundMessage& message, std::string_view credential) {
  const size_t last_space = credential.find_last_of(' ');
  const std::string_view token =
      last_space == std::string_view::npos ? credential : credential.substr(last_space + 1);
  auto echoes = [&](std::string_view content) {
    return Contains(reason, content.substr(0, kEchoProbeBytes), kMinEchoBytes);
  };
  return Contains(reason, credential, 4) || Contains(reason, token, 4) || echoes(message.text) ||
         echoes(message.html) || echoes(message.subject);
}

}  // namespace

WebhookProvider::WebhookProvider(WebhookConfig config)
    : config_(std::move(config)),
      headers_(HeaderLines(config_)),
      credential_(CredentialOf(config_.auth_header)) {}

WebhookProvider::~WebhookProvider() = default;

void WebhookProvider::SendBatch(std::span<const OutboundMessage> messages,
                                std::span<SendResult> results) {
  const size_t count = std::min(messages.size(), results.size());
  if (count == 0) return;
  std::vector<HttpRequest> requests(count);
  for (size_t i = 0; i < count; ++i) {
    requests[i].method = "POST";
    requests[i].url = config_.url;
    requests[i].headers = headers_;
    requests[i].body = RequestBody(messages[i]);
  }
  std::vector<HttpResponse> responses(count);
  std::unique_ptr<HttpBatchClient> client = Borrow();
  client->Perform(requests, responses);
  Return(std::move(client));
  const std::time_t now = std::time(nullptr);
  for (size_t i = 0; i < count; ++i) {
    results[i] = Classify(responses[i], messages[i], credential_, now);
  }
}

std::string WebhookProvider::RequestBody(const OutboundMessage& message) {
  const nlohmann::json body = {
      {"id", message.message_id}, {"channel", message.channel}, {"to", message.to},
      {"from", message.from},     {"subject", message.subject}, {"text", message.text},
      {"html", message.html},
  };
  // Replacing invalid UTF-8 instead of throwing: one bad byte must not fail the whole batch.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

SendResult WebhookProvider::Classify(const HttpResponse& response, const OutboundMessage& message,
                                     std::string_view credential, std::time_t now) {
  SendResult result;
  if (response.curl_code != CURLE_OK || response.status == 0) {
    result.outcome = SendResult::Outcome::kTransient;
    result.code = response.curl_code == CURLE_OPERATION_TIMEDOUT ? "timeout"
                  : response.curl_code == CURLE_COULDNT_CONNECT  ? "connect"
                                                                 : "transport";
    result.reason = Truncated(response.error, kMaxReasonBytes);
    if (Leaks(result.reason, message, credential)) {
      result.reason = curl_easy_strerror(response.curl_code);
    }
    return result;
  }

  const long status = response.status;
  const nlohmann::json doc = ParseObject(response.body);
  if (status >= 200 && status < 300) {
    result.outcome = SendResult::Outcome::kAccepted;
    if (const std::string* id = StringField(doc, "id")) {
      result.provider_message_id = Truncated(*id, kMaxReasonBytes);
    } else if (doc.is_object() && doc.contains("id") && doc["id"].is_number_integer()) {
      result.provider_message_id = doc["id"].dump();
    }
    return result;
  }

  result.code = "http_" + std::to_string(status);
  result.reason = ReasonOf(doc, response);
  if (Leaks(result.reason, message, credential)) result.reason = StatusText(response);
  const std::string* code = StringField(doc, "code");
  if (status >= 400 && status < 500 && code != nullptr && *code == "opted_out") {
    result.outcome = SendResult::Outcome::kOptedOut;
    result.code = "opted_out";
  } else if (status == 408 || status == 425 || status == 429 || (status >= 500 && status < 600)) {
    result.outcome = SendResult::Outcome::kTransient;
    result.retry_after_millis = RetryAfterMillis(response.retry_after, now);
  } else {
    result.outcome = SendResult::Outcome::kPermanent;
  }
  return result;
}

int64_t WebhookProvider::RetryAfterMillis(std::string_view value, std::time_t now) {
  value = Trim(value);
  if (value.empty()) return 0;
  int64_t seconds = 0;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    for (char c : value) {
      seconds = std::min(seconds * 10 + (c - '0'), kMaxRetryAfterSeconds + 1);  // No overflow.
    }
  } else {
    // curl_getdate reads all three HTTP-date forms (IMF-fixdate, RFC 850, asctime).
    const std::time_t at = curl_getdate(std::string(value).c_str(), nullptr);
    if (at == -1) return 0;
    seconds = static_cast<int64_t>(at) - static_cast<int64_t>(now);
  }
  return std::clamp<int64_t>(seconds, 0, kMaxRetryAfterSeconds) * 1000;
}

std::unique_ptr<HttpBatchClient> WebhookProvider::Borrow() {
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

void WebhookProvider::Return(std::unique_ptr<HttpBatchClient> client) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_clients_.size() < std::max<size_t>(config_.clients, 1)) {
      idle_clients_.push_back(std::move(client));
      return;
    }
  }
  // One more than the pool keeps: closed here, outside the lock, with its connections.
  client.reset();
}

}  // namespace ogw
