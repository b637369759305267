-- Resets the idle time of entries this node is still running, so that no
-- other node claims them; XCLAIM JUSTID does not count a delivery. An entry
-- another node holds now is left alone (claiming it back would run it twice).
-- An entry deleted while pending is reported lost (XCLAIM drops it from the
-- pending entries), and is no longer this node's.
-- ARGV from 6: entries. Returns {entries this node no longer holds, entries
-- whose submitter aborted them}.
local gone, aborted = {}, {}
for i = 6, #ARGV do
  local entry = ARGV[i]
  local row = pending_row(entry)
  if row and row[2] == ME then
    local key, id = locate(entry)
    if #redis.call('XCLAIM', key, GROUP, ME, 0, id, 'JUSTID') == 0 then
      lost(entry)
      gone[#gone + 1] = entry
    elseif redis.call('SISMEMBER', ABORTED, entry) == 1 then
      aborted[#aborted + 1] = entry
    end
  else
    gone[#gone + 1] = entry
  end
end
return {gone, aborted}
