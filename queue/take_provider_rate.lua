-- ProviderRateLimiter::TakeUpTo (queue/provider_rate_limiter.cc).
-- KEYS: per-second TAT, per-minute TAT. ARGV: now, interval_s, tolerance_s, interval_m,
-- tolerance_m, costs... (interval 0: window disabled). Returns {granted, wait ms}.
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
    -- A message larger than the burst (a 3-part SMS at 1 per second) goes when the bucket is
    -- idle and leaves a debt the next ones wait out; else it could never go at all.
    local allow_at = bk.tat + math.min(bk.interval * cost, bk.tolerance) - bk.tolerance
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
