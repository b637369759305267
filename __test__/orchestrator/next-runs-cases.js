'use strict'

/**
 * Cases for Orchestrator.nextRuns: a generated table checked against croner
 * (npm), and hand-written Vixie cron cases for the DST changes, where cron
 * implementations do not all agree.
 *
 * croner is asked for its "no-wildcard" fixed-time rule, which is ours and
 * Vixie cron's: a time of day written without `*` or a step is a fixed time,
 * lists and ranges included. croner's default rule counts only a single time
 * of day as fixed, so it skips `30 2,14 * * *` on a spring-forward day and
 * runs it twice on a fall-back day; the Vixie cases below pin what we do.
 */

/** croner's options that give cron's meaning as the orchestrator reads it. */
const cronerOptions = (timeZone) => ({
  timezone: timeZone,
  mode: '5-or-6-parts', // 5 fields (minute first) or 6 (second first), no year
  fixedTimeRule: 'no-wildcard', // lists and ranges of times are fixed times (Vixie)
  domAndDow: false, // day of month OR day of week, as in Vixie cron
})

const EXPRESSIONS = [
  // Fixed times of day, some inside a spring-forward gap or a fall-back overlap.
  '0 3 * * *',
  '30 2 * * *',
  '15 2 * * *',
  '0 2 * * *',
  '30 1 * * *',
  '45 1 * * *',
  // Lists and ranges of fixed times.
  '30 2,14 * * *',
  '0,15,30,45 2 * * *',
  '0 1-3 * * *',
  // Wildcards and steps follow elapsed time.
  '*/15 * * * *',
  '*/10 * * * *',
  '30 * * * *',
  '0 * * * *',
  '0 */2 * * *',
  '* 2 * * *',
  // 6 fields, seconds first.
  '0 30 2 * * *',
  '10 15 2 * * *',
  '*/20 */30 * * * *',
  // L, W, #, names, nicknames, day of month OR day of week.
  '0 2 L * *',
  '30 2 15W * *',
  '0 2 * * SUN#1',
  '30 2 * * 0L',
  '0 9 * * MON-FRI',
  '0 0 1 * MON',
  '@daily',
  '@hourly',
]

/** The DST changes of 2027 and a start on each side of them, in each zone. */
const STARTS = {
  'Europe/Paris': [
    '2027-03-27T23:00:00+01:00', // the evening before 02:00 CET jumps to 03:00 CEST
    '2027-03-28T01:59:30+01:00',
    '2027-10-30T23:00:00+02:00', // the evening before 03:00 CEST goes back to 02:00 CET
    '2027-10-31T02:10:00.500+01:00', // inside the second pass of the repeated hour
    '2027-06-15T12:00:00+02:00',
  ],
  'America/New_York': [
    '2027-03-13T23:00:00-05:00', // 02:00 EST jumps to 03:00 EDT
    '2027-03-14T01:59:30-05:00',
    '2027-11-06T23:00:00-04:00', // 02:00 EDT goes back to 01:00 EST
    '2027-11-07T01:10:00.500-05:00', // second pass
    '2027-01-31T23:59:59-05:00',
  ],
  'Australia/Lord_Howe': [
    '2027-10-02T23:00:00+10:30', // 02:00 jumps to 02:30: half an hour
    '2027-10-03T01:59:30+10:30',
    '2027-04-03T23:00:00+11:00', // 02:00 goes back to 01:30
    '2027-04-04T01:40:00.500+10:30', // second pass
  ],
  UTC: ['2027-02-27T12:00:00Z', '2028-02-27T12:00:00Z'],
}

const COUNT = 6

/** Every expression in every zone from every start: 26 x 16 = 416 cases. */
const tableCases = () =>
  Object.entries(STARTS).flatMap(([timeZone, starts]) =>
    starts.flatMap((from) => EXPRESSIONS.map((cron) => ({ cron, timeZone, from, count: COUNT }))),
  )

/**
 * Vixie cron's DST rule, hand-written: a fixed time skipped by the clock runs
 * once at the end of the gap, a repeated one in the first pass only.
 * `cronerDefault: 'differs'` marks where croner's default rule disagrees.
 */
const vixieCases = [
  {
    what: 'Paris: 02:30 is skipped, it runs at 03:00 CEST',
    cron: '30 2 * * *',
    timeZone: 'Europe/Paris',
    from: '2027-03-27T12:00:00+01:00',
    expected: ['2027-03-28T03:00:00+02:00', '2027-03-29T02:30:00+02:00'],
  },
  {
    what: 'New York: 02:30 is skipped, it runs at 03:00 EDT',
    cron: '30 2 * * *',
    timeZone: 'America/New_York',
    from: '2027-03-13T12:00:00-05:00',
    expected: ['2027-03-14T03:00:00-04:00', '2027-03-15T02:30:00-04:00'],
  },
  {
    what: 'Lord Howe: 02:15 is skipped (half an hour), it runs at 02:30',
    cron: '15 2 * * *',
    timeZone: 'Australia/Lord_Howe',
    from: '2027-10-02T12:00:00+10:30',
    expected: ['2027-10-03T02:30:00+11:00', '2027-10-04T02:15:00+11:00'],
  },
  {
    what: 'Paris: a list of times, one of them skipped',
    cron: '30 2,14 * * *',
    timeZone: 'Europe/Paris',
    from: '2027-03-27T15:00:00+01:00',
    expected: ['2027-03-28T03:00:00+02:00', '2027-03-28T14:30:00+02:00', '2027-03-29T02:30:00+02:00'],
    cronerDefault: 'differs',
  },
  {
    what: 'Lord Howe: two listed times in the gap run once, at its end',
    cron: '0,15 2 * * *',
    timeZone: 'Australia/Lord_Howe',
    from: '2027-10-02T12:00:00+10:30',
    expected: ['2027-10-03T02:30:00+11:00', '2027-10-04T02:00:00+11:00'],
    cronerDefault: 'differs',
  },
  {
    what: 'Paris: 02:30 repeats, it runs in the first pass only',
    cron: '30 2 * * *',
    timeZone: 'Europe/Paris',
    from: '2027-10-30T12:00:00+02:00',
    expected: ['2027-10-31T02:30:00+02:00', '2027-11-01T02:30:00+01:00'],
  },
  {
    what: 'New York: a range of hours, 01:00 repeats, it runs once',
    cron: '0 0-2 * * *',
    timeZone: 'America/New_York',
    from: '2027-11-06T23:30:00-04:00',
    expected: ['2027-11-07T00:00:00-04:00', '2027-11-07T01:00:00-04:00', '2027-11-07T02:00:00-05:00'],
    cronerDefault: 'differs',
  },
  {
    what: 'Paris: */15 runs 8 times in the two passes of the repeated hour',
    cron: '*/15 * * * *',
    timeZone: 'Europe/Paris',
    from: '2027-10-31T01:59:59+02:00',
    expected: [
      '2027-10-31T02:00:00+02:00',
      '2027-10-31T02:15:00+02:00',
      '2027-10-31T02:30:00+02:00',
      '2027-10-31T02:45:00+02:00',
      '2027-10-31T02:00:00+01:00',
      '2027-10-31T02:15:00+01:00',
      '2027-10-31T02:30:00+01:00',
      '2027-10-31T02:45:00+01:00',
      '2027-10-31T03:00:00+01:00',
    ],
  },
  {
    what: 'Paris: 30 * runs twice in the repeated hour and skips the missing one',
    cron: '30 * * * *',
    timeZone: 'Europe/Paris',
    from: '2027-03-28T01:00:00+01:00',
    expected: ['2027-03-28T01:30:00+01:00', '2027-03-28T03:30:00+02:00'],
  },
]

module.exports = { cronerOptions, tableCases, vixieCases }
