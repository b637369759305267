-- Takes back at once the pending entries of nodes whose heartbeat expired,
-- up to a budget, with the same delivery-limit and lost-entry rules as an
-- idle claim. A dead consumer is deleted only once it holds nothing:
-- XGROUP DELCONSUMER drops whatever it still holds.
-- ARGV: 6 budget, 7 max deliveries.
-- Returns {{{id, deliveries, fields}, ...}, dead-lettered, lost, nodes removed}.
local budget, max = tonumber(ARGV[6]), tonumber(ARGV[7])
local candidates = {}
for _, node in ipairs(redis.call('SMEMBERS', NODES)) do candidates[node] = true end
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', TASKS, GROUP)) do
  for i = 1, #consumer, 2 do
    if consumer[i] == 'name' then candidates[consumer[i + 1]] = true end
  end
end
local out, dead, gone, removed = {}, 0, 0, 0
for node in pairs(candidates) do
  if node ~= ME and redis.call('EXISTS', HEARTBEAT .. node) == 0 then
    if budget > 0 then
      local rows = redis.call('XPENDING', TASKS, GROUP, '-', '+', budget, node)
      if #rows > 0 then
        local ids, before = {}, {}
        for _, row in ipairs(rows) do
          ids[#ids + 1] = row[1]
          before[row[1]] = tonumber(row[4])
        end
        local claimed = redis.call('XCLAIM', TASKS, GROUP, ME, 0, unpack(ids))
        for _, entry in ipairs(claimed) do
          local id = entry[1]
          dead = dead + take_claimed(out, id, entry[2], before[id] + 1, max)
          before[id] = nil
          budget = budget - 1
        end
        -- Whatever XCLAIM did not return was deleted while pending.
        for id in pairs(before) do
          lost(id)
          gone = gone + 1
        end
      end
    end
    if #redis.call('XPENDING', TASKS, GROUP, '-', '+', 1, node) == 0 then
      redis.call('XGROUP', 'DELCONSUMER', TASKS, GROUP, node)
      redis.call('SREM', NODES, node)
      removed = removed + 1
    end
  end
end
return {out, dead, gone, removed}
