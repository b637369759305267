-- Records that this node starts entries it holds unstarted (read ahead, or
-- taken from another node): from now on, its death charges them a
-- delivery. Written before they start, so that a task that kills its node
-- at once is charged all the same. Fenced like an acknowledgement: an entry
-- this node no longer holds at that delivery count is not started.
-- ARGV from 6, two per entry: entry, delivery count. Returns one status per
-- entry, in order: 1 start it, 0 another node has it now.
local out = {}
for i = 6, #ARGV, 2 do
  local entry, count = ARGV[i], tonumber(ARGV[i + 1])
  if holds(entry, count) then
    redis.call('SREM', UNSTARTED, entry)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
