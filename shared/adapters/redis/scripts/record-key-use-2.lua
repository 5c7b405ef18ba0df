#!lua
--[[
  Records when an API key last authenticated, unless the key was revoked (or
  its account deleted) meanwhile: a late write must not bring a gone key's
  entry back. Never moves the time backwards (pods' clocks differ a little).

  KEYS[1]  the account's keys hash (key id → key hash)
  KEYS[2]  the account's key-uses hash (key id → ms)
  ARGV[1]  the key id
  ARGV[2]  the time of use, in ms

  Returns  1 when written; 0 when the key is gone or a later use is recorded
]]
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local previous = tonumber(redis.call('HGET', KEYS[2], ARGV[1]))
if previous and previous >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
