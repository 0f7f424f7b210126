#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/common/http_batch_client.h"
#include "adapters/provider.h"
#include "gateway/core/text.h"

namespace ogw {

// Reading an HTTP provider's answer: the pieces every HTTP provider classifies with.

// Reasons and provider ids are cut to this many bytes.
inline constexpr size_t kMaxReasonBytes = 200;

// The body as a JSON object, or null: answers are often HTML error pages, and a hostile body
// must not exhaust the stack (nlohmann recurses per level when destroying).
nlohmann::json ParseAnswerObject(const std::string& body);
// doc[key] when `doc` is an object and that member is a string; else null.
const std::string* StringField(const nlohmann::json& doc, const char* key);
// Whether an HTTP status means "try again later" for every HTTP provider: 408 Request Timeout,
// 425 Too Early, 429 Too Many Requests and every 5xx. Anything else is the provider's verdict.
bool IsRetryableHttpStatus(long status);
// The status line's text (truncated), or "HTTP <status>".
std::string StatusText(const HttpResponse& response);

// Whether `reason` quotes one of `secrets` or the start of the message's text, HTML or
// subject, which providers sometimes echo in their errors; results reach logs and the API,
// where neither may appear. Texts shorter than a few bytes are too likely to match by chance.
bool ReasonLeaks(std::string_view reason, const OutboundMessage& message,
                 const std::vector<std::string_view>& secrets);

// The answer to a request that never got an HTTP status: transient "timeout", "connect" or
// "transport", with curl's text (or its generic text when curl's would leak).
SendResult TransportFailure(const HttpResponse& response, const OutboundMessage& message,
                            const std::vector<std::string_view>& secrets);

// Milliseconds to wait from a Retry-After value: delta-seconds, or an HTTP-date taken relative
// to `now`; clamped to [0, 1 hour]; 0 when empty or unparseable.
int64_t RetryAfterMillis(std::string_view value, std::time_t now);

// Client options for a provider: `max_in_flight` requests and connections, `timeout_ms` per
// request, connecting within at most 2 s.
HttpBatchClientOptions ProviderClientOptions(
    int timeout_ms, size_t max_in_flight,
    std::shared_ptr<const DestinationPolicy> destinations = nullptr);

}  // namespace ogw
