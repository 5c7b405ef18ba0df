#!lua flags=allow-oom
--[[
  Marks a response token as verified, once, across all pods, remembering the
  idempotency fingerprint and the time of that first verification, so that a
  retry carrying the same key can be recognised (the caller decides whether it
  is still within the retry window).

  allow-oom: the marker (about 100 bytes) is what makes a token single-use, so
  verification goes on when Redis is full rather than failing every siteverify.

  KEYS[1]  the token's used-marker key
  ARGV[1]  fingerprint of the idempotency key, or '-' when the request has none
  ARGV[2]  seconds until the token would expire anyway
  ARGV[3]  now, in ms since the epoch

  Returns  {1, now} first verification; {2, first} a retry with the same idempotency
           key, with the time of the first; {0, 0} already used
]]
local marker = ARGV[1] .. '|' .. ARGV[3]
if redis.call('SET', KEYS[1], marker, 'EX', ARGV[2], 'NX') then
  return {1, tonumber(ARGV[3])}
end
if ARGV[1] ~= '-' then
  local stored = redis.call('GET', KEYS[1])
  if stored then
    local separator = string.find(stored, '|', 1, true)
    if separator and string.sub(stored, 1, separator - 1) == ARGV[1] then
      return {2, tonumber(string.sub(stored, separator + 1))}
    end
  end
end
return {0, 0}
