#include "gateway/auth/session_store.h"

#include <algorithm>

#include "gateway/core/crypto.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

// How often a session's idle timer is pushed back: one write a minute at most, however many
// requests the pages make.
constexpr int64_t kRenewEveryMillis = 60'000;

int64_t ToInt(const std::string& text) {
  try {
    return std::stoll(text);
  } catch (...) {
    return 0;
  }
}

}  // namespace

SessionStore::SessionStore(RedisPool* redis, const Clock* clock, SessionSettings settings)
    : redis_(redis), clock_(clock), settings_(settings) {}

absl::StatusOr<std::pair<Session, std::string>> SessionStore::Create(std::string_view org_id,
                                                                     std::string_view officer_id) {
  const int64_t now = clock_->NowMillis();
  Session s;
  s.id = NewId("ses", now);
  s.org_id = std::string(org_id);
  s.officer_id = std::string(officer_id);
  s.csrf_token = Base32Encode(RandomBytes(20));
  s.created_at_millis = now;
  s.expires_at_millis = now + settings_.idle_seconds * 1000;
  const std::string secret = Base32Encode(RandomBytes(32));
  const std::string key = keys::Session(s.id);
  const std::string officer_sessions = keys::OfficerSessions(org_id, officer_id);
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> replies,
      redis_->Pipeline(
          {{"HSET", key, "org", s.org_id, "officer", s.officer_id, "secret", Sha256Hex(secret),
            "csrf", s.csrf_token, "created", std::to_string(now), "renewed", std::to_string(now)},
           {"EXPIRE", key, std::to_string(settings_.idle_seconds)},
           {"SADD", officer_sessions, s.id},
           {"EXPIRE", officer_sessions, std::to_string(settings_.max_seconds)}}));
  for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
  std::string cookie = s.id + "." + secret;
  return std::make_pair(std::move(s), std::move(cookie));
}

absl::StatusOr<std::optional<Session>> SessionStore::Resolve(std::string_view cookie_value) {
  const size_t dot = cookie_value.find('.');
  if (dot == std::string_view::npos || cookie_value.size() > 200) return std::nullopt;
  const std::string id(cookie_value.substr(0, dot));
  const std::string_view secret = cookie_value.substr(dot + 1);
  if (!IsWellFormedId(id, "ses") || secret.empty()) return std::nullopt;
  const std::string key = keys::Session(id);
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HMGET", key, "org", "officer", "secret", "csrf",
                                                  "created", "renewed"}));
  RETURN_IF_ERROR(r.AsStatus());
  if (r.elements.size() != 6 || r.elements[0].IsNil() ||
      !ConstantTimeEquals(Sha256Hex(secret), r.elements[2].str)) {
    return std::nullopt;
  }
  const int64_t now = clock_->NowMillis();
  Session s;
  s.id = id;
  s.org_id = r.elements[0].str;
  s.officer_id = r.elements[1].str;
  s.csrf_token = r.elements[3].str;
  s.created_at_millis = ToInt(r.elements[4].str);
  const int64_t renewed = ToInt(r.elements[5].str);
  const int64_t ends = s.created_at_millis + settings_.max_seconds * 1000;
  // Redis's TTL ends idle sessions; the age is checked here, against the gateway's clock.
  if (now >= ends || now >= renewed + settings_.idle_seconds * 1000) {
    RETURN_IF_ERROR(End(id));
    return std::nullopt;
  }
  int64_t last = renewed;
  if (now - renewed >= kRenewEveryMillis) {
    const int64_t ttl = std::min(settings_.idle_seconds, (ends - now + 999) / 1000);
    ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                     redis_->Pipeline({{"HSET", key, "renewed", std::to_string(now)},
                                       {"EXPIRE", key, std::to_string(ttl)}}));
    for (const RedisReply& reply : replies) RETURN_IF_ERROR(reply.AsStatus());
    last = now;
  }
  s.expires_at_millis = std::min(last + settings_.idle_seconds * 1000, ends);
  return s;
}

absl::Status SessionStore::End(std::string_view session_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"DEL", keys::Session(session_id)}));
  return r.AsStatus();
}

absl::Status SessionStore::EndAllOf(std::string_view org_id, std::string_view officer_id) {
  const std::string set = keys::OfficerSessions(org_id, officer_id);
  ASSIGN_OR_RETURN(RedisReply ids, redis_->Command({"SMEMBERS", set}));
  RETURN_IF_ERROR(ids.AsStatus());
  std::vector<std::vector<std::string>> commands;
  for (const RedisReply& id : ids.elements) commands.push_back({"DEL", keys::Session(id.str)});
  commands.push_back({"DEL", set});
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(commands));
  for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return absl::OkStatus();
}

std::string CookieValue(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const size_t semi = cookie_header.find(';');
    const std::string_view pair = TrimAsciiSpace(cookie_header.substr(0, semi));
    cookie_header = semi == std::string_view::npos ? "" : cookie_header.substr(semi + 1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && TrimAsciiSpace(pair.substr(0, eq)) == name) {
      return std::string(TrimAsciiSpace(pair.substr(eq + 1)));
    }
  }
  return "";
}

}  // namespace ogw
