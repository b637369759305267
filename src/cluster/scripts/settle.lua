-- What a node sends when a worker moves from one task to the next, in one
-- step (one round trip, and one script call, per hand-over):
--
-- Fenced acknowledgements: each publishes its outcome and forgets its entry
-- only if this node still holds it at the delivery count it started with. A
-- node that lost an entry (claimed by another after a pause, or already
-- acknowledged by a retried call) changes nothing for it.
--
-- Start records of entries this node holds unstarted (read ahead, or taken
-- from another node): from now on, its death charges them a delivery.
-- Written before they start, so that a task that kills its node at once is
-- charged all the same. Fenced like an acknowledgement: an entry this node
-- no longer holds at that delivery count is not started.
--
-- ARGV: 6 the number of acknowledgements n; then three per acknowledgement:
-- entry, delivery count, outcome (opaque bytes); then two per start: entry,
-- delivery count. Returns {one status per acknowledgement, 1 acked or 0
-- stale; one per start, 1 start it or 0 another node has it now}, in order.
local acks = tonumber(ARGV[6])
local first_start = 7 + 3 * acks
local acked, started = {}, {}
-- Each submitter's result stream gets its expiry once, not once per result.
local expiring = {}
for i = 7, first_start - 1, 3 do
  local entry, count = ARGV[i], tonumber(ARGV[i + 1])
  if holds(entry, count) then
    publish(entry, 'done', ARGV[i + 2], ARGV[i + 1], expiring)
    -- Started: an outcome comes only from a task its node started, after
    -- the record that unmarked it (or it started as it was read).
    forget(entry, true)
    acked[#acked + 1] = 1
  else
    acked[#acked + 1] = 0
  end
end
for key in pairs(expiring) do redis.call('PEXPIRE', key, RESULT_TTL) end
for i = first_start, #ARGV, 2 do
  local entry, count = ARGV[i], tonumber(ARGV[i + 1])
  if holds(entry, count) then
    redis.call('SREM', UNSTARTED, entry)
    started[#started + 1] = 1
  else
    started[#started + 1] = 0
  end
end
return {acked, started}
