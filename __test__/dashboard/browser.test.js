'use strict'

/**
 * The dashboard's page in a real browser (Chromium, through puppeteer-core),
 * against a live pool of thread workers and a started orchestrator: it
 * follows tasks as they run, escapes what it shows, retries a dead letter
 * only with the token, reconnects its event stream after the server
 * restarts, and does all of it under its CSP without a request to another
 * origin.
 *
 * With UPDATE_SCREENSHOTS=1 it also saves docs/images/dashboard.png (1280 px wide).
 */
/* global window, document -- in the functions page.evaluate() runs in the page */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const puppeteer = require('puppeteer-core')
const { ParallelProcessor, Orchestrator } = require('../..')
const dashboard = require('../../dashboard')
const { fixture, repoRoot } = require('../helpers')
const { serve } = require('./server')

jest.setTimeout(120000)

const TOKEN = 's3cret-token'
const XSS = '<img src=x onerror=alert(1)>'
const PREFIX = '/ops/dashboard'

let browser
let page
let pool
let orchestrator
let server
let handler
let flag
const requests = []
const consoleErrors = []
const dialogs = []

beforeAll(async () => {
  flag = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pp-dashboard-')), 'fail')
  fs.writeFileSync(flag, '')
  pool = new ParallelProcessor(2, { filename: fixture('jobs.js') })
  orchestrator = new Orchestrator(pool)
  orchestrator.register('nightly-report', { cron: '30 2 * * *', timeZone: 'Europe/Paris', name: 'stamp' })
  // Fails while the flag file exists: its dead letter succeeds once the test removes it.
  orchestrator.register('invoice-sync', { name: 'failWhile', retries: 0, payload: { file: flag } })
  orchestrator.register(XSS, { name: 'stamp', payload: { note: '<script>alert(2)</script>' } })
  await orchestrator.start()
  await expect(orchestrator.trigger('invoice-sync')).rejects.toThrow('switched to fail')
  await orchestrator.trigger(XSS)

  handler = dashboard({ pool, orchestrator, token: TOKEN, title: 'Workers <test>' })
  server = await serve(handler, { prefix: PREFIX })

  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  })
  page = await browser.newPage()
  await page.setViewport({ width: 1280, height: 900 })
  page.on('request', (request) => requests.push(request.url()))
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`))
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    dialog.dismiss().catch(() => {})
  })
  // Every CSP violation the page meets is kept (this script is injected by
  // the browser itself, outside the page's CSP).
  await page.evaluateOnNewDocument(() => {
    window.__violations = []
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`)
    })
  })
  await page.goto(server.url(), { waitUntil: 'load' })
  await page.waitForFunction(() => document.getElementById('live').textContent === 'live', { timeout: 30000 })
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await orchestrator?.stop({ timeoutMs: 1000 })
  await pool?.dispose()
  if (flag !== undefined) fs.rmSync(path.dirname(flag), { recursive: true, force: true })
})

/** The number a summary card shows (its data-value). */
const cardValue = (id) => page.$eval(`#${id} .value`, (node) => Number(node.dataset.value))

test('the page follows tasks as they run', async () => {
  const before = await cardValue('completed')
  const tasks = [pool.execute({ ms: 2500 }, { name: 'stamp' }), pool.execute({ ms: 2500 }, { name: 'stamp' })]
  await page.waitForFunction(() => Number(document.querySelector('#running .value')?.dataset.value) >= 1
    && document.querySelector('#workers tr[data-state="busy"]') !== null, { timeout: 20000 })
  await Promise.all(tasks)
  await page.waitForFunction((n) => Number(document.querySelector('#completed .value')?.dataset.value) >= n, { timeout: 20000 }, before + 2)
  await page.waitForFunction(() => document.querySelector('#workers tr[data-state="busy"]') === null, { timeout: 20000 })
  const title = await page.title()
  expect(title).toBe('Workers <test>')
})

test('names, payloads and errors are shown as text', async () => {
  await page.waitForFunction((name) => [...document.querySelectorAll('#jobs td.name')].some((cell) => cell.textContent === name), { timeout: 20000 }, XSS)
  expect(await page.$$eval('img', (images) => images.length)).toBe(0)
  expect(await page.$$eval('#jobs script, #letters script', (scripts) => scripts.length)).toBe(0)
  expect(dialogs).toEqual([])
  // A cron job lists its next runs.
  const nextRuns = await page.$$eval('#jobs tr[data-job="nightly-report"] .next-runs li', (items) => items.length)
  expect(nextRuns).toBe(5)
  const letter = await page.$eval('#letters tbody tr', (row) => row.textContent)
  expect(letter).toContain('invoice-sync')
  expect(letter).toContain('switched to fail')

  if (process.env.UPDATE_SCREENSHOTS === '1') {
    // Some history for the charts: a minute of light load while the page watches.
    const until = Date.now() + 60000
    let i = 0
    while (Date.now() < until) {
      await Promise.all([pool.execute({ ms: 40 + (i++ % 7) * 30 }, { name: 'stamp' }), pool.execute({ ms: 120 }, { name: 'stamp' })])
      if (i % 40 === 0) await pool.execute({}, { name: 'fail' }).catch(() => {})
    }
    await page.waitForFunction(() => document.querySelectorAll('#chart-throughput polyline').length > 0)
    fs.mkdirSync(path.join(repoRoot, 'docs', 'images'), { recursive: true })
    await page.screenshot({ path: path.join(repoRoot, 'docs', 'images', 'dashboard.png'), fullPage: true })
  }
})

test('no CSP violation and no request to another origin', async () => {
  const origin = `http://127.0.0.1:${server.port}/`
  expect(requests.length).toBeGreaterThan(3)
  expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'))).toEqual([])
  expect(await page.evaluate(() => window.__violations)).toEqual([])
  expect(consoleErrors).toEqual([])
})

test('a dead letter is refused without the token, and retried with it', async () => {
  const retry = '#letters tbody tr[data-letter] button[data-action="retryDeadLetter"]'
  await page.waitForSelector(retry, { timeout: 20000 })
  await page.click(retry)
  await page.waitForFunction(() => document.getElementById('action-status').textContent.includes('refused (401)'), { timeout: 20000 })
  expect(orchestrator.deadLetters()).toHaveLength(1)

  fs.rmSync(flag)
  await page.type('#token', TOKEN)
  await page.click(retry)
  await page.waitForFunction(() => /retryDeadLetter #\d+: done/.test(document.getElementById('action-status').textContent), { timeout: 20000 })
  expect(orchestrator.deadLetters()).toHaveLength(0)
  await page.waitForFunction(() => document.querySelector('#letters tr[data-letter]') === null, { timeout: 20000 })
  // The token never left memory.
  expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie)).toBe('{}{}')
})

test('the event stream reconnects after the server restarts', async () => {
  const port = server.port
  await server.close()
  await page.waitForFunction(() => document.getElementById('live').textContent !== 'live', { timeout: 20000 })
  const before = await cardValue('completed')
  await pool.execute({ ms: 1 }, { name: 'stamp' })
  server = await serve(handler, { prefix: PREFIX, port })
  await page.waitForFunction((n) => document.getElementById('live').textContent === 'live'
    && Number(document.querySelector('#completed .value')?.dataset.value) > n, { timeout: 30000 }, before)
  expect(await page.evaluate(() => window.__violations)).toEqual([])
  // Only the browser's own reports of the refused connections and the 401 above.
  expect(consoleErrors.filter((text) => !text.startsWith('Failed to load resource'))).toEqual([])
  const origin = `http://127.0.0.1:${port}/`
  expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'))).toEqual([])
})
