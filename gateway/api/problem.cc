#include "gateway/api/problem.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace ogw {

ApiResponse ApiResponse::Json(int status, const nlohmann::json& body) {
  ApiResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

ApiResponse ApiResponse::NoContent() {
  ApiResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

ApiResponse Problem(int status, std::string_view title, std::string_view detail,
                    std::string_view field, const std::vector<FieldProblem>& errors) {
  nlohmann::json body = {{"type", "about:blank"},
                         {"title", title},
                         {"status", status},
                         {"detail", detail}};
  if (!field.empty()) body["field"] = field;
  if (!errors.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : errors) list.push_back({{"field", e.field}, {"message", e.message}});
    body["errors"] = std::move(list);
  }
  ApiResponse r = ApiResponse::Json(status, body);
  r.content_type = "application/problem+json";
  return r;
}

std::string RetryAfterSeconds(int64_t millis) {
  return std::to_string(std::max<int64_t>(1, (millis + 999) / 1000));
}

ApiResponse TooManyRequests(std::string_view detail, int64_t retry_after_millis) {
  ApiResponse r = Problem(429, "Too many requests", detail);
  r.headers["Retry-After"] = RetryAfterSeconds(retry_after_millis);
  return r;
}

ApiResponse ProblemFromStatus(const absl::Status& status, std::string_view field) {
  std::string_view msg = MessageOf(status);
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return Problem(422, "Invalid input", msg, field);
    case absl::StatusCode::kNotFound:
      return Problem(404, "Not found", msg, field);
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return Problem(409, "Conflict", msg, field);
    case absl::StatusCode::kPermissionDenied:
      return Problem(403, "Forbidden", msg, field);
    case absl::StatusCode::kUnauthenticated:
      return Problem(401, "Unauthorized", msg, field);
    case absl::StatusCode::kResourceExhausted:
      return Problem(429, "Too many requests", msg, field);
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      spdlog::warn("request failed: storage unavailable: {}", msg);
      if (msg.find("redis is full") != std::string_view::npos) {
        return Problem(503, "Service unavailable",
                       "storage is full; nothing was changed. Retry later (an operator must "
                       "add memory or remove data)");
      }
      return Problem(503, "Service unavailable", "storage is unavailable; retry later");
    default:
      spdlog::error("request failed: {}", status.ToString());
      return Problem(500, "Internal error", "an internal error occurred");
  }
}

}  // namespace ogw
