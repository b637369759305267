-- Resets the idle time of entries this node is still running, so that no
-- other node claims them; XCLAIM JUSTID does not count a delivery. An entry
-- another node holds now is left alone (claiming it back would run it twice).
-- ARGV from 6: entry ids. Returns the ids this node no longer holds.
local gone = {}
for i = 6, #ARGV do
  local row = pending_row(ARGV[i])
  if row and row[2] == ME then
    redis.call('XCLAIM', TASKS, GROUP, ME, 0, ARGV[i], 'JUSTID')
  else
    gone[#gone + 1] = ARGV[i]
  end
end
return gone
