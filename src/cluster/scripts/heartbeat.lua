-- Announces this node: its heartbeat key (workers and server time, with a TTL
-- of three heartbeats) and its membership of the nodes set. Checks that the
-- queue is whole (see `epoch`), and removes the lanes (but 0's) that have
-- been empty for `retention`, so that the lanes in use are all every read
-- and scan goes through. A lane is empty when nothing is in it and nothing
-- is pending in it; it has been since the last id it gave (ids are the
-- server's time in ms, as every entry is added with `*`).
-- ARGV: 6 TTL ms, 7 workers, 8 retention ms. Returns {the server time in
-- ms, the queue's epoch}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', HEARTBEAT .. ME, ARGV[7] .. ' ' .. now, 'PX', ARGV[6])
redis.call('SADD', NODES, ME)
local current = epoch()
local retention = tonumber(ARGV[8])
for _, priority in ipairs(lanes()) do
  local key = lane_key(priority)
  if priority ~= '0' and redis.call('XLEN', key) == 0 and redis.call('XPENDING', key, GROUP)[1] == 0 then
    local info = redis.call('XINFO', 'STREAM', key)
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then
        local last = tonumber(string.match(info[i + 1], '^(%d+)-'))
        if last and now - last >= retention then
          redis.call('UNLINK', key)
          redis.call('ZREM', LANES, priority)
        end
      end
    end
  end
end
return {now, current}
