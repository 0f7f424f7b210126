#include "adapters/messenger/messenger_provider.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/common/http_answer.h"
#include "adapters/meta/graph_error.h"
#include "adapters/meta/graph_send.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxIdleClients = 4;
constexpr int64_t kThrottledMillis = 60'000;
constexpr int64_t kTokenPauseMillis = int64_t{10} * 60'000;

// Meta's error codes as the Send API answers them
// (https://developers.facebook.com/docs/messenger-platform/error-codes and the Graph API's
// Page messages reference, https://developers.facebook.com/docs/graph-api/reference/page/
// messages).
constexpr int64_t kUnknownError = 1;
constexpr int64_t kServiceUnavailable = 2;
constexpr int64_t kAppRateLimit = 4;
constexpr int64_t kPermissionDenied = 10;
constexpr int64_t kUserRateLimit = 17;
constexpr int64_t kPageRateLimit = 32;
constexpr int64_t kInvalidParameter = 100;
constexpr int64_t kAccessToken = 190;
constexpr int64_t kPermissionsError = 200;
constexpr int64_t kPersonUnavailable = 551;
constexpr int64_t kApiRateLimit = 613;
constexpr int64_t kTemporarySendFailure = 1200;

// Subcodes.
constexpr int64_t kOutsideWindowPolicy = 2018065;  // 10: outside the allowed window.
constexpr int64_t kOutsideWindow = 2018278;        // 10: "This message is sent outside of
                                                   // allowed window."
constexpr int64_t kNoMatchingUser = 2018001;       // 100: "No matching user found".

SendResult Refused(std::string code, std::string reason) {
  SendResult r;
  r.outcome = SendResult::Outcome::kPermanent;
  r.code = std::move(code);
  r.reason = std::move(reason);
  return r;
}

}  // namespace

SendResult ClassifyMessengerError(int64_t code, int64_t subcode, long http_status) {
  SendResult r;
  if (code == 0) {
    r.code = "http_" + std::to_string(http_status);
  } else {
    r.code = "messenger_" + std::to_string(code);
    if (subcode != 0) r.code += "_" + std::to_string(subcode);
  }
  switch (code) {
    case kAppRateLimit:
    case kUserRateLimit:
    case kPageRateLimit:
    case kApiRateLimit:
      r.outcome = SendResult::Outcome::kTransient;
      r.retry_after_millis = kThrottledMillis;
      return r;
    case kAccessToken:
      r.outcome = SendResult::Outcome::kTransient;
      r.pause_account_millis = kTokenPauseMillis;
      return r;
    case kPermissionDenied:
      r.outcome = SendResult::Outcome::kPermanent;
      if (subcode == kOutsideWindow || subcode == kOutsideWindowPolicy) r.code = "outside_window";
      return r;
    case kInvalidParameter:
      r.outcome = SendResult::Outcome::kPermanent;
      r.address_invalid = subcode == kNoMatchingUser;
      return r;
    case kPersonUnavailable:
    case kPermissionsError:
      // 551 (and 200 / 1545041, its older form) "This person isn't available right now":
      // Meta keeps the cause to itself (the person blocked the Page, turned off its messages,
      // or deactivated their account), so it is taken neither for an opt-out nor for a dead
      // address. Other permission errors (an app not yet reviewed for pages_messaging) fail
      // every message the same way, with Meta's text.
      r.outcome = SendResult::Outcome::kPermanent;
      return r;
    case kUnknownError:
    case kServiceUnavailable:
    case kTemporarySendFailure:
      r.outcome = SendResult::Outcome::kTransient;
      return r;
    default:
      break;
  }
  r.outcome = IsRetryableHttpStatus(http_status) ? SendResult::Outcome::kTransient
                                                 : SendResult::Outcome::kPermanent;
  return r;
}

MessengerProvider::MessengerProvider(MessengerConfig config)
    : config_(std::move(config)),
      url_(MessagesUrl(config_)),
      headers_(GraphHeaders(config_.page_access_token)),
      secrets_({config_.page_access_token}),
      clients_(
          ProviderClientOptions(config_.timeout_ms, config_.max_in_flight, config_.destinations),
          kMaxIdleClients) {}

MessengerProvider::~MessengerProvider() = default;

std::string MessengerProvider::MessagesUrl(const MessengerConfig& config) {
  return GraphUrl(config.api_base, config.api_version, "me/messages");
}

std::string MessengerProvider::RequestBody(const OutboundMessage& message) {
  json body = {{"recipient", {{"id", message.to}}},
               // Sent because the person wrote within the window, as Messenger's policy asks.
               {"messaging_type", "RESPONSE"},
               {"message", {{"text", message.text}}}};
  if (!message.window_open && !message.message_tag.empty()) {
    // Outside the window: the tag names the one purpose the message may serve.
    body["messaging_type"] = "MESSAGE_TAG";
    body["tag"] = message.message_tag;
  }
  if (!message.buttons.empty()) {
    json replies = json::array();
    for (const QuickReply& b : message.buttons) {
      replies.push_back({{"content_type", "text"}, {"title", b.title}, {"payload", b.id}});
    }
    body["message"]["quick_replies"] = std::move(replies);
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

void MessengerProvider::SendBatch(std::span<const OutboundMessage> messages,
                                  std::span<SendResult> results) {
  const size_t count = std::min(messages.size(), results.size());
  if (count == 0) return;
  std::vector<size_t> active;
  for (size_t i = 0; i < count; ++i) {
    if (!messages[i].window_open && messages[i].message_tag.empty()) {
      results[i] = Refused("outside_window",
                           "the person has not written to the Page in the last 24 hours; "
                           "Messenger then takes only tagged messages, and this one has no "
                           "tag");
      continue;
    }
    if (CountCodePoints(messages[i].text) > kMessengerMaxTextChars) {
      results[i] = Refused("text_too_long", "longer than Messenger's 2,000 characters");
      continue;
    }
    active.push_back(i);
  }
  if (active.empty()) return;
  std::vector<HttpRequest> requests(active.size());
  for (size_t r = 0; r < active.size(); ++r) {
    requests[r].method = "POST";
    requests[r].url = url_;
    requests[r].headers = headers_;
    requests[r].body = RequestBody(messages[active[r]]);
  }
  std::vector<HttpResponse> responses(active.size());
  clients_.Perform(requests, responses);
  const std::time_t now = std::time(nullptr);
  for (size_t r = 0; r < active.size(); ++r) {
    results[active[r]] = Classify(responses[r], messages[active[r]], secrets_, now);
  }
}

SendResult MessengerProvider::Classify(const HttpResponse& response, const OutboundMessage& message,
                                       std::span<const std::string> secrets, std::time_t now) {
  SendResult result = ReadGraphAnswer(
      response, message, secrets, now, "messenger",
      [](const json& answer) { return StringField(answer, "message_id"); },
      [](const GraphError& error, long status) {
        return ClassifyMessengerError(error.code, error.subcode, status);
      });
  // Delivery events name only this mid.
  result.reports_name_provider_id = result.outcome == SendResult::Outcome::kAccepted;
  return result;
}

}  // namespace ogw
