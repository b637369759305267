-- Resets the idle time of entries this node is still running, so that no
-- other node claims them; XCLAIM JUSTID does not count a delivery. An entry
-- another node holds now is left alone (claiming it back would run it twice).
-- ARGV from 6: entry ids. Returns {ids this node no longer holds, ids whose
-- submitter aborted them}.
local gone, aborted = {}, {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local row = pending_row(id)
  if row and row[2] == ME then
    redis.call('XCLAIM', TASKS, GROUP, ME, 0, id, 'JUSTID')
    if redis.call('SISMEMBER', ABORTED, id) == 1 then aborted[#aborted + 1] = id end
  else
    gone[#gone + 1] = id
  end
end
return {gone, aborted}
