-- DeliveryQueue::ClaimScheduled (queue/delivery_queue.cc).
-- KEYS: due. ARGV: tag, now, lease, limit, chunk size, record bytes.
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
    local p = ARGV[1] .. ':cmp:' .. cmp
    idx = tonumber(idx)
    local off = (idx % csize) * rbytes
    rec = redis.call('GETRANGE', p .. ':chunk:' .. math.floor(idx / csize), off, off + rbytes - 1)
    state = redis.call('GET', p .. ':state') or 'gone'
    sent = redis.call('GETBIT', p .. ':sent', idx)
  end
  table.insert(out, m)
  table.insert(out, rec)
  table.insert(out, state)
  table.insert(out, sent)
end
return out
