#include "gateway/api/idempotency.h"

#include <nlohmann/json.hpp>

#include "gateway/core/crypto.h"
#include "gateway/core/key_schema.h"

namespace ogw {

IdempotencyStore::IdempotencyStore(RedisPool* redis, int ttl_seconds)
    : redis_(redis), ttl_seconds_(ttl_seconds) {}

absl::StatusOr<IdempotencyStore::Begin> IdempotencyStore::Start(std::string_view org_id,
                                                                std::string_view api_key_id,
                                                                std::string_view idempotency_key,
                                                                std::string_view fingerprint,
                                                                std::string_view grant) {
  Begin begin;
  begin.record_key = keys::Idempotency(org_id, api_key_id, Sha256Hex(idempotency_key));
  nlohmann::json pending = {
      {"state", "in_flight"}, {"fingerprint", fingerprint}, {"grant", grant}};
  ASSIGN_OR_RETURN(RedisReply set, redis_->Command({"SET", begin.record_key, pending.dump(), "NX",
                                                    "EX", std::to_string(ttl_seconds_)}));
  if (!set.IsNil()) return begin;  // We own the key.
  ASSIGN_OR_RETURN(RedisReply existing, redis_->Command({"GET", begin.record_key}));
  if (existing.IsNil()) return begin;  // Expired in between: run it.
  nlohmann::json record = nlohmann::json::parse(existing.str, nullptr, false);
  if (!record.is_discarded() && record.value("state", "") == "in_flight") {
    begin.kind = Begin::Kind::kInFlight;
    return begin;
  }
  // Before anything of the stored answer is used.
  if (!record.is_discarded() && record.value("grant", "") != grant) {
    begin.kind = Begin::Kind::kGrantChanged;
    return begin;
  }
  if (record.is_discarded() || record.value("fingerprint", "") != fingerprint) {
    begin.kind = Begin::Kind::kMismatch;
    return begin;
  }
  begin.kind = Begin::Kind::kReplay;
  begin.replay.status = record.value("status", 200);
  begin.replay.body = record.value("body", "");
  begin.replay.content_type = record.value("content_type", "application/json");
  begin.replay.headers = record.value("headers", std::map<std::string, std::string>{});
  begin.replay.headers["Idempotent-Replayed"] = "true";
  return begin;
}

absl::Status IdempotencyStore::Finish(std::string_view org_id, const std::string& record_key,
                                      std::string_view fingerprint, std::string_view grant,
                                      const ApiResponse& response) {
  if (response.status >= 500) {
    ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"DEL", record_key}));
    (void)r;
    return absl::OkStatus();
  }
  const ApiResponse& kept =
      response.shows_secret
          ? Problem(409, "Already done",
                    "this request already succeeded; its secret was shown once and is not kept")
          : response;
  nlohmann::json record = {{"state", "done"},
                           {"fingerprint", fingerprint},
                           {"grant", grant},
                           {"status", kept.status},
                           {"body", kept.body},
                           {"content_type", kept.content_type},
                           {"headers", kept.headers}};
  const std::string ttl = std::to_string(ttl_seconds_);
  std::vector<std::vector<std::string>> commands = {
      {"SET", record_key, record.dump(), "EX", ttl}};
  for (const std::string& contact_id : response.contact_ids) {
    // Erasure must find and delete this cached copy of the contact's data.
    const std::string link = keys::ContactIdempotency(org_id, contact_id);
    commands.push_back({"SADD", link, record_key});
    commands.push_back({"EXPIRE", link, ttl});
  }
  ASSIGN_OR_RETURN(auto replies, redis_->Pipeline(commands));
  for (const auto& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return absl::OkStatus();
}

}  // namespace ogw
