#!lua
--[[
  Issues the oldest captcha of one pool shard, in one round trip: a pooled
  captcha already sits under its final key (written by a worker with no time
  to live) and the shard's list holds only its id. The script pops an id,
  rewrites the captcha with its binding and its time to live, and reports how
  many are left, so the caller knows when to ask for a refill. The entry
  crosses the network only when asked for (a widget challenge shows the image
  at once; a classic issue only names it). Ids start with the shard's hash tag, so the
  captcha key is in the shard's Cluster slot.

  The shebang (Redis 7+) makes Redis refuse the whole script while it is out
  of memory; without it, Redis would refuse only a first write, and the pop
  would count as one, so a full Redis would go on issuing.

  KEYS[1]  the pool shard (a list of ids; workers LPUSH, we RPOP)
  ARGV[1]  time to live in seconds
  ARGV[2]  binding bytes to add after the entry (empty for none)
  ARGV[3]  captcha key prefix; a key is prefix .. '{' .. tag .. '}' .. rest of the id
  ARGV[4]  hash tag length
  ARGV[5]  '1' to return the entry

  Returns  { id or false, remaining length, entry or false }
]]
local tagLength = tonumber(ARGV[4])
-- An id whose captcha is gone (only if keys were deleted by hand: Redis must not evict) is skipped, never re-created.
for _ = 1, 8 do
  local id = redis.call('RPOP', KEYS[1])
  if not id then break end
  local key = ARGV[3] .. '{' .. string.sub(id, 1, tagLength) .. '}' .. string.sub(id, tagLength + 1)
  local entry = redis.call('GET', key)
  if entry then
    -- Written whole, not APPENDed: Redis grows an appended string with room to
    -- spare, which for most entry sizes doubles its memory for its whole life.
    redis.call('SET', key, entry .. ARGV[2], 'EX', ARGV[1])
    if ARGV[5] ~= '1' then entry = false end
    return { id, redis.call('LLEN', KEYS[1]), entry }
  end
end
return { false, redis.call('LLEN', KEYS[1]), false }
