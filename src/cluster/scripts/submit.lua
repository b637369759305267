-- Adds tasks, each to the lane of its priority, and records their owners in
-- one step, so that no entry ever exists without an owner to report to. No
-- MAXLEN: pending work is never trimmed. With a maximum backlog, tasks past
-- it are refused, not added.
-- ARGV: 6 maximum backlog (-1: none); from 7, six per task: task id, handler,
-- payload, timeout ms ('' = none), retries, priority (an integer).
-- Returns {the queue's epoch, {each task's entry, or 0 where the backlog
-- was full, in order}}.
-- First: a queue Redis lost in part begins a new epoch before it takes
-- anything, so that no task joins what is lost.
local current = epoch()
local max = tonumber(ARGV[6])
local room = -1
if max >= 0 then
  -- Acknowledged entries are deleted: a lane holds its backlog and its
  -- pending entries, nothing else.
  local backlog = 0
  for _, priority in ipairs(lanes()) do
    local key = lane_key(priority)
    backlog = backlog + redis.call('XLEN', key) - redis.call('XPENDING', key, GROUP)[1]
  end
  room = math.max(0, max - backlog)
end
local known = {}
local entries = {}
-- One HSET for all the owners (in the same step as the entries: no entry is
-- ever seen without its owner, as the script runs whole).
local owners = {}
for i = 7, #ARGV, 6 do
  if room == 0 then
    entries[#entries + 1] = 0
  else
    local priority = ARGV[i + 5]
    local key = lane_key(priority)
    if not known[priority] then
      known[priority] = true
      if redis.call('ZSCORE', LANES, priority) == false then
        -- A stream of this name not in the lanes set is what an epoch
        -- that lost that set left: nothing of it may run.
        redis.call('UNLINK', key)
        redis.call('XGROUP', 'CREATE', key, GROUP, '0', 'MKSTREAM')
        redis.call('ZADD', LANES, tonumber(priority), priority)
      end
    end
    local id = redis.call('XADD', key, '*', 'node', ME, 'task', ARGV[i], 'handler', ARGV[i + 1],
      'payload', ARGV[i + 2], 'timeout', ARGV[i + 3], 'retries', ARGV[i + 4], 'priority', priority)
    local entry = priority .. ':' .. id
    owners[#owners + 1] = entry
    owners[#owners + 1] = ARGV[i] .. ' ' .. ME
    entries[#entries + 1] = entry
    room = room - 1
  end
end
in_thousands('HSET', OWNERS, owners)
return {current, entries}
