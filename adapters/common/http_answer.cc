#include "adapters/common/http_answer.h"

#include <curl/curl.h>

#include <algorithm>

#include "gateway/core/json_reader.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr int64_t kMaxRetryAfterSeconds = 3600;
constexpr long kMaxConnectTimeoutMs = 2000;
constexpr size_t kMinSecretBytes = 4;
// A message's text shorter than this is too likely to occur in an error by chance ("hello").
constexpr size_t kMinEchoBytes = 8;
// How much of a message's text an echo check looks for; providers often quote only a prefix.
constexpr size_t kEchoProbeBytes = 24;

bool Contains(std::string_view haystack, std::string_view needle, size_t min_bytes) {
  return needle.size() >= min_bytes && haystack.find(needle) != std::string_view::npos;
}

}  // namespace

nlohmann::json ParseAnswerObject(const std::string& body) {
  const std::string_view text = TrimAsciiSpace(body);
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

bool IsRetryableHttpStatus(long status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status < 600);
}

std::string StatusText(const HttpResponse& response) {
  if (!response.status_text.empty()) return TruncateUtf8(response.status_text, kMaxReasonBytes);
  return "HTTP " + std::to_string(response.status);
}

bool ReasonLeaks(std::string_view reason, const OutboundMessage& message,
                 const std::vector<std::string_view>& secrets) {
  for (std::string_view secret : secrets) {
    if (Contains(reason, secret, kMinSecretBytes)) return true;
  }
  auto echoes = [&](std::string_view content) {
    return Contains(reason, content.substr(0, kEchoProbeBytes), kMinEchoBytes);
  };
  return echoes(message.text) || echoes(message.html) || echoes(message.subject);
}

SendResult TransportFailure(const HttpResponse& response, const OutboundMessage& message,
                            const std::vector<std::string_view>& secrets) {
  SendResult result;
  result.outcome = SendResult::Outcome::kTransient;
  result.code = response.curl_code == CURLE_OPERATION_TIMEDOUT ? "timeout"
                : response.curl_code == CURLE_COULDNT_CONNECT  ? "connect"
                                                               : "transport";
  result.reason = TruncateUtf8(response.error, kMaxReasonBytes);
  if (ReasonLeaks(result.reason, message, secrets)) {
    result.reason = curl_easy_strerror(response.curl_code);
  }
  return result;
}

int64_t RetryAfterMillis(std::string_view value, std::time_t now) {
  value = TrimAsciiSpace(value);
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

HttpBatchClientOptions ProviderClientOptions(
    int timeout_ms, size_t max_in_flight,
    std::shared_ptr<const DestinationPolicy> destinations) {
  HttpBatchClientOptions options;
  options.destinations = std::move(destinations);
  options.max_in_flight = std::max<size_t>(max_in_flight, 1);
  options.request_timeout_ms = std::max(timeout_ms, 1);
  options.connect_timeout_ms = std::min<long>(kMaxConnectTimeoutMs, options.request_timeout_ms);
  return options;
}

}  // namespace ogw
