-- Takes back at once the pending entries of nodes whose heartbeat expired,
-- highest priority first: fresh ones up to a budget and suspects up to
-- theirs, each under the rules of `take` (charged only if the dead node had
-- started it, dead-lettered past the limit, reported lost if deleted while
-- pending). A dead consumer is deleted from a lane only once it holds
-- nothing there (XGROUP DELCONSUMER drops whatever it still holds), and
-- forgotten once it holds nothing anywhere.
-- ARGV: 6 budget, 7 max deliveries, 8 suspects this node may take, 9 dead
-- letters kept (-1: all).
-- Returns {{{entry, deliveries, fields}, ...}, dead-lettered, lost, nodes removed}.
local fresh, max, suspects = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
bound_dead_letters(ARGV[9])
-- Rows looked at per dead node and lane: a node holds its workers' tasks and
-- a short read-ahead, far fewer.
local SCAN = 10000
local out, dead, gone, removed = {}, 0, 0, 0
local dead_nodes = {}
local candidates = {}
for _, node in ipairs(redis.call('SMEMBERS', NODES)) do candidates[node] = true end
local keys = {}
for _, priority in ipairs(lanes()) do
  local key = lane_key(priority)
  local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', key, GROUP)
  if ok then
    keys[#keys + 1] = {priority, key}
    for _, consumer in ipairs(consumers) do
      for i = 1, #consumer, 2 do
        if consumer[i] == 'name' then candidates[consumer[i + 1]] = true end
      end
    end
  end
end
for node in pairs(candidates) do
  if node ~= ME and redis.call('EXISTS', HEARTBEAT .. node) == 0 then dead_nodes[#dead_nodes + 1] = node end
end
for _, node in ipairs(dead_nodes) do
  local holds = false
  for _, lane in ipairs(keys) do
    local priority, key = lane[1], lane[2]
    if fresh > 0 or suspects > 0 then
      for _, row in ipairs(redis.call('XPENDING', key, GROUP, '-', '+', SCAN, node)) do
        local kind = take(out, priority, row, 0, max, fresh, suspects)
        if kind == 'fresh' then fresh = fresh - 1 end
        if kind == 'suspect' then suspects = suspects - 1 end
        if kind == 'dead' then dead = dead + 1 end
        if kind == 'lost' then gone = gone + 1 end
        if fresh <= 0 and suspects <= 0 then break end
      end
    end
    if #redis.call('XPENDING', key, GROUP, '-', '+', 1, node) == 0 then
      redis.call('XGROUP', 'DELCONSUMER', key, GROUP, node)
    else
      holds = true
    end
  end
  if not holds then
    redis.call('SREM', NODES, node)
    removed = removed + 1
  end
end
return {out, dead, gone, removed}
