-- DeliveryQueue::Record (queue/delivery_queue.cc).
-- KEYS: due, direct, locks, messages, dead, active campaigns.
-- ARGV (RecordArgs in delivery_queue.cc): the prefix of every campaign's keys, now, the
-- prefixes of a person's dead-letter index and erasure mark, the campaign states "running" and
-- "finished", the campaign key suffixes (done, sent, fin, stats, fail, state, meta, fld, steps,
-- cascade, ssent, reach), the channels that reach a person as "name:code,..."; then
-- 16 fields per outcome:
-- kind, lane, campaign, index, attempt, member, direct id, due, code, reason, extra, person,
-- language, channel, units, step.
-- `extra` is the provider's id (sent), the next member (retry, deferred) or the dead letter's
-- "contact|channel|address" (dead).
-- The campaign bitmaps are written with one BITFIELD per bitmap and group (up to 500 bits per
-- call) rather than one SETBIT per message: the previous bits decide, message by message,
-- exactly as SETBIT's answers did (first whether the outcome is fresh, then whether a sent
-- message is counted).
local campaign_prefix, now = ARGV[1], tonumber(ARGV[2])
local dead_index_prefix, erased_prefix = ARGV[3], ARGV[4]
local running, finished = ARGV[5], ARGV[6]
local suffix = {done = ARGV[7], sent = ARGV[8], fin = ARGV[9], stats = ARGV[10], fail = ARGV[11],
                state = ARGV[12], meta = ARGV[13], fld = ARGV[14], steps = ARGV[15],
                cascade = ARGV[16], ssent = ARGV[17], reach = ARGV[18]}
local channel_code = {}
for name, code in string.gmatch(ARGV[19], '([^,:]+):(%d+)') do channel_code[name] = tonumber(code) end
local first, stride = 20, 16
local counted = 0
local touched = {}
-- Key names per campaign, built once; counters summed here and written once per campaign.
local names = {}
local counts = {}
local function keys_of(cmp)
  local k = names[cmp]
  if not k then
    local p = campaign_prefix .. cmp
    k = {cmp = cmp, done = p .. suffix.done, sent = p .. suffix.sent, fin = p .. suffix.fin,
         stats = p .. suffix.stats, fail = p .. suffix.fail, state = p .. suffix.state,
         meta = p .. suffix.meta, fld = p .. suffix.fld}
    local width, after = unpack(redis.call('HMGET', k.meta, 'cascade_width', 'cascade_after'))
    if width then
      k.width, k.after = tonumber(width), tonumber(after or '0')
      k.steps, k.cascade, k.ssent = p .. suffix.steps, p .. suffix.cascade, p .. suffix.ssent
      k.reach = p .. suffix.reach
    end
    names[cmp] = k
    counts[k.stats] = {}
  end
  return k
end
-- Whether recipient `idx` of a cascade has a channel after `step`.
local function has_next(k, idx, step)
  if not k.width or step >= k.width then return false end
  local at = (tonumber(idx) * k.width + step) * 2
  local channel = redis.call('GETRANGE', k.steps, at, at)
  return channel ~= '' and string.byte(channel) ~= 255
end
-- A cascade's reach per person, one byte: bit c for every channel c that took a message to
-- them, and above them (bits 5-7) 1 + the code of the first one.
local function note_reach(k, idx, channel)
  local code = channel_code[channel]
  if not code then return end
  local old = redis.call('BITFIELD', k.reach, 'GET', 'u8', '#' .. idx)[1]
  local firstc = math.floor(old / 32)
  if firstc == 0 then firstc = code + 1 end
  redis.call('BITFIELD', k.reach, 'SET', 'u8', '#' .. idx,
             firstc * 32 + bit.bor(old % 32, 2 ^ code))
end
local function count(k, field, n)
  local c = counts[k.stats]
  c[field] = (c[field] or 0) + (n or 1)
end
-- A message sent: its language and its units on its channel.
local function count_message(k, at)
  if ARGV[at + 12] ~= '' then count(k, 'language:' .. ARGV[at + 12]) end
  if ARGV[at + 13] ~= '' then count(k, 'units:' .. ARGV[at + 13], tonumber(ARGV[at + 14])) end
end
-- Bits to set, per bitmap key (in first-use order): their indexes and the outcome (position
-- in ARGV) each belongs to.
local function collector() return {keys = {}, by = {}} end
local function add(col, key, idx, at)
  local g = col.by[key]
  if not g then
    g = {idx = {}, at = {}}
    col.by[key] = g
    col.keys[#col.keys + 1] = key
  end
  g.idx[#g.idx + 1] = idx
  g.at[#g.at + 1] = at
end
-- Sets the collected bits; calls fn(outcome position, previous bit) for each, in order.
local function set_bits(col, fn)
  for _, key in ipairs(col.keys) do
    local g = col.by[key]
    local i = 1
    while i <= #g.idx do
      local last = math.min(#g.idx, i + 499)
      local args = {'BITFIELD', key}
      for j = i, last do
        args[#args + 1] = 'SET'
        args[#args + 1] = 'u1'
        args[#args + 1] = g.idx[j]
        args[#args + 1] = 1
      end
      local old = redis.call(unpack(args))
      if fn then
        for j = i, last do fn(g.at[j], old[j - i + 1]) end
      end
      i = last + 1
    end
  end
end
local function settled(k)
  -- A cascade ends when no person waits for a check or has a later step in the lane.
  if k.width and (redis.call('ZCARD', k.cascade) > 0 or
                  tonumber(redis.call('HGET', k.stats, 'steps_open') or '0') > 0) then
    return
  end
  local s = redis.call('HMGET', k.stats, 'sent', 'failed', 'dead', 'cancelled')
  local sum = 0
  for _, v in ipairs(s) do sum = sum + tonumber(v or '0') end
  local total = tonumber(redis.call('HGET', k.meta, 'total') or '0')
  if sum >= total and redis.call('GET', k.state) == running then
    redis.call('SET', k.state, finished)
    redis.call('ZREM', KEYS[6], k.cmp)
    redis.call('HSETNX', k.meta, 'ended_at', now)
  end
end
-- 1. Which outcomes are fresh: a chunk's message whose done bit was clear, a lane item still
-- in its lane.
local fresh = {}
local done = collector()
for i = first, #ARGV, stride do
  local lane = ARGV[i + 1]
  if lane == 'c' then
    add(done, keys_of(ARGV[i + 2]).done, ARGV[i + 3], i)
  elseif lane == 's' then
    fresh[i] = redis.call('ZREM', KEYS[1], ARGV[i + 5]) == 1
  else
    fresh[i] = redis.call('ZREM', KEYS[2], ARGV[i + 5]) == 1
  end
end
set_bits(done, function(at, old) fresh[at] = old == 0 end)
-- 2. What became of each fresh one.
local sent = collector()
local fin = collector()
local fld = collector()
for i = first, #ARGV, stride do
  if fresh[i] then
    local kind, cmp, idx = ARGV[i], ARGV[i + 2], ARGV[i + 3]
    local attempt, member, did, due = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
    local code, reason, extra, person = ARGV[i + 8], ARGV[i + 9], ARGV[i + 10], ARGV[i + 11]
    counted = counted + 1
    if cmp ~= '' then
      local k = keys_of(cmp)
      local step = tonumber(ARGV[i + 15])
      -- A later step of a cascade: one more message to a person counted once. It settles
      -- its step whatever became of it, unless it goes back to the lane.
      if step > 0 and (kind == 'sent' or kind == 'failed' or kind == 'dead' or
                       kind == 'dropped') then
        count(k, 'steps_open', -1)
      end
      local reached_before = step > 0 and redis.call('GETBIT', k.sent, idx) == 1
      local next_step = (kind == 'sent' or kind == 'failed' or kind == 'dead') and
                        has_next(k, idx, step)
      if (kind == 'failed' or kind == 'dead') and k.width and (next_step or reached_before) then
        -- Not the person's outcome: the next channel is tried at once, or they were reached
        -- on an earlier one.
        count(k, 'step_failed')
        redis.call('HSET', k.fail, idx, cjson.encode({code = code, reason = reason, at = now}))
        if next_step then
          redis.call('ZADD', k.cascade, now, idx)
        else
          add(fin, k.fin, idx, i)
        end
        kind = 'step_failed'
      end
      if kind == 'sent' then
        add(sent, k.sent, idx, i)  -- Counted below unless its bit was already set.
        if k.width then note_reach(k, idx, ARGV[i + 13]) end
        if step > 0 then
          redis.call('SETBIT', k.ssent, idx, 1)
          count(k, 'step_sent')
          count_message(k, i)
        end
        if next_step then redis.call('ZADD', k.cascade, now + k.after, idx) end
      elseif kind == 'failed' then
        count(k, 'failed')
        count(k, 'fail:' .. (code ~= '' and code or 'unknown'))
        add(fld, k.fld, idx, i)
        redis.call('HSET', k.fail, idx, cjson.encode({code = code, reason = reason, at = now}))
      elseif kind == 'retry' then
        redis.call('ZADD', KEYS[1], due, extra)
        count(k, 'retried')
      elseif kind == 'deferred' then
        redis.call('ZADD', KEYS[1], due, extra)
        count(k, 'deferred')
      elseif kind == 'held' then
        redis.call('ZADD', KEYS[1], due, extra)
      elseif kind == 'dead' then
        local c, ch, a = string.match(extra, '^([^|]*)|([^|]*)|([^|]*)$')
        -- A person erased while a worker held their message keeps no dead letter.
        local erased = c and c ~= '' and
                       redis.call('EXISTS', erased_prefix .. redis.sha1hex(c)) == 1
        if not erased then
          redis.call('HSET', KEYS[5], cmp .. ':' .. idx, cjson.encode({campaign = cmp,
            index = tonumber(idx), contact_id = c, channel = ch, address_index = tonumber(a),
            attempts = tonumber(attempt) + 1, code = code, reason = reason, at = now}))
          if c and c ~= '' then redis.call('SADD', dead_index_prefix .. c, cmp .. ':' .. idx) end
        end
        count(k, 'dead')
        count(k, 'fail:' .. (code ~= '' and code or 'unknown'))
        add(fld, k.fld, idx, i)
      elseif kind == 'dropped' and not reached_before then
        count(k, 'cancelled')
      end
      if kind == 'sent' or kind == 'failed' or kind == 'dead' or kind == 'dropped' then
        add(fin, k.fin, idx, i)
      end
      touched[cmp] = k
    else
      local st = cjson.decode(redis.call('HGET', KEYS[4], did .. ':s') or '{}')
      st.attempts = tonumber(attempt) + 1
      st.at = now
      local release = true
      if kind == 'sent' then
        st.status = 'sent'
        st.provider_message_id = extra
      elseif kind == 'failed' or kind == 'dropped' then
        st.status = 'failed'
        st.code = code
        st.reason = reason
      elseif kind == 'retry' or kind == 'deferred' or kind == 'held' then
        st.status = 'retrying'
        st.code = code
        st.reason = reason
        if kind ~= 'retry' then st.attempts = tonumber(attempt) end
        redis.call('ZADD', KEYS[2], due, extra)
        redis.call('HSET', KEYS[3], person, extra)
        redis.call('HSET', KEYS[4], did .. ':m', extra)
        release = false
      elseif kind == 'dead' then
        st.status = 'dead'
        st.code = code
        st.reason = reason
        redis.call('HSET', KEYS[5], did, cjson.encode({direct_id = did, member = member,
          attempts = tonumber(attempt) + 1, code = code, reason = reason, at = now}))
      end
      if release then
        if redis.call('HGET', KEYS[3], person) == member then redis.call('HDEL', KEYS[3], person) end
        redis.call('HDEL', KEYS[4], did .. ':m')
      end
      redis.call('HSET', KEYS[4], did .. ':s', cjson.encode(st))
    end
  end
end
-- A sent bit that was already set is never counted twice.
set_bits(sent, function(at, old)
  if old == 0 then
    local k = keys_of(ARGV[at + 2])
    count(k, 'sent')
    if ARGV[at + 15] == '0' then count_message(k, at) end  -- Later steps were counted above.
  end
end)
set_bits(fin, nil)
set_bits(fld, nil)
for stats, c in pairs(counts) do
  for field, n in pairs(c) do redis.call('HINCRBY', stats, field, n) end
end
for _, k in pairs(touched) do settled(k) end
return counted
