-- Reads up to a count of new tasks for this node, highest priority first
-- (never blocks: a node with nothing to read then blocks on every lane).
-- ARGV: 6 count. Returns {{{entry, fields}, ...}, {lane keys, highest first}}.
local want = tonumber(ARGV[6])
local out, keys = {}, {}
for _, priority in ipairs(lanes()) do
  local key = lane_key(priority)
  keys[#keys + 1] = key
  if want > 0 then
    local ok, reply = pcall(redis.call, 'XREADGROUP', 'GROUP', GROUP, ME, 'COUNT', want, 'STREAMS', key, '>')
    if ok and reply then
      for _, item in ipairs(reply[1][2]) do
        out[#out + 1] = {priority .. ':' .. item[1], item[2]}
        want = want - 1
      end
    end
  end
end
return {out, keys}
