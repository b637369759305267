-- Takes over entries idle past the visibility timeout. In the same step:
-- entries past the delivery limit go to the dead letters (their submitter
-- told), and entries deleted while pending are reported as lost.
-- ARGV: 6 min idle ms, 7 start cursor, 8 count, 9 max deliveries.
-- Returns {next cursor, {{id, deliveries, fields}, ...}, dead-lettered, lost}.
local reply = redis.call('XAUTOCLAIM', TASKS, GROUP, ME, ARGV[6], ARGV[7], 'COUNT', ARGV[8])
local max = tonumber(ARGV[9])
local out, dead = {}, 0
for _, entry in ipairs(reply[2]) do
  local id = entry[1]
  dead = dead + take_claimed(out, id, entry[2], tonumber(pending_row(id)[4]), max)
end
local deleted = reply[3] or {}
for _, id in ipairs(deleted) do lost(id) end
return {reply[1], out, dead, #deleted}
