-- Shared by every script of an orchestrator (prepended to each).
-- KEYS: 1 leader (the leading replica's id, with a TTL), 2 epoch (counts
--       leaderships), 3 replicas (sorted set: replica -> last heartbeat ms),
--       4 alive-since (ms since replicas have been alive without a break),
--       5 meta (hash of counters), 6 jobs (hash: name -> the job's record,
--       its values in the order of records.rs, separated by US (\31)),
--       7 letters (sorted set of dead-letter ids), 8 runs (hash: run id ->
--       the run as its leader's JavaScript wrote it), 9 commands (hash:
--       request id -> command), 10 wake (list the leader blocks on),
--       11 status (the leader's last status), 12 status-version,
--       13 definitions (hash: job -> the options it runs with, from the
--       replica that started last), 14 definitions-version.
-- ARGV: 1 this replica, 2 the prefix of job:<name>, letter:<id> and
--       replies:<replica>; script arguments follow.
local LEADER, EPOCH, REPLICAS, ALIVE_SINCE, META, JOBS, LETTERS, RUNS, COMMANDS, WAKE, STATUS, STATUS_VERSION =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local DEFINITIONS, DEFINITIONS_VERSION = KEYS[13], KEYS[14]
local ME, PREFIX = ARGV[1], ARGV[2]

-- The fields of a dead letter the machine keeps, in the order commit passes their values.
local LETTER_FIELDS = { 'job', 'run', 'error', 'attempts', 'failedAt' }

-- HSET (or HDEL) of many fields, in calls of a bounded number of arguments
-- (unpack has a limit).
local function in_chunks(command, key, items)
  for first = 1, #items, 1000 do
    redis.call(command, key, unpack(items, first, math.min(first + 999, #items)))
  end
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Whether this replica leads, in the leadership numbered `epoch`.
local function leads(epoch)
  return redis.call('GET', LEADER) == ME and redis.call('GET', EPOCH) == epoch
end
