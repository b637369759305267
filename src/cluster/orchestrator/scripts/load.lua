-- What a new leader resumes from, read in one step.
-- Returns {server ms, alive-since, meta (flat hash), jobs (flat hash: name
-- -> record), letters (flat hash each, oldest first), runs (flat hash),
-- commands (flat hash)}.
local jobs = redis.call('HGETALL', JOBS)
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
