-- Hands entries this node holds back to the queue at once, without waiting
-- for the visibility timeout: their idle time is set to it, so that the next
-- idle claim of any node takes them. Fenced like an acknowledgement. An
-- entry this node never started (read ahead, declined while closing) is not
-- charged a delivery: its count goes back one, and the claim adds it again.
-- ARGV: 6 visibility timeout ms; from 7, three per entry: entry, delivery
-- count, 1 to charge the delivery or 0. Returns how many were released.
local released = 0
for i = 7, #ARGV, 3 do
  local entry, count = ARGV[i], tonumber(ARGV[i + 1])
  local row = pending_row(entry)
  if row and row[2] == ME and tonumber(row[4]) == count then
    local key, id = locate(entry)
    local retries = count
    if ARGV[i + 2] == '0' then retries = count - 1 end
    redis.call('XCLAIM', key, GROUP, ME, 0, id, 'IDLE', ARGV[6], 'RETRYCOUNT', retries, 'JUSTID')
    released = released + 1
  end
end
return released
