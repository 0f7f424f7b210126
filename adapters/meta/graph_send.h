#pragma once

// What the senders of Meta's platforms (WhatsApp Cloud, Messenger) share: the Graph API's
// URLs and bearer headers, and the reading of its answer to a send.

#include <ctime>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adapters/common/http_batch_client.h"
#include "adapters/meta/graph_error.h"
#include "adapters/provider.h"

namespace ogw {

// {api_base}/{version}/{path}, whatever slashes api_base ends with.
std::string GraphUrl(std::string_view api_base, std::string_view version, std::string_view path);
// JSON in and out, and the token as a bearer credential (never in the URL, where access logs
// would keep it).
std::vector<std::string> GraphHeaders(std::string_view token);

// Reads one answer to a send on `platform` ("whatsapp", "messenger"):
//   2xx without an error object   accepted with the id `find_id` finds in the answer, else
//                                 transient "<platform>_unreadable"
//   an error object / other       `classify(error, status)` decides outcome and code; reason
//                                 is Meta's text (error_data.details, else message, at most
//                                 200 bytes) unless it repeats a secret or the message, then
//                                 the status text; transient answers wait at least Retry-After
//   no HTTP answer                transient "timeout" / "connect" / "transport"
SendResult ReadGraphAnswer(
    const HttpResponse& response, const OutboundMessage& message,
    std::span<const std::string> secrets, std::time_t now, std::string_view platform,
    const std::function<const std::string*(const nlohmann::json& answer)>& find_id,
    const std::function<SendResult(const GraphError& error, long http_status)>& classify);

}  // namespace ogw
