--[[
  Takes the oldest prerendered captcha from one pool shard and reports how many
  are left, in one round trip, so the caller knows when to ask for a refill.

  KEYS[1]  the pool shard (a list; workers LPUSH, we RPOP)

  Returns  { entry or false, remaining length }
]]
local entry = redis.call('RPOP', KEYS[1])
return { entry, redis.call('LLEN', KEYS[1]) }
