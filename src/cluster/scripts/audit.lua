-- Looks at entries this submitter still awaits, for those no node will
-- ever report:
-- - deleted before any node read it (an operator's XDEL, a mistaken trim):
--   its owner record stands, but it is neither in its lane nor pending. Its
--   records go, and the submitter reports it lost itself;
-- - settled, but its result is gone before this submitter read it (its
--   result stream deleted, evicted, expired while the submitter could not
--   read, or trimmed by hand): its owner record went with the settlement
--   (which published the result in the same step), it is neither in its
--   lane nor pending, and no unread record of this submitter's result
--   stream names it. Decided only when the unread records are few enough
--   to look at all of them, and only in a queue that is whole; otherwise
--   the next audit looks again.
-- ARGV 6: the last result record the submitter has reported ('0-0': none
-- yet); from 7: entries. Returns {entries deleted before any node read
-- them, entries whose result is lost}.
local UNREAD_LOOKED_AT = 1000
local deleted, settled = {}, {}
for i = 7, #ARGV do
  local entry = ARGV[i]
  local key, id = locate(entry)
  if key and #redis.call('XRANGE', key, id, id) == 0 and not pending_row(entry) then
    if redis.call('HEXISTS', OWNERS, entry) == 1 then
      unown(entry)
      deleted[#deleted + 1] = entry
    else
      settled[#settled + 1] = entry
    end
  end
end
local results_lost = {}
-- A queue Redis lost part of loses every task: the heartbeat says so, for
-- all of them at once (a new epoch).
local current = redis.call('GET', EPOCH)
if #settled > 0 and current and whole(current) then
  -- A key that is not a stream holds no result either.
  local ok, unread = pcall(redis.call, 'XRANGE', RESULTS .. ME, '(' .. ARGV[6], '+', 'COUNT', UNREAD_LOOKED_AT)
  if not ok then unread = {} end
  if #unread < UNREAD_LOOKED_AT then
    local named = {}
    for _, record in ipairs(unread) do
      local fields = record[2]
      for j = 1, #fields, 2 do
        if fields[j] == 'entry' then
          named[fields[j + 1]] = true
          break
        end
      end
    end
    for _, entry in ipairs(settled) do
      if not named[entry] then results_lost[#results_lost + 1] = entry end
    end
  end
end
return {deleted, results_lost}
