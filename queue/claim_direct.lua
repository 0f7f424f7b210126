-- DeliveryQueue::ClaimDirect (queue/delivery_queue.cc).
-- KEYS: direct, locks, messages. ARGV: now, lease, limit.
-- A person's lock names the member being worked on; a later message of that person waits
-- until the holder is completed (no longer in the lane).
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit * 4)
local out = {}
local got = 0
for _, m in ipairs(items) do
  if got >= limit then break end
  local person, id = string.match(m, '^([^|]*|[^|]*)|[^|]*|([^|]*)|%d+$')
  if person then
    local holder = redis.call('HGET', KEYS[2], person)
    if (not holder) or holder == m or (not redis.call('ZSCORE', KEYS[1], holder)) then
      redis.call('HSET', KEYS[2], person, m)
      redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), m)
      local st = cjson.decode(redis.call('HGET', KEYS[3], id .. ':s') or '{}')
      st.status = 'sending'
      redis.call('HSET', KEYS[3], id .. ':s', cjson.encode(st))
      table.insert(out, m)
      table.insert(out, redis.call('HGET', KEYS[3], id) or '')
      got = got + 1
    end
  end
end
return out
