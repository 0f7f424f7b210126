-- DeliveryQueue::ClaimScheduled (queue/delivery_queue.cc).
-- KEYS: due. ARGV (ClaimScheduledArgs in delivery_queue.cc): the prefix of every campaign's
-- keys, now, lease, limit, chunk size, record bytes, the campaign key suffixes (chunk, state,
-- sent, step, steps, ssent, meta). A message whose campaign has no state any more comes back
-- with state "gone". A cascade's later step (its index's step byte > 0) comes back with that
-- step's channel and address in the record, and "sent" meaning that step was sent.
local now = tonumber(ARGV[2])
local csize = tonumber(ARGV[5])
local rbytes = tonumber(ARGV[6])
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, m in ipairs(items) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), m)
  local cmp, idx = string.match(m, '^([^:]+):(%d+):%d+$')
  local rec, state, sent, step = '', 'gone', 0, 0
  if cmp then
    local p = ARGV[1] .. cmp
    idx = tonumber(idx)
    local off = (idx % csize) * rbytes
    rec = redis.call('GETRANGE', p .. ARGV[7] .. math.floor(idx / csize), off, off + rbytes - 1)
    state = redis.call('GET', p .. ARGV[8]) or 'gone'
    step = redis.call('BITFIELD', p .. ARGV[10], 'GET', 'u8', idx * 8)[1]
    if step == 0 then
      sent = redis.call('GETBIT', p .. ARGV[9], idx)
    else
      local width = tonumber(redis.call('HGET', p .. ARGV[13], 'cascade_width') or '0')
      local at = (idx * width + step - 1) * 2
      local pair = redis.call('GETRANGE', p .. ARGV[11], at, at + 1)
      if #rec == rbytes and #pair == 2 and step <= width then
        rec = string.sub(rec, 1, rbytes - 2) .. pair
      else
        rec = ''  -- Never step 0's channel in its place: the message fails as gone.
        state = 'gone'
      end
      sent = redis.call('GETBIT', p .. ARGV[12], idx)
    end
  end
  table.insert(out, m)
  table.insert(out, rec)
  table.insert(out, state)
  table.insert(out, sent)
  table.insert(out, step)
end
return out
