-- The leader's step, stored only if it still leads in its epoch (fencing):
-- a leader that was paused past its lease, or lost it, changes nothing. The
-- leader acts on a step (starts runs, settles promises) only after this.
-- Each kind of change is a command or two whatever the number of jobs in the
-- step (a thousand jobs ticking at once are one HSET).
-- ARGV: 3 epoch, 4 next run id, 5 next order, 6 next dead-letter id, 7 job
-- count, then per job its name and its record;
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
local records = {}
for _ = 1, tonumber(take()) do
  records[#records + 1] = take()
  records[#records + 1] = take()
end
in_chunks('HSET', JOBS, records)
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
-- The runs, in order: each run's last operation is what stays.
local runs, order = {}, {}
local done, replies, status = {}, {}, nil
for _ = 1, tonumber(take()) do
  local extra = cjson.decode(take())
  for _, op in ipairs(extra.runs or {}) do
    if runs[op[1]] == nil then order[#order + 1] = op[1] end
    runs[op[1]] = op[2] or false
  end
  for id, kept in pairs(extra.letters or {}) do
    if redis.call('ZSCORE', LETTERS, id) then
      redis.call('HSET', PREFIX .. 'letter:' .. id, 'payload', kept[1], 'value', kept[2])
    end
  end
  for _, request in ipairs(extra.done or {}) do done[#done + 1] = request end
  for _, reply in ipairs(extra.replies or {}) do
    local list = replies[reply[1]]
    if list == nil then
      list = {}
      replies[reply[1]] = list
    end
    list[#list + 1] = reply[2]
  end
  if type(extra.status) == 'string' then status = extra.status end
end
local set, deleted = {}, {}
for _, id in ipairs(order) do
  if runs[id] then
    set[#set + 1] = id
    set[#set + 1] = runs[id]
  else
    deleted[#deleted + 1] = id
  end
end
in_chunks('HSET', RUNS, set)
in_chunks('HDEL', RUNS, deleted)
in_chunks('HDEL', COMMANDS, done)
for replica, list in pairs(replies) do
  in_chunks('RPUSH', PREFIX .. 'replies:' .. replica, list)
  redis.call('PEXPIRE', PREFIX .. 'replies:' .. replica, 600000)
end
if status then
  redis.call('SET', STATUS, status)
  redis.call('INCR', STATUS_VERSION)
end
return 'ok'
