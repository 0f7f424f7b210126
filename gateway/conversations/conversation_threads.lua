-- ConversationThreads (gateway/conversations/conversation_threads.cc): the officers' view of a
-- person's conversation (state, assignee, labels) and the inbox indexes that list it.
-- KEYS: contacts hash, thread hash, conversation stream.
-- ARGV: op, contact id, index prefix ("{o:ID}:threads:"), then the op's arguments (below).
-- Index sets, all scored by the last activity and named from the prefix and the thread's post
-- ("_" for none), share the organisation's hash tag with KEYS, so they live in the same slot:
--   <post>  <post>:s:<state>  <post>:a:<officer or ->  <post>:c:<channel>  <post>:l:<label>
--   <post>:k:<campaign>
local op, id, prefix = ARGV[1], ARGV[2], ARGV[3]
local MAX_CAMPAIGNS = 20

local function split(s)
  local out = {}
  if s == nil or s == '' then return out end
  for part in string.gmatch(s, '[^,]+') do out[#out + 1] = part end
  return out
end

local function read_thread()
  local flat = redis.call('HGETALL', KEYS[2])
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  t.v = tonumber(t.v or '0')
  t.last_at = tonumber(t.last_at or '0')
  return t
end

local function sets_of(t)
  local base = prefix .. ((t.post == nil or t.post == '') and '_' or t.post)
  local out = {base, base .. ':s:' .. t.state,
               base .. ':a:' .. ((t.assignee == nil or t.assignee == '') and '-' or t.assignee)}
  for _, c in ipairs(split(t.channels)) do out[#out + 1] = base .. ':c:' .. c end
  for _, l in ipairs(split(t.labels)) do out[#out + 1] = base .. ':l:' .. l end
  for _, k in ipairs(split(t.campaigns)) do out[#out + 1] = base .. ':k:' .. k end
  return out
end

local function unindex(t)
  if t == nil then return end
  for _, key in ipairs(sets_of(t)) do redis.call('ZREM', key, id) end
end

local function index(t)
  for _, key in ipairs(sets_of(t)) do redis.call('ZADD', key, t.last_at, id) end
end

local function write(t)
  redis.call('HSET', KEYS[2], 'post', t.post or '', 'state', t.state, 'assignee',
             t.assignee or '', 'labels', t.labels or '', 'channels', t.channels or '',
             'campaigns', t.campaigns or '', 'last_at', tostring(t.last_at), 'last_in',
             t.last_in or '', 'last_channel', t.last_channel or '', 'v', tostring(t.v),
             'updated_by', t.updated_by or '')
end

-- Adds `value` to the comma list `list` (kept newest last, at most `max`).
local function add_to(list, value, max)
  if value == '' then return list end
  local items = {}
  for _, item in ipairs(split(list)) do
    if item ~= value then items[#items + 1] = item end
  end
  items[#items + 1] = value
  while max and #items > max do table.remove(items, 1) end
  return table.concat(items, ',')
end

-- Stream ids "<millis>-<seq>" in time order.
local function newer(a, b)
  if b == nil or b == '' then return true end
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if am == nil or bm == nil then return a ~= b end
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end

local function fresh(post)
  return {post = post, state = 'open', assignee = '', labels = '', channels = '',
          campaigns = '', last_at = 0, last_in = '', last_channel = '', v = 0, updated_by = ''}
end

if op == 'forget' then
  unindex(read_thread())
  redis.call('DEL', KEYS[2])
  return {'ok', '0'}
end

if op == 'move' then
  -- ARGV[4]: the person's post now.
  local t = read_thread()
  if t == nil then return {'none', '0'} end
  if t.post == ARGV[4] then return {'ok', tostring(t.v)} end
  unindex(t)
  t.post = ARGV[4]
  index(t)
  redis.call('HSET', KEYS[2], 'post', t.post)
  return {'ok', tostring(t.v)}
end

-- Every other op records something the person or an officer did: only for a person who exists.
if redis.call('HEXISTS', KEYS[1], id) == 0 then return {'gone', '0'} end

if op == 'in' then
  -- ARGV[4] post, [5] at, [6] entry id, [7] channel, [8] campaign answered ('' none),
  -- [9] '1' when the gateway answered the message itself (a keyword, a clear RSVP answer).
  local t = read_thread()
  if t ~= nil and not newer(ARGV[6], t.last_in) then return {'same', tostring(t.v)} end
  unindex(t)
  local handled = ARGV[9] == '1'
  if t == nil then
    t = fresh(ARGV[4])
    if handled then t.state = 'closed' end
  end
  t.post = ARGV[4]
  -- A new message from the person opens the conversation again, whatever its state, unless
  -- nothing is left for an officer to do.
  if not handled then t.state = 'open' end
  t.last_at = math.max(t.last_at, tonumber(ARGV[5]))
  t.last_in = ARGV[6]
  t.last_channel = ARGV[7]
  t.channels = add_to(t.channels, ARGV[7], nil)
  t.campaigns = add_to(t.campaigns, ARGV[8], MAX_CAMPAIGNS)
  t.v = t.v + 1
  index(t)
  write(t)
  return {'ok', tostring(t.v)}
end

if op == 'set' then
  -- ARGV[4] post, [5] at, [6] expected version ('' any), [7] officer, [8] state ('' keep),
  -- [9] assignee ('-' keep, '' none), [10] labels ('-' keep), [11] '1' when an officer's
  -- message went out (activity), [12] max log entries, [13..] the log entry's field args
  -- (none: nothing logged).
  local t = read_thread()
  local current = t and t.v or 0
  if ARGV[6] ~= '' and tonumber(ARGV[6]) ~= current then return {'version', tostring(current)} end
  unindex(t)
  if t == nil then t = fresh(ARGV[4]) end
  t.post = ARGV[4]
  if ARGV[8] ~= '' then t.state = ARGV[8] end
  if ARGV[9] ~= '-' then t.assignee = ARGV[9] end
  if ARGV[10] ~= '-' then t.labels = ARGV[10] end
  if ARGV[11] == '1' or t.last_at == 0 then t.last_at = math.max(t.last_at, tonumber(ARGV[5])) end
  t.updated_by = ARGV[7]
  t.v = current + 1
  index(t)
  write(t)
  local entry = ''
  if #ARGV >= 13 then
    local args = {'XADD', KEYS[3], 'MAXLEN', '~', ARGV[12], '*'}
    for i = 13, #ARGV do args[#args + 1] = ARGV[i] end
    entry = redis.call(unpack(args))
  end
  return {'ok', tostring(t.v), entry}
end

return redis.error_reply('unknown op ' .. tostring(op))
