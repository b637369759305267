-- The queue at a glance. The backlog is the group's lag (entries not yet
-- delivered), not XLEN: the stream also holds delivered, unacknowledged ones.
-- Returns {{{node, workers, last seen ms}, ...}, lag or -1, pending, length, dead letters}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nodes = {}
for _, node in ipairs(redis.call('SMEMBERS', NODES)) do
  local beat = redis.call('GET', HEARTBEAT .. node)
  if beat then
    local space = string.find(beat, ' ', 1, true)
    local workers = tonumber(string.sub(beat, 1, space - 1))
    local seen = tonumber(string.sub(beat, space + 1))
    nodes[#nodes + 1] = {node, workers, math.max(0, now - seen)}
  end
end
local lag, pending = -1, 0
if redis.call('EXISTS', TASKS) == 1 then
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', TASKS)) do
    local info = {}
    for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
    if info['name'] == GROUP then
      pending = info['pending']
      if info['lag'] then lag = info['lag'] end
    end
  end
end
return {nodes, lag, pending, redis.call('XLEN', TASKS), redis.call('XLEN', DEAD)}
