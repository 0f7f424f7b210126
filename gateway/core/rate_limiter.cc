#include "gateway/core/rate_limiter.h"

#include <cmath>

namespace ogw {
namespace {

// KEYS[1]: theoretical arrival time (TAT) in ms. ARGV: now ms, emission interval ms,
// burst tolerance ms, cost. The caller passes `now` so every process and test shares one
// notion of time (an injected clock in tests).
const RedisScript kGcraScript(R"lua(
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * cost
local allow_at = new_tat - tolerance
if allow_at > now then return {0, math.ceil(allow_at - now)} end
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now) + 1000)
return {1, 0}
)lua");

}  // namespace

GcraRateLimiter::GcraRateLimiter(RedisPool* redis, const Clock* clock)
    : redis_(redis), clock_(clock) {}

absl::StatusOr<RateDecision> GcraRateLimiter::Acquire(const std::string& key,
                                                      const RateLimit& limit, int64_t cost) {
  if (limit.per_second <= 0) return absl::InvalidArgumentError("rate must be positive");
  const double interval = 1000.0 / limit.per_second;
  const double tolerance = interval * std::max(limit.burst, 1.0);
  char buf[3][32];
  std::snprintf(buf[0], sizeof buf[0], "%lld", static_cast<long long>(clock_->NowMillis()));
  std::snprintf(buf[1], sizeof buf[1], "%.6f", interval);
  std::snprintf(buf[2], sizeof buf[2], "%.6f", tolerance);
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Eval(kGcraScript, {key},
                                                  {buf[0], buf[1], buf[2], std::to_string(cost)}));
  if (reply.elements.size() != 2) return absl::InternalError("rate limiter: unexpected reply");
  return RateDecision{reply.elements[0].integer == 1, reply.elements[1].integer};
}

}  // namespace ogw
