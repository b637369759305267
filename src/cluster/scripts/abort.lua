-- The submitter gave up on a task. One never delivered is deleted, so that it
-- never runs; one a node holds is marked, and that node stops it when it next
-- renews (or acknowledges it unrun if it has not started it yet).
-- ARGV: 6 entry id. Returns 2 if deleted, 1 if marked, 0 if the queue no
-- longer knows it.
local id = ARGV[6]
if redis.call('HEXISTS', OWNERS, id) == 0 then return 0 end
if not pending_row(id) then
  redis.call('XDEL', TASKS, id)
  redis.call('HDEL', OWNERS, id)
  return 2
end
redis.call('SADD', ABORTED, id)
return 1
