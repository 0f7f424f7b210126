#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/api/problem.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// Idempotency-Key support for POST requests (the IETF draft's semantics):
// the first request with a key runs and its response is kept for the TTL; a repeat with the
// same request replays that response; a repeat with a different request gets 422; a repeat
// while the first is still running gets 409. A failed (5xx) first attempt releases the key so
// the client can retry. Records live in {o:<org>}:idem:<key_id>:<sha256(key)>. Thread-safe.
class IdempotencyStore {
 public:
  IdempotencyStore(RedisPool* redis, int ttl_seconds);

  struct Begin {
    // kGrantChanged: the key's role or posts changed since the stored answer was made, so
    // replaying it could show what the caller may no longer see.
    enum class Kind { kProceed, kReplay, kInFlight, kMismatch, kGrantChanged };
    Kind kind = Kind::kProceed;
    ApiResponse replay;  // kReplay.
    std::string record_key;
  };
  // `fingerprint` identifies the request (method, path, query and body); `grant` what the
  // caller may do (role and posts), checked before anything is replayed.
  absl::StatusOr<Begin> Start(std::string_view org_id, std::string_view api_key_id,
                              std::string_view idempotency_key, std::string_view fingerprint,
                              std::string_view grant);
  // Stores the response of a request that was allowed to proceed.
  absl::Status Finish(std::string_view org_id, const std::string& record_key,
                      std::string_view fingerprint, std::string_view grant,
                      const ApiResponse& response);

 private:
  RedisPool* redis_;
  int ttl_seconds_;
};

}  // namespace ogw
