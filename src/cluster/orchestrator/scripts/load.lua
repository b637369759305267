-- What a new leader resumes from, read in one step.
-- Returns {server ms, alive-since, meta (flat hash), jobs ({name, flat
-- record} each), letters (flat hash each, oldest first), runs (flat hash),
-- commands (flat hash)}.
local jobs = {}
for _, name in ipairs(redis.call('SMEMBERS', JOBS)) do
  jobs[#jobs + 1] = { name, redis.call('HGETALL', PREFIX .. 'job:' .. name) }
end
local letters = {}
for _, id in ipairs(redis.call('ZRANGE', LETTERS, 0, -1)) do
  local letter = redis.call('HGETALL', PREFIX .. 'letter:' .. id)
  letter[#letter + 1] = 'id'
  letter[#letter + 1] = id
  letters[#letters + 1] = letter
end
local now = now_ms()
return {
  now, redis.call('GET', ALIVE_SINCE) or tostring(now), redis.call('HGETALL', META), jobs, letters,
  redis.call('HGETALL', RUNS), redis.call('HGETALL', COMMANDS),
}
