#!lua flags=allow-oom
--[[
  Marks a proof-of-work puzzle as redeemed, once, across all pods: only the
  first caller for a puzzle id wins, whichever pod it reaches.

  allow-oom: the marker (about 80 bytes) is what makes a puzzle single-use, so
  redeeming goes on when Redis is full rather than failing every visitor.

  KEYS[1]  the puzzle's used-marker key
  ARGV[1]  seconds until the puzzle would expire anyway

  Returns  1 the first time; 0 when the puzzle was redeemed before
]]
if redis.call('SET', KEYS[1], '1', 'EX', ARGV[1], 'NX') then
  return 1
end
return 0
