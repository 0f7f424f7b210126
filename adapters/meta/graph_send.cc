#include "adapters/meta/graph_send.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "adapters/common/http_answer.h"
#include "gateway/core/text.h"

namespace ogw {

std::string GraphUrl(std::string_view api_base, std::string_view version, std::string_view path) {
  while (!api_base.empty() && api_base.back() == '/') api_base.remove_suffix(1);
  return std::string(api_base) + "/" + std::string(version) + "/" + std::string(path);
}

std::vector<std::string> GraphHeaders(std::string_view token) {
  return {"Content-Type: application/json", "Accept: application/json",
          "Authorization: Bearer " + std::string(token)};
}

SendResult ReadGraphAnswer(
    const HttpResponse& response, const OutboundMessage& message,
    std::span<const std::string> secrets, std::time_t now, std::string_view platform,
    const std::function<const std::string*(const nlohmann::json& answer)>& find_id,
    const std::function<SendResult(const GraphError& error, long http_status)>& classify) {
  const std::vector<std::string_view> secret_views(secrets.begin(), secrets.end());
  if (response.curl_code != CURLE_OK || response.status == 0) {
    return TransportFailure(response, message, secret_views);
  }
  const long status = response.status;
  const nlohmann::json doc = ParseAnswerObject(response.body);
  const GraphError error = ParseGraphError(doc);
  if (status >= 200 && status < 300 && !error.present) {
    SendResult result;
    if (const std::string* id = find_id(doc); id != nullptr && !id->empty()) {
      result.outcome = SendResult::Outcome::kAccepted;
      result.provider_message_id = TruncateUtf8(*id, kMaxReasonBytes);
      return result;
    }
    result.outcome = SendResult::Outcome::kTransient;
    result.code = std::string(platform) + "_unreadable";
    result.reason = "the answer names no message id";
    return result;
  }
  SendResult result = classify(error, status);
  const std::string_view details = TrimAsciiSpace(error.details);
  const std::string_view text = !details.empty() ? details : TrimAsciiSpace(error.message);
  result.reason = !text.empty() ? TruncateUtf8(text, kMaxReasonBytes) : StatusText(response);
  if (ReasonLeaks(result.reason, message, secret_views)) result.reason = StatusText(response);
  if (result.outcome == SendResult::Outcome::kTransient) {
    result.retry_after_millis =
        std::max(result.retry_after_millis, RetryAfterMillis(response.retry_after, now));
  }
  return result;
}

}  // namespace ogw
