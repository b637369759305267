-- Adds tasks and records their owners in one step, so that no entry ever
-- exists without an owner to report to. No MAXLEN: pending work is never
-- trimmed. With a maximum backlog, tasks past it are refused, not added.
-- ARGV: 6 maximum backlog (0: none); from 7, six per task: task id, handler,
-- payload, timeout ms ('' = none), retries, priority.
-- Returns, in order, each task's entry id, or 0 where the backlog was full.
local max = tonumber(ARGV[6])
local room = -1
if max > 0 then
  -- Acknowledged entries are deleted: the stream holds the backlog and the
  -- pending entries, nothing else.
  -- pcall: a Redis that restarted without persistence has lost the group.
  local summary = redis.pcall('XPENDING', TASKS, GROUP)
  local pending = type(summary) == 'table' and tonumber(summary[1]) or 0
  room = math.max(0, max - (redis.call('XLEN', TASKS) - pending))
end
local ids = {}
for i = 7, #ARGV, 6 do
  if room == 0 then
    ids[#ids + 1] = 0
  else
    local id = redis.call('XADD', TASKS, '*', 'node', ME, 'task', ARGV[i], 'handler', ARGV[i + 1],
      'payload', ARGV[i + 2], 'timeout', ARGV[i + 3], 'retries', ARGV[i + 4], 'priority', ARGV[i + 5])
    redis.call('HSET', OWNERS, id, ARGV[i] .. ' ' .. ME)
    ids[#ids + 1] = id
    room = room - 1
  end
end
return ids
