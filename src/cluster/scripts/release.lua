-- Hands entries this node holds back to the queue at once, without waiting
-- for the visibility timeout: their idle time is set to it, so that the next
-- idle claim of any node takes them. Fenced like an acknowledgement. The
-- delivery count stays; an entry handed back uncharged (read ahead,
-- declined while closing) is marked unstarted, so that the claim that takes
-- it does not count a delivery either; a charged one is not, and the claim
-- counts one. An entry deleted while pending is reported lost (XCLAIM drops
-- it from the pending entries).
-- ARGV: 6 visibility timeout ms; from 7, three per entry: entry, delivery
-- count, 1 to charge the delivery or 0. Returns how many were released.
local released = 0
for i = 7, #ARGV, 3 do
  local entry, count = ARGV[i], tonumber(ARGV[i + 1])
  if holds(entry, count) then
    local key, id = locate(entry)
    if #redis.call('XCLAIM', key, GROUP, ME, 0, id, 'IDLE', ARGV[6], 'JUSTID') == 0 then
      lost(entry)
    elseif ARGV[i + 2] == '0' then
      redis.call('SADD', UNSTARTED, entry)
    else
      redis.call('SREM', UNSTARTED, entry)
    end
    released = released + 1
  end
end
return released
