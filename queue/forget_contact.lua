-- DeliveryQueue::ForgetContact (queue/delivery_queue.cc).
-- KEYS: direct lane, direct messages, the contact's message ids, direct locks, dead letters,
-- the contact's campaign dead letters. ARGV: the contact's lock fields (contact|channel and
-- contact|channel#last for every channel).
-- Returns the ids of the contact's unsettled messages that carry no lane member (queued
-- before members were recorded). They stay in the contact's message ids until the caller has
-- found their lane entries by scanning and calls this again with none left to find.
local settled = {sent = true, failed = true, dead = true, delivered = true, undelivered = true}
local unindexed = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local member = redis.call('HGET', KEYS[2], id .. ':m')
  local raw = redis.call('HGET', KEYS[2], id .. ':s')
  local ok, st = pcall(cjson.decode, raw or '{}')
  if not (ok and type(st) == 'table') then st = {} end
  local unsettled = raw and not settled[st.status]
  if member then
    -- Also the member's other attempts: a worker of an older version may have moved the
    -- message to its next attempt without recording the new member.
    local prefix = string.match(member, '^(.*)|%d+$') or member
    redis.call('ZREM', KEYS[1], member)
    for attempt = 0, (tonumber(st.attempts) or 0) + 1 do
      redis.call('ZREM', KEYS[1], prefix .. '|' .. attempt)
    end
  end
  if unsettled and not member and ARGV[1] ~= 'scanned' then
    table.insert(unindexed, id)
  else
    redis.call('HDEL', KEYS[2], id, id .. ':s', id .. ':m')
    redis.call('HDEL', KEYS[5], id)
    redis.call('SREM', KEYS[3], id)
  end
end
for _, d in ipairs(redis.call('SMEMBERS', KEYS[6])) do redis.call('HDEL', KEYS[5], d) end
redis.call('DEL', KEYS[6])
local locks = {}
for i = 2, #ARGV do locks[#locks + 1] = ARGV[i] end
if #locks > 0 then redis.call('HDEL', KEYS[4], unpack(locks)) end
return unindexed
