-- The submitter gave up on a task. One never delivered is deleted, so that it
-- never runs; one a node holds is marked, and that node stops it when it next
-- renews (or acknowledges it unrun if it has not started it yet).
-- ARGV: 6 entry. Returns 2 if deleted, 1 if marked, 0 if the queue no
-- longer knows it.
local entry = ARGV[6]
if redis.call('HEXISTS', OWNERS, entry) == 0 then return 0 end
if not pending_row(entry) then
  local key, id = locate(entry)
  redis.call('XDEL', key, id)
  redis.call('HDEL', OWNERS, entry)
  return 2
end
redis.call('SADD', ABORTED, entry)
return 1
