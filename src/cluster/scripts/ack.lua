-- Fenced acknowledgement: publishes the outcome and forgets the entry only if
-- this node still holds it at the delivery count it started with. A node that
-- lost the entry (claimed by another after a pause, or already acknowledged
-- by a retried call) gets 'stale' and changes nothing.
-- ARGV: 6 entry id, 7 delivery count, 8 outcome (opaque bytes).
local id, count = ARGV[6], tonumber(ARGV[7])
local row = pending_row(id)
if not row or row[2] ~= ME or tonumber(row[4]) ~= count then return 'stale' end
publish(id, 'done', ARGV[8], ARGV[7])
forget(id)
return 'acked'
