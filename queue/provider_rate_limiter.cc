#include "queue/provider_rate_limiter.h"

#include <cstdio>

#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

// KEYS: per-second TAT, per-minute TAT. ARGV: now, interval_s, tolerance_s, interval_m,
// tolerance_m, costs... (interval 0: window disabled). Returns {granted, wait ms}.
const RedisScript kTakeScript(R"lua(
local now = tonumber(ARGV[1])
local buckets = {}
for b = 1, 2 do
  local interval = tonumber(ARGV[2 * b])
  if interval > 0 then
    local tat = tonumber(redis.call('GET', KEYS[b]) or now)
    if tat < now then tat = now end
    table.insert(buckets, {key = KEYS[b], interval = interval, tolerance = tonumber(ARGV[2 * b + 1]), tat = tat})
  end
end
local granted = 0
local wait = 0
for i = 6, #ARGV do
  local cost = tonumber(ARGV[i])
  local fits = true
  for _, bk in ipairs(buckets) do
    local allow_at = bk.tat + bk.interval * cost - bk.tolerance
    if allow_at > now then
      fits = false
      if allow_at - now > wait then wait = allow_at - now end
    end
  end
  if not fits then break end
  for _, bk in ipairs(buckets) do bk.tat = bk.tat + bk.interval * cost end
  granted = granted + 1
end
for _, bk in ipairs(buckets) do
  if granted > 0 then
    redis.call('SET', bk.key, string.format('%.3f', bk.tat), 'PX', math.ceil(bk.tat - now) + 60000)
  end
end
return {granted, math.ceil(wait)}
)lua");

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

}  // namespace

ProviderRateLimiter::ProviderRateLimiter(RedisPool* redis, const Clock* clock)
    : redis_(redis), clock_(clock) {}

absl::StatusOr<RateGrant> ProviderRateLimiter::TakeUpTo(const std::string& account,
                                                        const ProviderRate& rate,
                                                        std::span<const int64_t> costs) {
  if (costs.empty()) return RateGrant{};
  if (rate.per_second <= 0 && rate.per_minute <= 0) return RateGrant{costs.size(), 0};
  // Burst = one window's worth: per-second limit 50 lets 50 go at once, then 1 per 20 ms.
  const double is = rate.per_second > 0 ? 1000.0 / rate.per_second : 0;
  const double im = rate.per_minute > 0 ? 60000.0 / rate.per_minute : 0;
  std::vector<std::string> args = {std::to_string(clock_->NowMillis()), Fixed(is),
                                   Fixed(is * rate.per_second), Fixed(im),
                                   Fixed(im * rate.per_minute)};
  for (int64_t c : costs) args.push_back(std::to_string(std::max<int64_t>(c, 1)));
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_->Eval(kTakeScript,
                                {keys::ProviderRate(account, "s"), keys::ProviderRate(account, "m")},
                                args));
  if (reply.elements.size() != 2) return absl::InternalError("provider rate: unexpected reply");
  return RateGrant{static_cast<size_t>(reply.elements[0].integer), reply.elements[1].integer};
}

}  // namespace ogw
