-- A command for the leader (trigger, enable, ...): kept until a leader has
-- applied it (commit deletes it in the same step), so that one taken by a
-- leader that then died is applied by the next. The wake list lets the
-- leader's blocking read see it at once.
-- ARGV: 3 request id, 4 the command.
redis.call('HSET', COMMANDS, ARGV[3], ARGV[4])
if redis.call('LLEN', WAKE) < 8 then redis.call('RPUSH', WAKE, '1') end
return 'ok'
