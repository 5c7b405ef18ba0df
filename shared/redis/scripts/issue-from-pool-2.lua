#!lua
--[[
  Issues the oldest prerendered captcha of one pool shard under a new id, in
  one round trip: pops it, stores it (with the binding appended) under the
  captcha key with its time to live, and reports how many are left, so the
  caller knows when to ask for a refill. The captcha key shares the shard's
  hash tag, so this stays within one Redis Cluster slot.

  The shebang (Redis 7+) makes Redis refuse the whole script while it is out
  of memory; without it, Redis would refuse only a first write, and the pop
  would count as one, so a full Redis would go on issuing.

  KEYS[1]  the pool shard (a list; workers LPUSH, we RPOP)
  KEYS[2]  the new captcha's key
  ARGV[1]  time to live in seconds
  ARGV[2]  binding bytes to append (empty for none)

  Returns  { pooled entry or false, remaining length }
]]
local entry = redis.call('RPOP', KEYS[1])
if entry then
  redis.call('SET', KEYS[2], entry .. ARGV[2], 'EX', ARGV[1])
end
return { entry, redis.call('LLEN', KEYS[1]) }
