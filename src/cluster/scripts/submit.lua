-- Adds tasks and records their owners in one step, so that no entry ever
-- exists without an owner to report to. No MAXLEN: pending work is never trimmed.
-- ARGV from 6, five per task: task id, handler, payload, timeout ms ('' = none), retries.
-- Returns the entry ids, in order.
local ids = {}
for i = 6, #ARGV, 5 do
  local id = redis.call('XADD', TASKS, '*', 'node', ME, 'task', ARGV[i], 'handler', ARGV[i + 1],
    'payload', ARGV[i + 2], 'timeout', ARGV[i + 3], 'retries', ARGV[i + 4])
  redis.call('HSET', OWNERS, id, ARGV[i] .. ' ' .. ME)
  ids[#ids + 1] = id
end
return ids
