#include "adapters/webhook/webhook_provider.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/common/http_answer.h"
#include "gateway/core/crypto.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

std::vector<std::string> HeaderLines(const WebhookConfig& config) {
  std::vector<std::string> lines = {"Content-Type: application/json", "Accept: application/json"};
  if (!config.auth_header.empty()) lines.push_back(config.auth_header);
  return lines;
}

std::string CredentialOf(std::string_view auth_header) {
  const size_t colon = auth_header.find(':');
  return std::string(
      TrimAsciiSpace(colon == std::string_view::npos ? auth_header : auth_header.substr(colon + 1)));
}

// The provider's own words for a refusal: {"error": "..."}, {"error": {"message": "..."}} or
// {"message": "..."}; else the status line.
std::string ReasonOf(const nlohmann::json& doc, const HttpResponse& response) {
  const std::string* text = StringField(doc, "error");
  if (text == nullptr && doc.is_object() && doc.contains("error")) {
    text = StringField(doc["error"], "message");
  }
  if (text == nullptr) text = StringField(doc, "message");
  if (text != nullptr && !TrimAsciiSpace(*text).empty()) {
    return TruncateUtf8(TrimAsciiSpace(*text), kMaxReasonBytes);
  }
  return StatusText(response);
}

// The last word of a credential: the token of "Bearer <token>", which providers may echo alone.
std::string_view TokenOf(std::string_view credential) {
  const size_t last_space = credential.find_last_of(' ');
  return last_space == std::string_view::npos ? credential : credential.substr(last_space + 1);
}

}  // namespace

WebhookProvider::WebhookProvider(WebhookConfig config)
    : config_(std::move(config)),
      headers_(HeaderLines(config_)),
      credential_(CredentialOf(config_.auth_header)),
      clients_(ProviderClientOptions(config_.timeout_ms, config_.max_in_flight,
                                     config_.destinations), config_.clients) {}

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
  clients_.Perform(requests, responses);
  const std::time_t now = std::time(nullptr);
  for (size_t i = 0; i < count; ++i) {
    results[i] = Classify(responses[i], messages[i], credential_, now);
  }
}

std::string WebhookProvider::RequestBody(const OutboundMessage& message) {
  nlohmann::json body = {
      {"id", message.message_id},
      {"channel", ChannelName(message.channel)},
      {"to", message.to},
      {"from", message.from},
      {"subject", message.subject},
      {"text", message.text},
      {"text_format", TextFormatName(message.text_format)},
      {"html", message.html},
  };
  if (!message.attachments.empty()) {
    nlohmann::json& files = body["attachments"] = nlohmann::json::array();
    for (const Attachment& a : message.attachments) {
      files.push_back({{"filename", a.filename},
                       {"content_type", a.content_type},
                       {"content_base64", Base64Encode(a.data)}});
    }
  }
  // Replacing invalid UTF-8 instead of throwing: one bad byte must not fail the whole batch.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

SendResult WebhookProvider::Classify(const HttpResponse& response, const OutboundMessage& message,
                                     std::string_view credential, std::time_t now) {
  if (response.curl_code != CURLE_OK || response.status == 0) {
    return TransportFailure(response, message, {credential, TokenOf(credential)});
  }

  SendResult result;
  const long status = response.status;
  const nlohmann::json doc = ParseAnswerObject(response.body);
  if (status >= 200 && status < 300) {
    result.outcome = SendResult::Outcome::kAccepted;
    if (const std::string* id = StringField(doc, "id")) {
      result.provider_message_id = TruncateUtf8(*id, kMaxReasonBytes);
    } else if (doc.is_object() && doc.contains("id") && doc["id"].is_number_integer()) {
      result.provider_message_id = doc["id"].dump();
    }
    return result;
  }

  result.code = "http_" + std::to_string(status);
  result.reason = ReasonOf(doc, response);
  if (ReasonLeaks(result.reason, message, {credential, TokenOf(credential)})) {
    result.reason = StatusText(response);
  }
  const std::string* code = StringField(doc, "code");
  if (status >= 400 && status < 500 && code != nullptr && *code == "opted_out") {
    result.outcome = SendResult::Outcome::kOptedOut;
    result.code = "opted_out";
  } else if (IsRetryableHttpStatus(status)) {
    result.outcome = SendResult::Outcome::kTransient;
    result.retry_after_millis = RetryAfterMillis(response.retry_after, now);
  } else {
    result.outcome = SendResult::Outcome::kPermanent;
  }
  return result;
}

}  // namespace ogw
