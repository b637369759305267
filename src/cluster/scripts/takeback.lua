-- Takes back at once the pending entries of nodes whose heartbeat expired,
-- highest priority first, up to a budget, with the same delivery-limit and
-- lost-entry rules as an idle claim. A dead consumer is deleted from a lane
-- only once it holds nothing there (XGROUP DELCONSUMER drops whatever it
-- still holds), and forgotten once it holds nothing anywhere.
-- ARGV: 6 budget, 7 max deliveries.
-- Returns {{{entry, deliveries, fields}, ...}, dead-lettered, lost, nodes removed}.
local budget, max = tonumber(ARGV[6]), tonumber(ARGV[7])
local out, dead, gone, removed = {}, 0, 0, 0
local dead_nodes, holding = {}, {}
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
    if budget > 0 then
      local rows = redis.call('XPENDING', key, GROUP, '-', '+', budget, node)
      if #rows > 0 then
        local ids, before = {}, {}
        for _, row in ipairs(rows) do
          ids[#ids + 1] = row[1]
          before[row[1]] = tonumber(row[4])
        end
        local claimed = redis.call('XCLAIM', key, GROUP, ME, 0, unpack(ids))
        for _, item in ipairs(claimed) do
          local id = item[1]
          dead = dead + take_claimed(out, priority .. ':' .. id, item[2], before[id] + 1, max)
          before[id] = nil
          budget = budget - 1
        end
        -- Whatever XCLAIM did not return was deleted while pending.
        for id in pairs(before) do
          lost(priority .. ':' .. id)
          gone = gone + 1
        end
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
