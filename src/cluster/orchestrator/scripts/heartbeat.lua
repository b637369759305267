-- A replica's heartbeat: it is alive (replicas), and it leads if nobody does.
-- Replicas silent for a TTL are forgotten; when none is left, a new alive
-- period begins now (ticks before it follow each job's catch-up policy).
-- The leader renews its lease; a replica that may not lead (stopped) gives
-- it up. Taking a free lease starts a new epoch, unless this replica was the
-- last leader and nobody led since (a Redis outage outlived its lease):
-- then it goes on in its own epoch and nothing of it is fenced.
-- ARGV: 3 TTL ms, 4 the epoch this replica last led in ('' if none), 5 '1'
-- if it may lead, 6 the status version it has, 7 the definitions version it
-- has, 8 when this replica started (server ms; '' at its first heartbeat).
-- Returns {server ms, role, epoch, leader ('' if none), replicas alive,
-- alive-since, status version, status (only when newer than ARGV[6] and this
-- replica follows, else ''), definitions version, definitions (a flat hash,
-- only when newer than ARGV[7], else empty)}.
local now = now_ms()
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', REPLICAS, '-inf', now - ttl)
-- This replica has been alive since it started (ARGV[8], '' at its first
-- heartbeat), even if Redis could not hear it for a while (an outage).
local started = tonumber(ARGV[8]) or now
local since = tonumber(redis.call('GET', ALIVE_SINCE))
if redis.call('ZCARD', REPLICAS) == 0 or not since or started < since then
  redis.call('SET', ALIVE_SINCE, started)
end
redis.call('ZADD', REPLICAS, now, ME)
local leader = redis.call('GET', LEADER)
local epoch = redis.call('GET', EPOCH) or '0'
local role = 'follower'
if leader == ME then
  if ARGV[5] == '1' then
    redis.call('PEXPIRE', LEADER, ttl)
    role = 'leader'
  else
    redis.call('DEL', LEADER)
    leader = false
  end
elseif not leader and ARGV[5] == '1' then
  if ARGV[4] ~= epoch then epoch = tostring(redis.call('INCR', EPOCH)) end
  redis.call('SET', LEADER, ME, 'PX', ttl)
  leader = ME
  role = 'leader'
end
local version = redis.call('GET', STATUS_VERSION) or '0'
local status = ''
if role ~= 'leader' and version ~= ARGV[6] then status = redis.call('GET', STATUS) or '' end
local definitions_version = redis.call('GET', DEFINITIONS_VERSION) or '0'
local definitions = {}
if definitions_version ~= ARGV[7] then definitions = redis.call('HGETALL', DEFINITIONS) end
return {
  now, role, epoch, leader or '', redis.call('ZCARD', REPLICAS), redis.call('GET', ALIVE_SINCE), version, status,
  definitions_version, definitions,
}
