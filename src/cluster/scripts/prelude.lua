-- Shared by every script of a queue (prepended to each).
-- KEYS: 1 tasks stream (the lane of priority 0), 2 owners hash, 3 dead-letter
--       stream, 4 aborted set, 5 nodes set, 6 lanes sorted set, 7 epoch,
--       8 unstarted set (pending entries their holder has not started).
-- ARGV: 1 group, 2 this node (consumer name), 3 result stream prefix,
--       4 result TTL (ms), 5 heartbeat key prefix; script arguments follow.
--
-- Tasks of priority p are in the lane (stream) TASKS .. ':' .. p, TASKS
-- itself for 0. A task is named by "<p>:<stream id>" (its entry) everywhere
-- outside its lane: owners, aborted set, results, dead letters.
local TASKS, OWNERS, DEAD, ABORTED, NODES, LANES, EPOCH, UNSTARTED =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local GROUP, ME, RESULTS, RESULT_TTL, HEARTBEAT = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

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

-- Runs `command` on `key` with the arguments `args`, a thousand at a time
-- (one call rather than one per argument; Lua's unpack is bounded). For
-- field-value pairs, a thousand keeps the pairs whole.
local function in_thousands(command, key, args)
  for i = 1, #args, 1000 do
    redis.call(command, key, unpack(args, i, math.min(i + 999, #args)))
  end
end

-- The priorities with a lane, highest first (0, the lane every queue has,
-- always among them).
local function lanes()
  return redis.call('ZREVRANGE', LANES, 0, -1)
end

-- The owners hash keeps the epoch in a field of its own (entries are named
-- "<p>:<id>", never this), so that a lost hash shows.
local EPOCH_FIELD = 'epoch'

-- Whether the lane `key` has its stream and this queue's group.
local function has_group(key)
  local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', key)
  if not ok then return false end
  for _, group in ipairs(groups) do
    for i = 1, #group, 2 do
      if group[i] == 'name' and group[i + 1] == GROUP then return true end
    end
  end
  return false
end

-- Whether the queue is whole under the epoch `current`: the owners hash, the
-- lanes set, and each lane's stream and group are all there.
local function whole(current)
  local mark = redis.call('HGET', OWNERS, EPOCH_FIELD)
  if not mark and redis.call('HLEN', OWNERS) > 0 then
    -- Owners written by nodes that predate the mark: adopt them.
    redis.call('HSET', OWNERS, EPOCH_FIELD, current)
    mark = current
  end
  if mark ~= current or not redis.call('ZSCORE', LANES, '0') then return false end
  for _, priority in ipairs(lanes()) do
    if not has_group(lane_key(priority)) then return false end
  end
  return true
end

-- Starts the queue afresh under a new epoch (the server's time), dropping
-- what is left of the old one: its lanes, owners, marks. Its submitters
-- reject what they wait for (ClusterUnavailableError) once they see the
-- new epoch, and nothing of it runs later.
local function begin_epoch(old)
  for _, priority in ipairs(lanes()) do redis.call('UNLINK', lane_key(priority)) end
  redis.call('UNLINK', TASKS, LANES, OWNERS, UNSTARTED, ABORTED)
  redis.call('XGROUP', 'CREATE', TASKS, GROUP, '0', 'MKSTREAM')
  redis.call('ZADD', LANES, 0, '0')
  local t = redis.call('TIME')
  local current = t[1] .. '.' .. t[2]
  if current == old then current = current .. '.1' end
  redis.call('SET', EPOCH, current)
  redis.call('HSET', OWNERS, EPOCH_FIELD, current)
  return current
end

-- The queue's epoch, once it is known whole. A queue of which Redis lost
-- anything that says what it holds (the epoch, the owners hash, the lanes
-- set, a lane's stream or group: a restart without persistence, a flush,
-- an eviction, an operator's DEL) cannot tell its tasks from none: it
-- begins a new epoch. So does a queue used for the first time.
local function epoch()
  local current = redis.call('GET', EPOCH)
  if current and whole(current) then return current end
  return begin_epoch(current)
end

-- The pending-entries row of one entry: {id, consumer, idle, deliveries}, or nil.
local function pending_row(entry)
  local key, id = locate(entry)
  if not key then return nil end
  local ok, rows = pcall(redis.call, 'XPENDING', key, GROUP, id, id, 1)
  if not ok then return nil end
  return rows[1]
end

-- The fence: whether this node still holds `entry` at the delivery count it
-- was given (a node that lost it, or a retried call, changes nothing).
local function holds(entry, count)
  local row = pending_row(entry)
  return row ~= nil and row[2] == ME and tonumber(row[4]) == count
end

-- Publishes an outcome to the submitter recorded in the owners hash, if any,
-- signed by the node that publishes it. With `expiring` (a table), the
-- result stream's key is put there for the caller to set its expiry once
-- for all its results; without, its expiry is set here.
-- The owner value is "<task id> <node id>"; task ids are digits.
local function publish(entry, kind, body, deliveries, expiring)
  local owner = redis.call('HGET', OWNERS, entry)
  if not owner then return end
  local space = string.find(owner, ' ', 1, true)
  if not space then return end
  local key = RESULTS .. string.sub(owner, space + 1)
  redis.call('XADD', key, '*', 'entry', entry, 'task', string.sub(owner, 1, space - 1),
    'kind', kind, 'body', body, 'deliveries', deliveries, 'by', ME)
  if expiring then
    expiring[key] = true
  else
    redis.call('PEXPIRE', key, RESULT_TTL)
  end
end

-- Whether any task is marked aborted, as of this script's first look: it
-- is rare, and the look spares each forgotten entry an SREM. Only `abort`
-- adds to the set, and never while another script runs.
local any_aborted = nil

-- Forgets what the queue knows of an entry besides the entry itself.
-- `started`: the entry is known not to be marked unstarted (its holder
-- recorded its start, which unmarks it, or started it as it read it).
local function unown(entry, started)
  redis.call('HDEL', OWNERS, entry)
  if any_aborted == nil then any_aborted = redis.call('EXISTS', ABORTED) == 1 end
  if any_aborted then redis.call('SREM', ABORTED, entry) end
  if not started then redis.call('SREM', UNSTARTED, entry) end
end

-- Forgets an entry the queue is done with: acknowledged, deleted, unowned
-- (`started` as for `unown`).
local function forget(entry, started)
  local key, id = locate(entry)
  redis.call('XACK', key, GROUP, id)
  redis.call('XDEL', key, id)
  unown(entry, started)
end

-- The most dead letters kept, the oldest dropped first; nil: no bound. Set
-- by the scripts that dead-letter (`bound_dead_letters`), from the option.
local DEAD_LIMIT = nil

-- `limit`: the option as passed (a negative number: no bound).
local function bound_dead_letters(limit)
  limit = tonumber(limit)
  if limit and limit >= 0 then DEAD_LIMIT = limit end
end

-- Moves an entry to the dead letters with a reason, tells its submitter with
-- `kind`, and forgets it. `fields` is the entry's flat field list (may be nil).
-- Past DEAD_LIMIT the oldest letters go (exactly: the stream's length is
-- what `stats()` reports).
local function dead_letter(entry, fields, reason, kind, deliveries)
  local args = {'XADD', DEAD}
  if DEAD_LIMIT then
    args[#args + 1] = 'MAXLEN'
    args[#args + 1] = '='
    args[#args + 1] = DEAD_LIMIT
  end
  for _, part in ipairs({'*', 'entry', entry, 'reason', reason, 'deliveries', deliveries}) do args[#args + 1] = part end
  if fields then
    for i = 1, #fields do args[#args + 1] = fields[i] end
  end
  redis.call(unpack(args))
  publish(entry, kind, reason, deliveries)
  forget(entry)
end

-- An entry XCLAIM found deleted while pending (XCLAIM drops it from the
-- pending entries): the task is lost, and its submitter must hear it rather
-- than wait forever.
local function lost(entry)
  local key, id = locate(entry)
  redis.call('XACK', key, GROUP, id)
  publish(entry, 'lost', 'the entry was deleted while pending', '')
  unown(entry)
end

-- Takes over one pending entry from its holder: `row` as XPENDING gives it,
-- {id, consumer, idle, deliveries}; `min_idle` as XCLAIM takes it.
-- The holder is charged the delivery only if it had started the entry: one
-- it held unstarted (read ahead, handed back) keeps its count. Charged past
-- `max`, the entry is dead-lettered. An entry charged before (a suspect: it
-- may be what killed a node) is taken only if `suspect_room` > 0, and a
-- fresh one only if `fresh_room` > 0: a node runs a suspect alone, so it
-- takes one at a time. What it takes is its own, not started yet, and added
-- to `out` as {entry, deliveries, fields}.
-- Returns 'fresh' or 'suspect' (taken), 'dead', 'lost' (deleted while
-- pending), or 'left' (not this node's to take now).
local function take(out, priority, row, min_idle, max, fresh_room, suspect_room)
  local entry = priority .. ':' .. row[1]
  local unstarted = redis.call('SISMEMBER', UNSTARTED, entry) == 1
  local deliveries = tonumber(row[4])
  if not unstarted then deliveries = deliveries + 1 end
  local dead = not unstarted and deliveries > max
  local kind = 'fresh'
  if deliveries > 1 then kind = 'suspect' end
  if not dead and ((kind == 'fresh' and fresh_room < 1) or (kind == 'suspect' and suspect_room < 1)) then
    return 'left'
  end
  local claimed = redis.call('XCLAIM', lane_key(priority), GROUP, ME, min_idle, row[1], 'RETRYCOUNT', deliveries)
  local item = claimed[1]
  if type(item) ~= 'table' or type(item[2]) ~= 'table' then
    lost(entry)
    return 'lost'
  end
  if dead then
    local done = deliveries - 1
    dead_letter(entry, item[2], 'delivered ' .. done .. ' times without an outcome', 'limit', done)
    return 'dead'
  end
  redis.call('SADD', UNSTARTED, entry)
  out[#out + 1] = {entry, deliveries, item[2]}
  return kind
end
