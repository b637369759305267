-- Dead-letters an entry this node holds that is not a valid task, with a
-- reason; fenced like an acknowledgement.
-- ARGV: 6 entry id, 7 delivery count, 8 reason.
local id, count = ARGV[6], tonumber(ARGV[7])
local row = pending_row(id)
if not row or row[2] ~= ME or tonumber(row[4]) ~= count then return 'stale' end
local entry = redis.call('XRANGE', TASKS, id, id)[1]
dead_letter(id, entry and entry[2], ARGV[8], 'invalid', ARGV[7])
return 'rejected'
