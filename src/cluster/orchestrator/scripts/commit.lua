-- The leader's step, stored only if it still leads in its epoch (fencing):
-- a leader that was paused past its lease, or lost it, changes nothing. The
-- leader acts on a step (starts runs, settles promises) only after this.
-- ARGV: 3 epoch, 4 next run id, 5 next order, 6 next dead-letter id, 7 job
-- count, then per job its name and the values of JOB_FIELDS ('' for none);
-- then the count of letters, per letter its id and the values of
-- LETTER_FIELDS; then the count of removed letter ids, the ids; then the
-- count of extras, each a JSON object from the leader's JavaScript:
--   runs: [[id, run] | [id]] set or delete (in order), letters: {id:
--   [payload, error]}, done: [request ids], replies: [[replica, reply]],
--   status: the status other replicas read.
-- Returns 'ok' or 'fenced'.
if not leads(ARGV[3]) then return 'fenced' end
redis.call('HSET', META, 'nextRunId', ARGV[4], 'nextOrder', ARGV[5], 'nextLetterId', ARGV[6])
local at = 7
local function take()
  local value = ARGV[at]
  at = at + 1
  return value
end
for _ = 1, tonumber(take()) do
  local name = take()
  local record = {}
  for _, field in ipairs(JOB_FIELDS) do
    record[#record + 1] = field
    record[#record + 1] = take()
  end
  redis.call('SADD', JOBS, name)
  redis.call('HSET', PREFIX .. 'job:' .. name, unpack(record))
end
for _ = 1, tonumber(take()) do
  local id = take()
  local letter = {}
  for _, field in ipairs(LETTER_FIELDS) do
    letter[#letter + 1] = field
    letter[#letter + 1] = take()
  end
  redis.call('ZADD', LETTERS, tonumber(id), id)
  redis.call('HSET', PREFIX .. 'letter:' .. id, unpack(letter))
end
for _ = 1, tonumber(take()) do
  local id = take()
  redis.call('ZREM', LETTERS, id)
  redis.call('DEL', PREFIX .. 'letter:' .. id)
end
for _ = 1, tonumber(take()) do
  local extra = cjson.decode(take())
  for _, op in ipairs(extra.runs or {}) do
    if #op == 1 then redis.call('HDEL', RUNS, op[1]) else redis.call('HSET', RUNS, op[1], op[2]) end
  end
  for id, kept in pairs(extra.letters or {}) do
    if redis.call('ZSCORE', LETTERS, id) then
      redis.call('HSET', PREFIX .. 'letter:' .. id, 'payload', kept[1], 'value', kept[2])
    end
  end
  for _, request in ipairs(extra.done or {}) do redis.call('HDEL', COMMANDS, request) end
  for _, reply in ipairs(extra.replies or {}) do
    local list = PREFIX .. 'replies:' .. reply[1]
    redis.call('RPUSH', list, reply[2])
    redis.call('PEXPIRE', list, 600000)
  end
  if type(extra.status) == 'string' then
    redis.call('SET', STATUS, extra.status)
    redis.call('INCR', STATUS_VERSION)
  end
end
return 'ok'
