--[[
  Marks a response token as verified, once, across all pods; lets a retry
  that carries the same idempotency key through again.

  KEYS[1]  the token's used-marker key
  ARGV[1]  fingerprint of the idempotency key, or '-' when the request has none
  ARGV[2]  seconds until the token would expire anyway

  Returns  1 first verification, 2 a retry with the same idempotency key, 0 already used
]]
if redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then
  return 1
end
if ARGV[1] ~= '-' and redis.call('GET', KEYS[1]) == ARGV[1] then
  return 2
end
return 0
