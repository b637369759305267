-- The queue at a glance, over every lane. The backlog is the group's lag
-- (entries not yet delivered), not XLEN: a lane also holds delivered,
-- unacknowledged ones.
-- Returns {{{node, workers, last seen ms}, ...}, lag or -1, pending, length,
-- dead letters, {{priority, lag or -1, pending}, ...} (each lane, highest first)}.
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
-- Summed over the lanes; -1 for the lag when a lane cannot tell it.
local lag, pending, length = 0, 0, 0
local by_lane = {}
for _, priority in ipairs(lanes()) do
  local key = lane_key(priority)
  local lane_lag, lane_pending = 0, 0
  if redis.call('EXISTS', key) == 1 then
    local lane_length = redis.call('XLEN', key)
    length = length + lane_length
    local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', key)
    for _, group in ipairs(ok and groups or {}) do
      local info = {}
      for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
      if info['name'] == GROUP then
        lane_pending = info['pending']
        -- Without the lag, the lane holds exactly its undelivered and pending entries.
        lane_lag = info['lag'] or -1
        pending = pending + lane_pending
        if info['lag'] and lag >= 0 then lag = lag + info['lag'] else lag = -1 end
      end
    end
    if lane_lag < 0 then lane_lag = math.max(0, lane_length - lane_pending) end
  end
  by_lane[#by_lane + 1] = {priority, lane_lag, lane_pending}
end
return {nodes, lag, pending, length, redis.call('XLEN', DEAD), by_lane}
