#include "adapters/sms/kannel_provider.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "adapters/common/http_answer.h"
#include "adapters/sms/kannel_webhooks.h"
#include "adapters/sms/twilio_webhooks.h"
#include "gateway/core/text.h"
#include "templates/sms_encoding.h"

namespace ogw {
namespace {

constexpr size_t kMaxIdleClients = 4;
constexpr char kDlrMaskAll[] = "31";  // 1 + 2 + 4 + 8 + 16.
constexpr char kCodingUcs2[] = "2";

std::string PercentEncoded(std::string_view text) {
  std::string encoded = EncodeFormUrlEncoded({{std::string(text), ""}});
  encoded.pop_back();  // The '=' of the empty value.
  return encoded;
}

// smsbox answers one line of plain text; a proxy in front of it may answer an HTML page.
std::string AnswerText(const HttpResponse& response) {
  std::string_view text = TrimAsciiSpace(response.body);
  text = TrimAsciiSpace(text.substr(0, text.find_first_of("\r\n")));
  if (text.empty() || text.front() == '<') return StatusText(response);
  return TruncateUtf8(text, kMaxReasonBytes);
}

// What smsbox would get wrong rather than refuse: it sends to each word of a recipient with
// spaces, and drops the bytes of a text that are not UTF-8.
std::optional<SendResult> LocalRefusal(const OutboundMessage& message) {
  SendResult result;
  result.outcome = SendResult::Outcome::kPermanent;
  if (message.to.find_first_of(" \t\r\n") != std::string::npos) {
    result.code = "invalid_address";
    result.reason = "recipient is not a single phone number";
    return result;
  }
  // AnalyzeSms refuses ill-formed UTF-8 (and is the segment count the gateway charged).
  if (!AnalyzeSms(message.text).ok()) {
    result.code = "invalid_text";
    result.reason = "text is not UTF-8";
    return result;
  }
  return std::nullopt;
}

}  // namespace

KannelProvider::KannelProvider(KannelConfig config)
    : config_(std::move(config)),
      secrets_({config_.password, PercentEncoded(config_.password), config_.dlr_secret}),
      clients_(ProviderClientOptions(config_.timeout_ms, config_.max_in_flight,
                                     config_.destinations), kMaxIdleClients) {}

KannelProvider::~KannelProvider() = default;

bool KannelProvider::IsGsm7(std::string_view utf8_text) {
  // The same choice the gateway charged segments for.
  const absl::StatusOr<SmsInfo> info = AnalyzeSms(utf8_text);
  return info.ok() && info->encoding == SmsEncoding::kGsm7;
}

std::string KannelProvider::RequestUrl(const KannelConfig& config, const OutboundMessage& message) {
  FormParams params;
  params.emplace_back("username", config.username);
  params.emplace_back("password", config.password);
  params.emplace_back("to", message.to);
  const std::string& from = message.from.empty() ? config.from : message.from;
  if (!from.empty()) params.emplace_back("from", from);
  params.emplace_back("text", message.text);
  // Without a charset smsbox would take the bytes as they are; with it, it converts the
  // UTF-8 to GSM-7 or (coding 2) to UCS-2 itself.
  params.emplace_back("charset", "UTF-8");
  if (!IsGsm7(message.text)) params.emplace_back("coding", kCodingUcs2);
  if (!config.smsc.empty()) params.emplace_back("smsc", config.smsc);
  if (!config.dlr_url_base.empty()) {
    params.emplace_back("dlr-mask", kDlrMaskAll);
    params.emplace_back("dlr-url",
                        KannelDlrUrl(config.dlr_url_base, config.dlr_secret, message.message_id));
  }
  const char separator = config.sendsms_url.find('?') == std::string::npos ? '?' : '&';
  return config.sendsms_url + separator + EncodeFormUrlEncoded(params);
}

void KannelProvider::SendBatch(std::span<const OutboundMessage> messages,
                               std::span<SendResult> results) {
  const size_t count = std::min(messages.size(), results.size());
  std::vector<HttpRequest> requests;
  std::vector<size_t> sent;  // requests[k] is for messages[sent[k]].
  requests.reserve(count);
  sent.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (std::optional<SendResult> refusal = LocalRefusal(messages[i])) {
      results[i] = *std::move(refusal);
      continue;
    }
    HttpRequest& request = requests.emplace_back();
    request.method = "GET";
    request.url = RequestUrl(config_, messages[i]);
    sent.push_back(i);
  }
  if (requests.empty()) return;
  std::vector<HttpResponse> responses(requests.size());
  clients_.Perform(requests, responses);
  const std::time_t now = std::time(nullptr);
  for (size_t k = 0; k < requests.size(); ++k) {
    results[sent[k]] = Classify(responses[k], messages[sent[k]], secrets_, now);
  }
}

SendResult KannelProvider::Classify(const HttpResponse& response, const OutboundMessage& message,
                                    std::span<const std::string> secrets, std::time_t now) {
  const std::vector<std::string_view> secret_views(secrets.begin(), secrets.end());
  if (response.curl_code != CURLE_OK || response.status == 0) {
    return TransportFailure(response, message, secret_views);
  }

  SendResult result;
  const long status = response.status;
  if (status >= 200 && status < 300) {
    result.outcome = SendResult::Outcome::kAccepted;
    return result;
  }

  result.code = "kannel_" + std::to_string(status);
  result.reason = AnswerText(response);
  if (ReasonLeaks(result.reason, message, secret_views)) result.reason = StatusText(response);
  if (IsRetryableHttpStatus(status)) {
    result.outcome = SendResult::Outcome::kTransient;
    result.retry_after_millis = RetryAfterMillis(response.retry_after, now);
  } else {
    result.outcome = SendResult::Outcome::kPermanent;
  }
  return result;
}

}  // namespace ogw
