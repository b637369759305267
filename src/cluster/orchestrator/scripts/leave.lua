-- A replica stops: it is no longer alive, and gives up the lead if it has
-- it, so that another takes over at its next heartbeat.
redis.call('ZREM', REPLICAS, ME)
if redis.call('GET', LEADER) == ME then redis.call('DEL', LEADER) end
return 'ok'
