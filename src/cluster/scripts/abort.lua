-- Marks a task entry as aborted, if the queue still knows it.
-- ARGV: 6 entry id. Returns 1 if marked.
if redis.call('HEXISTS', OWNERS, ARGV[6]) == 0 then return 0 end
redis.call('SADD', ABORTED, ARGV[6])
return 1
