#pragma once

// The dashboard's sign-in sessions (docs/ARCHITECTURE.md, "The officers' dashboard"): a
// cookie "<id>.<secret>" names one; Redis keeps only the secret's SHA-256, with the officer,
// a CSRF token the pages send back in a header, and the session's age. A session ends after
// `idle_seconds` without a request, `max_seconds` after it began, at sign-out, or when its
// officer is disabled.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

struct Session {
  std::string id;  // "ses_..."
  std::string org_id;
  std::string officer_id;
  std::string csrf_token;
  int64_t created_at_millis = 0;
  int64_t expires_at_millis = 0;  // When it ends if no request comes (or its age, earlier).
};

struct SessionSettings {
  int64_t idle_seconds = 30 * 60;
  int64_t max_seconds = 12 * 60 * 60;
};

// Thread-safe; owns nothing.
class SessionStore {
 public:
  // The cookie's name.
  static constexpr std::string_view kCookie = "ogw_session";

  SessionStore(RedisPool* redis, const Clock* clock, SessionSettings settings = {});

  const SessionSettings& settings() const { return settings_; }

  // A new session of the officer, and the cookie value that names it (shown once).
  absl::StatusOr<std::pair<Session, std::string>> Create(std::string_view org_id,
                                                         std::string_view officer_id);
  // The session `cookie_value` names, its idle time renewed (at most once a minute);
  // nullopt when the value is malformed, forged, or the session has ended.
  absl::StatusOr<std::optional<Session>> Resolve(std::string_view cookie_value);
  // Ends one session (sign-out); nothing when it has ended already.
  absl::Status End(std::string_view session_id);
  // Ends every session of the officer (disabled, or their password changed).
  absl::Status EndAllOf(std::string_view org_id, std::string_view officer_id);

 private:
  RedisPool* redis_;
  const Clock* clock_;
  const SessionSettings settings_;
};

// The value of the cookie `name` in a Cookie header ("a=1; ogw_session=x"); "" when absent.
std::string CookieValue(std::string_view cookie_header, std::string_view name);

}  // namespace ogw
