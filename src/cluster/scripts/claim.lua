-- Takes over entries idle past the visibility timeout, highest priority
-- first: fresh ones up to a count and suspects up to theirs, each under the
-- rules of `take` (charged only if started, dead-lettered past the limit,
-- reported lost if deleted while pending). Each lane's scan resumes after
-- the last entry the previous call looked at, and wraps around at the end;
-- a call looks at no more than ten rows per entry it may take.
-- ARGV: 6 min idle ms, 7 count, 8 max deliveries, 9 suspects this node may
-- take, 10 dead letters kept (-1: all); from 11, pairs of (priority, cursor)
-- from the last call.
-- Returns {{{entry, deliveries, fields}, ...}, dead-lettered, lost,
-- {priority, next cursor, ...}}.
local min_idle, fresh, max, suspects = ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
bound_dead_letters(ARGV[10])
local cursors = {}
for i = 11, #ARGV, 2 do cursors[ARGV[i]] = ARGV[i + 1] end
local scan = 10 * math.max(1, fresh + suspects)
local out, dead, gone, next_cursors = {}, 0, 0, {}
for _, priority in ipairs(lanes()) do
  local cursor = cursors[priority] or '-'
  if fresh > 0 or suspects > 0 then
    local ok, rows = pcall(redis.call, 'XPENDING', lane_key(priority), GROUP, 'IDLE', min_idle, cursor, '+', scan)
    if ok then
      -- The end of the lane unless the scan stops early or is cut by its length.
      cursor = '-'
      for i, row in ipairs(rows) do
        local kind = take(out, priority, row, min_idle, max, fresh, suspects)
        if kind == 'fresh' then fresh = fresh - 1 end
        if kind == 'suspect' then suspects = suspects - 1 end
        if kind == 'dead' then dead = dead + 1 end
        if kind == 'lost' then gone = gone + 1 end
        if (fresh <= 0 and suspects <= 0 and i < #rows) or i == scan then
          cursor = '(' .. row[1]
          break
        end
      end
    end
  end
  next_cursors[#next_cursors + 1] = priority
  next_cursors[#next_cursors + 1] = cursor
end
return {out, dead, gone, next_cursors}
