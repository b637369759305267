'use strict'

const { Cron } = require('croner')
const { Orchestrator } = require('../..')
const { cronerOptions, tableCases, vixieCases } = require('./next-runs-cases')

const iso = (dates) => dates.map((date) => date.toISOString())

const ours = ({ cron, timeZone, from, count }) => Orchestrator.nextRuns(cron, { count, from: new Date(from), timeZone })

describe('Orchestrator.nextRuns', () => {
  describe('agrees with croner', () => {
    const cases = tableCases()

    test('on a table of at least 200 expression x zone x start cases', () => {
      expect(cases.length).toBeGreaterThanOrEqual(200)
    })

    test.each(cases)('$cron in $timeZone after $from', (c) => {
      const reference = new Cron(c.cron, cronerOptions(c.timeZone)).nextRuns(c.count, new Date(c.from))
      const runs = ours(c)
      expect(runs.every((run) => run instanceof Date)).toBe(true)
      expect(iso(runs)).toEqual(iso(reference))
    })
  })

  describe('follows Vixie cron at DST changes', () => {
    test.each(vixieCases)('$what: $cron in $timeZone', (c) => {
      const expected = c.expected.map((time) => new Date(time).toISOString())
      expect(iso(ours({ ...c, count: expected.length }))).toEqual(expected)
      if (c.cronerDefault === 'differs') {
        // Where references disagree, the rule above holds, not croner's default.
        const byDefault = new Cron(c.cron, { timezone: c.timeZone }).nextRuns(expected.length, new Date(c.from))
        expect(iso(byDefault)).not.toEqual(expected)
      }
    })
  })

  test('count defaults to 1', () => {
    const runs = Orchestrator.nextRuns('0 3 * * *', { from: new Date('2027-03-27T12:00:00+01:00'), timeZone: 'Europe/Paris' })
    expect(iso(runs)).toEqual(['2027-03-28T01:00:00.000Z'])
  })
})
