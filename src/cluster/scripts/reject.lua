-- Dead-letters an entry this node holds that is not a valid task, with a
-- reason; fenced like an acknowledgement.
-- ARGV: 6 entry, 7 delivery count, 8 reason, 9 dead letters kept (-1: all).
local entry, count = ARGV[6], tonumber(ARGV[7])
bound_dead_letters(ARGV[9])
local row = pending_row(entry)
if not row or row[2] ~= ME or tonumber(row[4]) ~= count then return 'stale' end
local key, id = locate(entry)
local found = redis.call('XRANGE', key, id, id)[1]
dead_letter(entry, found and found[2], ARGV[8], 'invalid', ARGV[7])
return 'rejected'
