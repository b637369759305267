-- Fenced acknowledgements: each publishes its outcome and forgets its entry
-- only if this node still holds it at the delivery count it started with. A
-- node that lost an entry (claimed by another after a pause, or already
-- acknowledged by a retried call) changes nothing for it.
-- ARGV from 6, three per entry: entry, delivery count, outcome (opaque
-- bytes). Returns one status per entry, in order: 1 acked, 0 stale.
local out = {}
for i = 6, #ARGV, 3 do
  local entry, count = ARGV[i], tonumber(ARGV[i + 1])
  if holds(entry, count) then
    publish(entry, 'done', ARGV[i + 2], ARGV[i + 1])
    forget(entry)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
