-- DeliveryQueue::ForgetContact (queue/delivery_queue.cc).
-- KEYS: direct lane, direct messages, the contact's message ids, direct locks, dead letters,
-- the contact's campaign dead letters. ARGV: the contact's lock fields (contact|channel and
-- contact|channel#last for every channel).
-- Returns how many of the contact's unsettled messages carry no lane member (queued before
-- members were recorded): the caller finds those by scanning.
local settled = {sent = true, failed = true, dead = true, delivered = true, undelivered = true}
local unindexed = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local member = redis.call('HGET', KEYS[2], id .. ':m')
  if member then
    redis.call('ZREM', KEYS[1], member)
  else
    local raw = redis.call('HGET', KEYS[2], id .. ':s')
    local ok, st = pcall(cjson.decode, raw or '{}')
    if raw and not (ok and type(st) == 'table' and settled[st.status]) then
      unindexed = unindexed + 1
    end
  end
  redis.call('HDEL', KEYS[2], id, id .. ':s', id .. ':m')
  redis.call('HDEL', KEYS[5], id)
end
for _, d in ipairs(redis.call('SMEMBERS', KEYS[6])) do redis.call('HDEL', KEYS[5], d) end
redis.call('DEL', KEYS[3], KEYS[6])
if #ARGV > 0 then redis.call('HDEL', KEYS[4], unpack(ARGV)) end
return unindexed
