#include "queue/provider_rate_limiter.h"

#include <cstdio>

#include "gateway/core/key_schema.h"
#include "queue/take_provider_rate.lua.h"

namespace ogw {
namespace {

// queue/take_provider_rate.lua
const RedisScript kTakeScript{std::string(lua::kTakeProviderRate)};

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
