-- EventSeats (gateway/invitations/event_seats.cc): every change of a person's state for one
-- event goes through this script, so counts, waitlist, offers and log move together and
-- several gateway processes answering at once can never overbook.
-- KEYS: meta, people, counts, wait, offers, log (the event's keys, all in one slot).
-- ARGV: op, now (ms), log cap, then by op:
--   configure  capacity, offer ttl ms        close     "1" closes answers, "0" reopens
--   invite     how, contact...               answer    contact, yes|no|maybe|cancel, how,
--                                                      "1" to answer also while closed
--   expire     most offers to expire         attended  contact, "1" | "0", how
--   forget     contact, how                 unclear   contact (a reply an officer must read)
--   deadline   RSVP deadline (ms): closes answers once it has passed, once per deadline
--              (an officer may reopen them); result open | closed
-- Returns {result, detail, then contact, from, to, offer until per change, in order}.
-- result: ok | unchanged | closed | not_invited | unconfigured | taken (detail: seats taken) |
-- state (detail: the person's state, which the op does not apply to) | more (expire: offers
-- still due). detail is otherwise the person's state afterwards. `from` is "" for a new person;
-- offer until is "0" unless `to` is offered.
-- Nothing is written before a refusal is decided: Redis does not roll a script back.
local meta, people, counts, wait, offers, log = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local op, now, log_cap = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local out = {'ok', ''}

local function ms(x) return string.format('%.0f', x) end

local function read(contact)
  local raw = redis.call('HGET', people, contact)
  if not raw then return nil end
  return cjson.decode(raw)
end

-- Moves `contact` from record `rec` (nil: not yet present) to state `to`, and notes the change.
local function move(contact, rec, to, how, offer_until)
  local from = rec and rec.state or ''
  if from ~= '' then redis.call('HINCRBY', counts, from, -1) end
  -- Any change settles an unclear reply: the record below is written without the mark.
  if rec and rec.unclear then redis.call('HINCRBY', counts, 'unclear', -1) end
  redis.call('HINCRBY', counts, to, 1)
  if from == 'waitlisted' then redis.call('ZREM', wait, contact) end
  if from == 'offered' then redis.call('ZREM', offers, contact) end
  local record = {
  state = to, at = now, how = how}
  -- The waitlist's order is the order answers reach the ledger (a sequence, not the callers'
  -- clocks): a place once told is never taken by an answer that arrives later.
  if to == 'waitlisted' then
    redis.call('ZADD', wait, redis.call('HINCRBY', meta, 'wait_seq', 1), contact)
  end
  if to == 'offered' then
    redis.call('ZADD', offers, ms(offer_until), contact)
    record.offer_until = offer_until
  end
  redis.call('HSET', people, contact, cjson.encode(record))
  redis.call('XADD', log, 'MAXLEN', '~', log_cap, '*', 'contact', contact, 'from', from,
             'to', to, 'how', how, 'at', ms(now))
  local n = #out
  out[n + 1], out[n + 2], out[n + 3] = contact, from, to
  out[n + 4] = to == 'offered' and ms(offer_until) or '0'
end

local settings = redis.call('HMGET', meta, 'capacity', 'offer_ttl_ms', 'closed')
local capacity, ttl = tonumber(settings[1]), tonumber(settings[2])
local closed = settings[3] == '1'

local function taken()
  local c = redis.call('HMGET', counts, 'yes', 'offered', 'attended')
  return (tonumber(c[1]) or 0) + (tonumber(c[2]) or 0) + (tonumber(c[3]) or 0)
end

-- Offers free seats to the waitlist, first come (to the ledger) first served. Run after
-- every change, so a seat is never idle while someone waits and answers are open.
local function fill(how)
  if closed or not capacity then return end
  local free = capacity - taken()
  while free > 0 do
    local first = redis.call('ZRANGE', wait, 0, 0)[1]
    if not first then return end
    local rec = read(first)
    if rec and rec.state == 'waitlisted' then
      move(first, rec, 'offered', how, now + ttl)
      free = free - 1
    else
      redis.call('ZREM', wait, first)  -- Not waiting (never expected): drop the stray entry.
    end
  end
end

local function result(r, detail)
  out[1], out[2] = r, detail
  return out
end

if op == 'configure' then
  local t = taken()
  if tonumber(ARGV[4]) < t then return {'taken', tostring(t)} end
  redis.call('HSET', meta, 'capacity', ARGV[4], 'offer_ttl_ms', ARGV[5])
  capacity, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
  fill('capacity raised')
  return result('ok', '')
end

if op == 'close' then
  redis.call('HSET', meta, 'closed', ARGV[4])
  closed = ARGV[4] == '1'
  fill('answers reopened')
  return result('ok', '')
end

if op == 'deadline' then
  local deadline = ARGV[4]
  if now >= tonumber(deadline) and redis.call('HGET', meta, 'deadline_closed') ~= deadline then
    redis.call('HSET', meta, 'closed', '1', 'deadline_closed', deadline)
    closed = true
  end
  return result(closed and 'closed' or 'open', '')
end

if op == 'forget' then
  local contact = ARGV[4]
  local rec = read(contact)
  if not rec then return result('unchanged', '') end
  redis.call('HDEL', people, contact)
  redis.call('HINCRBY', counts, rec.state, -1)
  if rec.unclear then redis.call('HINCRBY', counts, 'unclear', -1) end
  redis.call('ZREM', wait, contact)
  redis.call('ZREM', offers, contact)
  -- The log keeps the count in step without naming the person.
  redis.call('XADD', log, 'MAXLEN', '~', log_cap, '*', 'contact', '', 'from', rec.state,
             'to', 'forgotten', 'how', ARGV[5], 'at', ms(now))
  fill('seat freed')
  return result('ok', '')
end

-- The person's latest reply could not be read as an answer: marked (once) until their state
-- next changes, so the count says how many people wait for an officer.
if op == 'unclear' then
  local contact = ARGV[4]
  local rec = read(contact)
  if not rec then return {'not_invited', ''} end
  if rec.unclear then return {'unchanged', rec.state} end
  rec.unclear = now
  redis.call('HSET', people, contact, cjson.encode(rec))
  redis.call('HINCRBY', counts, 'unclear', 1)
  return result('ok', rec.state)
end

if not capacity or not ttl then return {'unconfigured', ''} end

if op == 'invite' then
  local how = ARGV[4]
  for i = 5, #ARGV do
    if redis.call('HEXISTS', people, ARGV[i]) == 0 then move(ARGV[i], nil, 'invited', how) end
  end
  return result('ok', '')
end

if op == 'expire' then
  local due = redis.call('ZRANGEBYSCORE', offers, '-inf', ms(now), 'LIMIT', 0, ARGV[4])
  for _, contact in ipairs(due) do
    local rec = read(contact)
    if rec and rec.state == 'offered' then
      move(contact, rec, 'cancelled', 'offer expired')
    else
      redis.call('ZREM', offers, contact)  -- Not offered (never expected): drop the entry.
    end
  end
  fill('seat freed')
  if #due == tonumber(ARGV[4]) then return result('more', '') end
  return result('ok', '')
end

if op == 'attended' then
  local contact, how = ARGV[4], ARGV[6]
  local rec = read(contact)
  if not rec then return {'not_invited', ''} end
  local from, to = 'yes', 'attended'
  if ARGV[5] ~= '1' then from, to = 'attended', 'yes' end
  if rec.state == to then return {'unchanged', to} end
  if rec.state ~= from then return {'state', rec.state} end
  move(contact, rec, to, how)
  return result('ok', to)
end

if op == 'answer' then
  local contact, answer, how = ARGV[4], ARGV[5], ARGV[6]
  local rec = read(contact)
  if not rec then return {'not_invited', ''} end
  local s = rec.state
  -- ARGV[7] '1': an officer records the answer, also after answers closed (no offers follow
  -- while closed: fill() stays shut).
  if closed and ARGV[7] ~= '1' then return {'closed', s} end
  -- A clear answer settles an earlier unclear reply, also when it changes nothing.
  if rec.unclear then
    rec.unclear = nil
    redis.call('HSET', people, contact, cjson.encode(rec))
    redis.call('HINCRBY', counts, 'unclear', -1)
  end
  -- Attendance is recorded by officers after the event; a late reply does not undo it.
  if s == 'attended' then return {'unchanged', s} end
  if answer == 'yes' then
    if s == 'yes' or s == 'waitlisted' then return {'unchanged', s} end
    local waiting = redis.call('ZCARD', wait) > 0
    if s == 'offered' then
      -- A lapsed offer (the sweep has not run yet) still holds while nobody else waits.
      if now < rec.offer_until or not waiting then
        move(contact, rec, 'yes', how)
        return result('ok', 'yes')
      end
      move(contact, rec, 'cancelled', 'offer expired')
      rec = {state = 'cancelled'}
    end
    -- Nobody jumps the queue: a free seat with people waiting is theirs.
    if not waiting and taken() < capacity then
      move(contact, rec, 'yes', how)
    else
      move(contact, rec, 'waitlisted', how)
    end
    fill('seat freed')
    return result('ok', read(contact).state)
  end
  local to = answer
  if answer == 'cancel' then to = 'cancelled' end
  if s == to then return {'unchanged', s} end
  move(contact, rec, to, how)
  fill('seat freed')
  return result('ok', to)
end

return redis.error_reply('event_seats: unknown op ' .. tostring(op))
