#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/status.h"

namespace ogw {

// One HTTP response produced by a route handler.
struct ApiResponse {
  int status = 200;
  std::string body;  // Already serialised.
  // A body shared with a cache (a bulletin's page), written out without a copy; set instead
  // of `body`, and only with status 200 (the HTTP layer's error pages replace empty bodies).
  std::shared_ptr<const std::string> shared_body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  // The contacts whose personal data the body carries, so a cached idempotent replay of it
  // is erased together with any of them.
  std::vector<std::string> contact_ids;
  // Set when the body holds a secret shown once (a new API key's token): an idempotent
  // repeat then gets 409 instead of a stored copy of the secret.
  bool shows_secret = false;
  // A body too large to hold (an export): written after the handler returns, chunk by chunk,
  // through `write` (false once the client went away). Returns false to cut the response short
  // (the client sees the chunked body end without its terminator). Set instead of `body`.
  using Writer = std::function<bool(std::string_view chunk)>;
  std::function<bool(const Writer& write)> stream;

  static ApiResponse Json(int status, const nlohmann::json& body);
  static ApiResponse NoContent();
};

struct FieldProblem {
  std::string field;
  std::string message;
};

// RFC 9457 problem details (application/problem+json). `field` names the offending input
// (a JSON path, query parameter or header) when there is one; `errors` lists several.
ApiResponse Problem(int status, std::string_view title, std::string_view detail,
                    std::string_view field = "", const std::vector<FieldProblem>& errors = {});

// A Retry-After value for a wait in milliseconds: whole seconds, rounded up, at least 1.
std::string RetryAfterSeconds(int64_t millis);

// 429 Too Many Requests with Retry-After (RetryAfterSeconds).
ApiResponse TooManyRequests(std::string_view detail, int64_t retry_after_millis);

// Maps a Status to a problem response with the canonical HTTP status for its code.
// Internal errors get a generic detail: their messages may name Redis keys or data.
ApiResponse ProblemFromStatus(const absl::Status& status, std::string_view field = "");

}  // namespace ogw
