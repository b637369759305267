-- Shared by every script of a queue (prepended to each).
-- KEYS: 1 tasks stream, 2 owners hash, 3 dead-letter stream, 4 aborted set,
--       5 nodes set.
-- ARGV: 1 group, 2 this node (consumer name), 3 result stream prefix,
--       4 result TTL (ms), 5 heartbeat key prefix; script arguments follow.
local TASKS, OWNERS, DEAD, ABORTED, NODES = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local GROUP, ME, RESULTS, RESULT_TTL, HEARTBEAT = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

-- The pending-entries row of one entry: {id, consumer, idle, deliveries}, or nil.
local function pending_row(id)
  return redis.call('XPENDING', TASKS, GROUP, id, id, 1)[1]
end

-- Publishes an outcome to the submitter recorded in the owners hash, if any,
-- signed by the node that publishes it.
-- The owner value is "<task id> <node id>"; task ids are digits.
local function publish(id, kind, body, deliveries)
  local owner = redis.call('HGET', OWNERS, id)
  if not owner then return end
  local space = string.find(owner, ' ', 1, true)
  if not space then return end
  local key = RESULTS .. string.sub(owner, space + 1)
  redis.call('XADD', key, '*', 'entry', id, 'task', string.sub(owner, 1, space - 1),
    'kind', kind, 'body', body, 'deliveries', deliveries, 'by', ME)
  redis.call('PEXPIRE', key, RESULT_TTL)
end

-- Forgets an entry the queue is done with: acknowledged, deleted, unowned.
local function forget(id)
  redis.call('XACK', TASKS, GROUP, id)
  redis.call('XDEL', TASKS, id)
  redis.call('HDEL', OWNERS, id)
  redis.call('SREM', ABORTED, id)
end

-- Moves an entry to the dead letters with a reason, tells its submitter with
-- `kind`, and forgets it. `fields` is the entry's flat field list (may be nil).
local function dead_letter(id, fields, reason, kind, deliveries)
  local args = {'XADD', DEAD, '*', 'entry', id, 'reason', reason, 'deliveries', deliveries}
  if fields then
    for i = 1, #fields do args[#args + 1] = fields[i] end
  end
  redis.call(unpack(args))
  publish(id, kind, reason, deliveries)
  forget(id)
end

-- An entry XAUTOCLAIM or XCLAIM found deleted while pending: the task is lost,
-- and its submitter must hear it rather than wait forever.
local function lost(id)
  redis.call('XACK', TASKS, GROUP, id)
  publish(id, 'lost', 'the entry was deleted while pending', '')
  redis.call('HDEL', OWNERS, id)
  redis.call('SREM', ABORTED, id)
end

-- Applies the delivery limit to an entry just claimed (its count already
-- incremented by the claim). Returns true if the entry was dead-lettered.
local function over_limit(id, fields, deliveries, max)
  if deliveries <= max then return false end
  local done = deliveries - 1
  dead_letter(id, fields, 'delivered ' .. done .. ' times without an outcome', 'limit', done)
  return true
end

-- An entry just claimed: dead-lettered past the delivery limit, else added
-- to `out` as this node's. Returns how many were dead-lettered (0 or 1).
local function take_claimed(out, id, fields, deliveries, max)
  if over_limit(id, fields, deliveries, max) then return 1 end
  out[#out + 1] = {id, deliveries, fields}
  return 0
end
