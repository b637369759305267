-- Reads up to a count of new tasks for this node, highest priority first
-- (never blocks: a node with nothing to read then blocks on every lane).
-- The first `start` of them this node starts at once; the others it holds
-- unstarted (read ahead), so that its death would not charge them.
-- ARGV: 6 count, 7 start. Returns {{{entry, fields}, ...}, {lane keys, highest first}}.
local want, start = tonumber(ARGV[6]), tonumber(ARGV[7])
local out, keys, unstarted = {}, {}, {}
for _, priority in ipairs(lanes()) do
  local key = lane_key(priority)
  keys[#keys + 1] = key
  if want > 0 then
    local ok, reply = pcall(redis.call, 'XREADGROUP', 'GROUP', GROUP, ME, 'COUNT', want, 'STREAMS', key, '>')
    if ok and reply then
      for _, item in ipairs(reply[1][2]) do
        local entry = priority .. ':' .. item[1]
        out[#out + 1] = {entry, item[2]}
        if #out > start then unstarted[#unstarted + 1] = entry end
        want = want - 1
      end
    end
  end
end
in_thousands('SADD', UNSTARTED, unstarted)
return {out, keys}
