-- DeliveryQueue::SweepCascades (queue/delivery_queue.cc): one campaign's due checks.
-- KEYS: cascade, due, state, step, steps, sent, ssent, dlv, udl, rpl, opt, clk, cpl, stats,
-- meta, fail, fld, fin, active campaigns, cascading campaigns.
-- ARGV: now, limit, campaign id, the states running, paused, scheduled and finished, how long
-- a paused campaign's checks wait, the channel codes whose providers report delivery, the
-- chunk key prefix, chunk size, record bytes.
-- `cascade` holds index -> when to look at the person again: "<index>" after a step was sent
-- (was it delivered?) or failed (go on at once), "<index>a" when the step was delivered and
-- an answer is awaited. Returns {steps queued, people stopped}.
local now, limit, cmp = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local running, paused, scheduled, finished = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local hold, reporting = tonumber(ARGV[8]), ARGV[9]
local chunk_prefix, csize, rbytes = ARGV[10], tonumber(ARGV[11]), tonumber(ARGV[12])
local state = redis.call('GET', KEYS[3]) or 'gone'
local width, after, unanswered, mode = unpack(redis.call('HMGET', KEYS[15], 'cascade_width',
  'cascade_after', 'cascade_unanswered', 'cascade_mode'))
width, after, unanswered = tonumber(width or '0'), tonumber(after or '0'), tonumber(unanswered or '0')
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
if state == paused or state == scheduled then
  for _, m in ipairs(items) do redis.call('ZADD', KEYS[1], now + hold, m) end
  return {0, 0}
end
local function bit(key, idx) return redis.call('GETBIT', key, idx) == 1 end
local queued, stopped = 0, 0
-- The person's cascade ends: someone never reached has their last failure as their outcome
-- (or none, in a cancelled campaign).
local function stop(idx)
  stopped = stopped + 1
  if bit(KEYS[6], idx) then return end
  if state ~= running then
    redis.call('HINCRBY', KEYS[14], 'cancelled', 1)
    return
  end
  local last = cjson.decode(redis.call('HGET', KEYS[16], idx) or '{}')
  local code = last.code
  if code == nil or code == '' then code = 'unknown' end
  redis.call('HINCRBY', KEYS[14], 'failed', 1)
  redis.call('HINCRBY', KEYS[14], 'fail:' .. code, 1)
  redis.call('SETBIT', KEYS[17], idx, 1)
  redis.call('SETBIT', KEYS[18], idx, 1)
end
-- The channel code of step `step` of `idx`, or nil when there is none.
local function channel_of(idx, step)
  local c
  if step == 0 then
    c = redis.call('GETRANGE', chunk_prefix .. math.floor(idx / csize),
                   (idx % csize) * rbytes + rbytes - 2, (idx % csize) * rbytes + rbytes - 2)
  else
    local at = (idx * width + step - 1) * 2
    c = redis.call('GETRANGE', KEYS[5], at, at)
  end
  if c == '' or string.byte(c) == 255 then return nil end
  return c
end
local function advance(idx, step)
  if step >= width or not channel_of(idx, step + 1) then return stop(idx) end
  redis.call('BITFIELD', KEYS[4], 'SET', 'u8', idx * 8, step + 1)
  redis.call('SETBIT', KEYS[7], idx, 0)
  -- What the last channel's provider said about the earlier message no longer speaks for
  -- the person.
  redis.call('SETBIT', KEYS[9], idx, 0)
  redis.call('ZADD', KEYS[2], now, cmp .. ':' .. idx .. ':0')
  redis.call('HINCRBY', KEYS[14], 'steps_open', 1)
  redis.call('HINCRBY', KEYS[14], 'steps_queued', 1)
  queued = queued + 1
end
for _, m in ipairs(items) do
  redis.call('ZREM', KEYS[1], m)
  local idx, phase = string.match(m, '^(%d+)(a?)$')
  if idx then
    idx = tonumber(idx)
    local step = redis.call('BITFIELD', KEYS[4], 'GET', 'u8', idx * 8)[1]
    if state ~= running or bit(KEYS[11], idx) then
      stop(idx)
    elseif mode == 'all' then
      advance(idx, step)
    elseif bit(KEYS[10], idx) or bit(KEYS[13], idx) then
      stop(idx)  -- Replied or completed: reached, whatever the channel.
    elseif not bit(step == 0 and KEYS[6] or KEYS[7], idx) then
      advance(idx, step)  -- The step failed.
    elseif phase == 'a' then
      if bit(KEYS[12], idx) then stop(idx) else advance(idx, step) end
    else
      local channel = channel_of(idx, step)
      local delivered = bit(KEYS[8], idx) or
        (channel ~= nil and not string.find(reporting, channel, 1, true) and not bit(KEYS[9], idx))
      if not delivered then
        advance(idx, step)
      elseif unanswered > after and not bit(KEYS[12], idx) then
        redis.call('ZADD', KEYS[1], now + unanswered - after, idx .. 'a')
      else
        stop(idx)
      end
    end
  end
end
-- Done with the campaign's cascade: it may finish, and leaves the sweep.
if redis.call('ZCARD', KEYS[1]) == 0 and
   tonumber(redis.call('HGET', KEYS[14], 'steps_open') or '0') <= 0 then
  if state == running then
    local s = redis.call('HMGET', KEYS[14], 'sent', 'failed', 'dead', 'cancelled')
    local sum = 0
    for _, v in ipairs(s) do sum = sum + tonumber(v or '0') end
    if sum >= tonumber(redis.call('HGET', KEYS[15], 'total') or '0') then
      redis.call('SET', KEYS[3], finished)
      redis.call('ZREM', KEYS[19], cmp)
      redis.call('HSETNX', KEYS[15], 'ended_at', now)
      state = finished
    end
  end
  if state ~= running and state ~= paused and state ~= scheduled then
    redis.call('SREM', KEYS[20], cmp)
  end
end
return {queued, stopped}
