-- Resets the idle time of entries this node is still running, so that no
-- other node claims them; XCLAIM JUSTID does not count a delivery. An entry
-- another node holds now is left alone (claiming it back would run it twice).
-- ARGV from 6: entries. Returns {entries this node no longer holds, entries
-- whose submitter aborted them}.
local gone, aborted = {}, {}
for i = 6, #ARGV do
  local entry = ARGV[i]
  local row = pending_row(entry)
  if row and row[2] == ME then
    local key, id = locate(entry)
    redis.call('XCLAIM', key, GROUP, ME, 0, id, 'JUSTID')
    if redis.call('SISMEMBER', ABORTED, entry) == 1 then aborted[#aborted + 1] = entry end
  else
    gone[#gone + 1] = entry
  end
end
return {gone, aborted}
