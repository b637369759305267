-- A replica starts with its jobs' options: the most recently started
-- replica's options are every replica's (a rolling deploy converges on the
-- new code's). Only a job whose options differ is written, and then the
-- definitions version moves, which each heartbeat reports.
-- ARGV: 3 job count, then per job its name and options (JSON).
local changed = false
local at = 4
for _ = 1, tonumber(ARGV[3]) do
  local name, options = ARGV[at], ARGV[at + 1]
  at = at + 2
  if redis.call('HGET', DEFINITIONS, name) ~= options then
    redis.call('HSET', DEFINITIONS, name, options)
    changed = true
  end
end
if changed then redis.call('INCR', DEFINITIONS_VERSION) end
return 'ok'
