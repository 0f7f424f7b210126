-- DeliveryQueue::ClaimChunk (queue/delivery_queue.cc).
-- KEYS: state, meta, leases, done, sent. ARGV (ClaimChunkArgs in delivery_queue.cc): the
-- prefix of the campaign's chunk keys, now, lease, chunk size, the campaign states "scheduled"
-- and "running". Answers the state when no chunk can be claimed ("gone": no state at all;
-- "busy", "drained": every chunk is claimed, or done).
local now = tonumber(ARGV[2])
local state = redis.call('GET', KEYS[1])
if not state then return {'gone'} end
local scheduled, running = ARGV[5], ARGV[6]
if state == scheduled then
  local start = tonumber(redis.call('HGET', KEYS[2], 'start_at') or '0')
  if now < start then return {scheduled} end
  redis.call('SET', KEYS[1], running)
  state = running
end
if state ~= running then return {state} end
local n
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1)
if #expired > 0 then
  n = tonumber(expired[1])
else
  local nxt = tonumber(redis.call('HGET', KEYS[2], 'next'))
  local chunks = tonumber(redis.call('HGET', KEYS[2], 'chunks'))
  if nxt >= chunks then
    if redis.call('ZCARD', KEYS[3]) == 0 then return {'drained'} end
    return {'busy'}
  end
  redis.call('HSET', KEYS[2], 'next', nxt + 1)
  n = nxt
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), n)
local bytes = tonumber(ARGV[4]) / 8
local from = n * bytes
return {'ok', n, redis.call('GET', ARGV[1] .. n) or '',
        redis.call('GETRANGE', KEYS[4], from, from + bytes - 1),
        redis.call('GETRANGE', KEYS[5], from, from + bytes - 1)}
