-- Takes over entries idle past the visibility timeout, highest priority
-- first, up to a count. In the same step: entries past the delivery limit go
-- to the dead letters (their submitter told), and entries deleted while
-- pending are reported as lost. Each lane's scan resumes where the last one
-- stopped (XAUTOCLAIM looks at most ten times the count per call).
-- ARGV: 6 min idle ms, 7 count, 8 max deliveries; from 9, pairs of
-- (priority, cursor) from the last call.
-- Returns {{{entry, deliveries, fields}, ...}, dead-lettered, lost,
-- {priority, next cursor, ...}}.
local want, max = tonumber(ARGV[7]), tonumber(ARGV[8])
local cursors = {}
for i = 9, #ARGV, 2 do cursors[ARGV[i]] = ARGV[i + 1] end
local out, dead, gone, next_cursors = {}, 0, 0, {}
for _, priority in ipairs(lanes()) do
  local key = lane_key(priority)
  local cursor = cursors[priority] or '0-0'
  if want > 0 then
    local ok, reply = pcall(redis.call, 'XAUTOCLAIM', key, GROUP, ME, ARGV[6], cursor, 'COUNT', want)
    if ok then
      cursor = reply[1]
      for _, item in ipairs(reply[2]) do
        local entry = priority .. ':' .. item[1]
        dead = dead + take_claimed(out, entry, item[2], tonumber(pending_row(entry)[4]), max)
        want = want - 1
      end
      for _, id in ipairs(reply[3] or {}) do
        lost(priority .. ':' .. id)
        gone = gone + 1
      end
    end
  end
  next_cursors[#next_cursors + 1] = priority
  next_cursors[#next_cursors + 1] = cursor
end
return {out, dead, gone, next_cursors}
