-- Shared by every script of a queue (prepended to each).
-- KEYS: 1 tasks stream (the lane of priority 0), 2 owners hash, 3 dead-letter
--       stream, 4 aborted set, 5 nodes set, 6 lanes sorted set, 7 epoch.
-- ARGV: 1 group, 2 this node (consumer name), 3 result stream prefix,
--       4 result TTL (ms), 5 heartbeat key prefix; script arguments follow.
--
-- Tasks of priority p are in the lane (stream) TASKS .. ':' .. p, TASKS
-- itself for 0. A task is named by "<p>:<stream id>" (its entry) everywhere
-- outside its lane: owners, aborted set, results, dead letters.
local TASKS, OWNERS, DEAD, ABORTED, NODES, LANES, EPOCH = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local GROUP, ME, RESULTS, RESULT_TTL, HEARTBEAT = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

-- The queue's epoch, set by the first script that asks (the server's time:
-- a Redis that lost the queue sets a new one).
local function epoch()
  local current = redis.call('GET', EPOCH)
  if current then return current end
  local t = redis.call('TIME')
  current = t[1] .. '.' .. t[2]
  redis.call('SET', EPOCH, current)
  return current
end

local function lane_key(priority)
  if priority == '0' then return TASKS end
  return TASKS .. ':' .. priority
end

-- An entry's lane key and its id there (nil for a malformed entry name).
local function locate(entry)
  local colon = string.find(entry, ':', 1, true)
  if not colon then return nil, nil end
  return lane_key(string.sub(entry, 1, colon - 1)), string.sub(entry, colon + 1)
end

-- The priorities with a lane, highest first (0, the lane every node
-- creates, always among them).
local function lanes()
  redis.call('ZADD', LANES, 'NX', 0, '0')
  return redis.call('ZREVRANGE', LANES, 0, -1)
end

-- The pending-entries row of one entry: {id, consumer, idle, deliveries}, or nil.
local function pending_row(entry)
  local key, id = locate(entry)
  if not key then return nil end
  local ok, rows = pcall(redis.call, 'XPENDING', key, GROUP, id, id, 1)
  if not ok then return nil end
  return rows[1]
end

-- Publishes an outcome to the submitter recorded in the owners hash, if any,
-- signed by the node that publishes it.
-- The owner value is "<task id> <node id>"; task ids are digits.
local function publish(entry, kind, body, deliveries)
  local owner = redis.call('HGET', OWNERS, entry)
  if not owner then return end
  local space = string.find(owner, ' ', 1, true)
  if not space then return end
  local key = RESULTS .. string.sub(owner, space + 1)
  redis.call('XADD', key, '*', 'entry', entry, 'task', string.sub(owner, 1, space - 1),
    'kind', kind, 'body', body, 'deliveries', deliveries, 'by', ME)
  redis.call('PEXPIRE', key, RESULT_TTL)
end

-- Forgets an entry the queue is done with: acknowledged, deleted, unowned.
local function forget(entry)
  local key, id = locate(entry)
  redis.call('XACK', key, GROUP, id)
  redis.call('XDEL', key, id)
  redis.call('HDEL', OWNERS, entry)
  redis.call('SREM', ABORTED, entry)
end

-- Moves an entry to the dead letters with a reason, tells its submitter with
-- `kind`, and forgets it. `fields` is the entry's flat field list (may be nil).
local function dead_letter(entry, fields, reason, kind, deliveries)
  local args = {'XADD', DEAD, '*', 'entry', entry, 'reason', reason, 'deliveries', deliveries}
  if fields then
    for i = 1, #fields do args[#args + 1] = fields[i] end
  end
  redis.call(unpack(args))
  publish(entry, kind, reason, deliveries)
  forget(entry)
end

-- An entry XAUTOCLAIM or XCLAIM found deleted while pending: the task is lost,
-- and its submitter must hear it rather than wait forever.
local function lost(entry)
  local key, id = locate(entry)
  redis.call('XACK', key, GROUP, id)
  publish(entry, 'lost', 'the entry was deleted while pending', '')
  redis.call('HDEL', OWNERS, entry)
  redis.call('SREM', ABORTED, entry)
end

-- Applies the delivery limit to an entry just claimed (its count already
-- incremented by the claim). Returns true if the entry was dead-lettered.
local function over_limit(entry, fields, deliveries, max)
  if deliveries <= max then return false end
  local done = deliveries - 1
  dead_letter(entry, fields, 'delivered ' .. done .. ' times without an outcome', 'limit', done)
  return true
end

-- An entry just claimed: dead-lettered past the delivery limit, else added
-- to `out` as this node's. Returns how many were dead-lettered (0 or 1).
local function take_claimed(out, entry, fields, deliveries, max)
  if over_limit(entry, fields, deliveries, max) then return 1 end
  out[#out + 1] = {entry, deliveries, fields}
  return 0
end
