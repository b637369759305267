-- Announces this node: its heartbeat key (workers and server time, with a TTL
-- of three heartbeats) and its membership of the nodes set.
-- ARGV: 6 TTL ms, 7 workers. Returns {the server time in ms, the queue's epoch}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', HEARTBEAT .. ME, ARGV[7] .. ' ' .. now, 'PX', ARGV[6])
redis.call('SADD', NODES, ME)
return {now, epoch()}
