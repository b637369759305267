-- Looks at entries a submitter still awaits. One whose owner record stands
-- but which is neither in its lane nor pending was deleted before any node
-- read it (an operator's XDEL, a mistaken trim): no node will ever report
-- it, so it is reported lost now, as one deleted while pending is.
-- ARGV from 6: entries. Returns how many were reported lost.
local gone = 0
for i = 6, #ARGV do
  local entry = ARGV[i]
  local key, id = locate(entry)
  if key and redis.call('HEXISTS', OWNERS, entry) == 1
      and #redis.call('XRANGE', key, id, id) == 0 and not pending_row(entry) then
    lost(entry)
    gone = gone + 1
  end
end
return gone
