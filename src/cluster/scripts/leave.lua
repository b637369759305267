-- A node leaves: everything it still holds goes back to the queue at once,
-- not charged a delivery (tasks it read ahead, tasks its pool stopped,
-- tasks a read in flight handed it): each is marked unstarted, and keeps
-- its count. It stops announcing itself. The others claim them at their
-- next heartbeat (their idle time is the visibility timeout), or take them
-- back as a dead node's. An entry deleted while pending is reported lost.
-- ARGV: 6 visibility timeout ms. Returns how many were handed back.
local released = 0
for _, priority in ipairs(lanes()) do
  local key = lane_key(priority)
  local ok, rows = pcall(redis.call, 'XPENDING', key, GROUP, '-', '+', 100000, ME)
  if ok then
    for _, row in ipairs(rows) do
      local entry = priority .. ':' .. row[1]
      if #redis.call('XCLAIM', key, GROUP, ME, 0, row[1], 'IDLE', ARGV[6], 'JUSTID') == 0 then
        lost(entry)
      else
        redis.call('SADD', UNSTARTED, entry)
        released = released + 1
      end
    end
  end
end
redis.call('DEL', HEARTBEAT .. ME)
return released
