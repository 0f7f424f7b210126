-- DeliveryQueue::ClaimScheduled (queue/delivery_queue.cc).
-- KEYS: due. ARGV (ClaimScheduledArgs in delivery_queue.cc): the prefix of every campaign's
-- keys, now, lease, limit, chunk size, record bytes, the campaign key suffixes (chunk, state,
-- sent). A message whose campaign has no state any more comes back with state "gone".
local now = tonumber(ARGV[2])
local csize = tonumber(ARGV[5])
local rbytes = tonumber(ARGV[6])
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, m in ipairs(items) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), m)
  local cmp, idx = string.match(m, '^([^:]+):(%d+):%d+$')
  local rec, state, sent = '', 'gone', 0
  if cmp then
    local p = ARGV[1] .. cmp
    idx = tonumber(idx)
    local off = (idx % csize) * rbytes
    rec = redis.call('GETRANGE', p .. ARGV[7] .. math.floor(idx / csize), off, off + rbytes - 1)
    state = redis.call('GET', p .. ARGV[8]) or 'gone'
    sent = redis.call('GETBIT', p .. ARGV[9], idx)
  end
  table.insert(out, m)
  table.insert(out, rec)
  table.insert(out, state)
  table.insert(out, sent)
end
return out
