-- ContactStore::Put and PutMany (gateway/contacts/contact_store.cc).
-- KEYS: contacts, versions, address index, all ids, new post ids, old post ids, stats.
-- ARGV: id, expected version, document, n_new, new address keys..., n_old, old address keys...
local id = ARGV[1]
local current = tonumber(redis.call('HGET', KEYS[2], id) or '0')
if current ~= tonumber(ARGV[2]) then return {'version', tostring(current)} end
local n_new = tonumber(ARGV[4])
local wanted = {}
for i = 1, n_new do
  local a = ARGV[4 + i]
  local owner = redis.call('HGET', KEYS[3], a)
  if owner and owner ~= id then return {'conflict', a, owner} end
  wanted[a] = true
end
local base = 5 + n_new
for i = 1, tonumber(ARGV[base]) do
  local a = ARGV[base + i]
  if not wanted[a] then redis.call('HDEL', KEYS[3], a) end
end
for a, _ in pairs(wanted) do redis.call('HSET', KEYS[3], a, id) end
redis.call('HSET', KEYS[1], id, ARGV[3])
if KEYS[6] ~= KEYS[5] then redis.call('ZREM', KEYS[6], id) end
redis.call('ZADD', KEYS[4], 0, id)
redis.call('ZADD', KEYS[5], 0, id)
if current == 0 then redis.call('HINCRBY', KEYS[7], 'contacts_created', 1) end
return {'ok', tostring(redis.call('HINCRBY', KEYS[2], id, 1))}
