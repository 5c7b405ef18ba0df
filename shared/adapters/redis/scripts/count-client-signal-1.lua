#!lua
--[[
  Counts one signal of one client (a challenge it fetched, a failed answer,
  an implausibly fast answer) in fixed windows, and returns its counts in the
  current and the previous window, from which the caller estimates a sliding
  window. The hash holds the current window's number and two counts per
  signal; moving into a new window shifts the counts, so it never grows.

  KEYS[1]  the client's signals hash
  ARGV[1]  the signal to count ('challenge', 'failure' or 'fast'), or '' to only read
  ARGV[2]  now, in ms since the epoch
  ARGV[3]  the window, in ms

  Returns  { challenge now, challenge before, failure now, failure before, fast now, fast before }
]]
local signals = { 'challenge', 'failure', 'fast' }
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local index = math.floor(now / window)
local stored = redis.call('HGETALL', KEYS[1])
local fields = {}
for i = 1, #stored, 2 do
  fields[stored[i]] = tonumber(stored[i + 1])
end
local age = index - (fields['window'] or index)
if age < 0 then
  -- a pod whose clock lags behind another's: count in the newer window rather than reset it
  index = fields['window']
  age = 0
end

local counts = {}
for i, signal in ipairs(signals) do
  local current = fields[signal] or 0
  local previous = fields[signal .. ':previous'] or 0
  if age == 1 then
    previous, current = current, 0
  elseif age ~= 0 then
    previous, current = 0, 0
  end
  if signal == ARGV[1] then
    current = current + 1
  end
  counts[2 * i - 1] = current
  counts[2 * i] = previous
end

if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[1], 'window', index,
    'challenge', counts[1], 'challenge:previous', counts[2],
    'failure', counts[3], 'failure:previous', counts[4],
    'fast', counts[5], 'fast:previous', counts[6])
  redis.call('PEXPIRE', KEYS[1], window * 2)
end
return counts
