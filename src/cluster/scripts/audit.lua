-- Looks at entries this submitter still awaits. One whose owner record
-- stands but which is neither in its lane nor pending was deleted before
-- any node read it (an operator's XDEL, a mistaken trim): no node will ever
-- report it. Its records go, and the submitter reports it lost itself.
-- ARGV from 6: entries. Returns the entries lost.
local gone = {}
for i = 6, #ARGV do
  local entry = ARGV[i]
  local key, id = locate(entry)
  if key and redis.call('HEXISTS', OWNERS, entry) == 1
      and #redis.call('XRANGE', key, id, id) == 0 and not pending_row(entry) then
    unown(entry)
    gone[#gone + 1] = entry
  end
end
return gone
