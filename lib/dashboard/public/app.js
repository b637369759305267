'use strict'

/*
 * The dashboard's page. It renders only with DOM APIs and textContent (no
 * HTML is ever built from data), draws charts as SVG elements, and talks
 * only to its own origin, by URLs relative to the page: `snapshot`,
 * `events` (server-sent events) and `action`.
 */
;(function main() {
  const SVG = 'http://www.w3.org/2000/svg'
  const $ = (id) => document.getElementById(id)
  /** The bearer token: in memory only, never stored. */
  let token = ''
  let last = null
  let source = null
  let reconnectTimer = null

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag)
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value === null || value === undefined || value === false) continue
      if (name === 'className') node.className = value
      else if (name.startsWith('data-')) node.setAttribute(name, String(value))
      else node.setAttribute(name, value === true ? '' : String(value))
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue
      node.append(child instanceof Node ? child : document.createTextNode(String(child)))
    }
    return node
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag)
    for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, String(value))
    return node
  }

  const fmt = {
    n: (value) => (value === null || value === undefined ? '—' : Number(value).toLocaleString('en-US', { maximumFractionDigits: 2 })),
    ms: (value) => (value === null || value === undefined ? '—' : value >= 10000 ? `${(value / 1000).toFixed(1)} s` : `${Number(value).toFixed(value < 10 ? 2 : 0)} ms`),
    pct: (value) => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`),
    time: (ms) => (ms === null || ms === undefined ? '—' : new Date(ms).toLocaleString('sv-SE')),
    ago: (ms, now) => {
      if (ms === null || ms === undefined) return '—'
      const seconds = Math.round((now - ms) / 1000)
      if (seconds < 0) return `in ${fmt.span(-seconds)}`
      return `${fmt.span(seconds)} ago`
    },
    span: (seconds) => (seconds < 90 ? `${seconds} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`),
  }

  function card(label, value, extra) {
    return el('div', { className: `card${extra ? ` ${extra}` : ''}` }, el('span', { className: 'label' }, label), el('span', { className: 'value' }, value))
  }

  function table(node, headers, rows, empty) {
    node.replaceChildren(
      el('thead', null, el('tr', null, headers.map((header) => el('th', { scope: 'col' }, header)))),
      el('tbody', null, rows.length > 0 ? rows : el('tr', null, el('td', { colspan: headers.length, className: 'muted' }, empty))),
    )
  }

  function setBadge(node, text, state) {
    node.textContent = text
    node.dataset.state = state
  }

  /** A line chart of `series` ([{ name, values: [[t, v]] }]) over the last 10 minutes. */
  function chart(container, series, now, unit) {
    const width = 560
    const height = 160
    const pad = { left: 48, right: 8, top: 8, bottom: 22 }
    const span = 10 * 60 * 1000
    const from = now - span
    let max = 0
    for (const line of series) for (const [, value] of line.values) if (value !== null && value > max) max = value
    max = max > 0 ? niceCeiling(max) : 1
    const x = (t) => pad.left + ((t - from) / span) * (width - pad.left - pad.right)
    const y = (v) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom)
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': series.map((line) => line.name).join(', ') })
    for (const fraction of [0, 0.5, 1]) {
      const value = max * fraction
      root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), class: 'grid' }))
      const label = svg('text', { x: pad.left - 4, y: y(value) + 4, class: 'axis', 'text-anchor': 'end' })
      label.textContent = `${fmt.n(value)}${unit}`
      root.append(label)
    }
    for (const [minutes, anchor] of [[10, 'start'], [5, 'middle'], [0, 'end']]) {
      const label = svg('text', { x: x(now - minutes * 60000), y: height - 6, class: 'axis', 'text-anchor': anchor })
      label.textContent = minutes === 0 ? 'now' : `-${minutes} min`
      root.append(label)
    }
    series.forEach((line, index) => {
      // Gaps (no sample, or no task finished) break the line.
      let points = []
      const flush = () => {
        if (points.length > 1) root.append(svg('polyline', { points: points.join(' '), class: `series s${index}` }))
        else if (points.length === 1) {
          const [cx, cy] = points[0].split(',')
          root.append(svg('circle', { cx, cy, r: 1.5, class: `dot s${index}` }))
        }
        points = []
      }
      let previous = null
      for (const [t, value] of line.values) {
        if (t < from) continue
        if (value === null || (previous !== null && t - previous > 5000)) flush()
        if (value !== null) points.push(`${x(t).toFixed(1)},${y(value).toFixed(1)}`)
        previous = t
      }
      flush()
    })
    const legend = el('div', { className: 'legend' }, series.map((line, index) => el('span', { className: `key s${index}` }, line.name)))
    container.replaceChildren(root, legend)
  }

  function niceCeiling(value) {
    const power = 10 ** Math.floor(Math.log10(value))
    for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power
    return 10 * power
  }

  function renderPool(pool, now) {
    const panel = $('pool-panel')
    panel.hidden = pool === null
    if (pool === null) return
    if (!pool.available) {
      setBadge($('pool-state'), pool.disposed ? 'disposed' : 'unavailable', pool.disposed ? 'stopped' : 'error')
      $('pool-summary').replaceChildren(card('stats', `unavailable: ${pool.error}`, 'wide'))
      return
    }
    setBadge($('pool-state'), pool.disposed ? 'disposed' : 'running', pool.disposed ? 'stopped' : 'ok')
    $('pool-summary').replaceChildren(
      card('workers', fmt.n(pool.size)),
      card('queued', fmt.n(pool.queued)),
      el('div', { className: 'card', id: 'running' }, el('span', { className: 'label' }, 'running'), el('span', { className: 'value', 'data-value': pool.running }, fmt.n(pool.running))),
      el('div', { className: 'card', id: 'completed' }, el('span', { className: 'label' }, 'completed'), el('span', { className: 'value', 'data-value': pool.completed }, fmt.n(pool.completed))),
      card('failed', fmt.n(pool.failed)),
      card('utilization', fmt.pct(pool.utilization)),
      card('mean run', fmt.ms(pool.runTime?.count ? pool.runTime.mean : null)),
      card('p99 run', fmt.ms(pool.runTime?.count ? pool.runTime.p99 : null)),
      card('mean wait', fmt.ms(pool.waitTime?.count ? pool.waitTime.mean : null)),
    )
    const history = pool.history
    chart($('chart-throughput'), [
      { name: 'completed/s', values: history.map((point) => [point.t, point.completed]) },
      { name: 'failed/s', values: history.map((point) => [point.t, point.failed]) },
    ], now, '')
    chart($('chart-latency'), [
      { name: 'run', values: history.map((point) => [point.t, point.runMs]) },
      { name: 'queue wait', values: history.map((point) => [point.t, point.waitMs]) },
    ], now, '')
    table($('workers'), ['id', 'state', 'kind', 'running', 'completed', 'failed', 'memory', 'restarts'], pool.workers.map((worker) => el('tr', { 'data-worker': worker.id, 'data-state': worker.state },
      el('td', null, worker.id),
      el('td', null, el('span', { className: 'badge', 'data-state': worker.state === 'busy' ? 'busy' : worker.state === 'idle' ? 'ok' : 'muted' }, worker.state)),
      el('td', null, worker.kind ?? '—', worker.pid !== null ? ` (pid ${worker.pid})` : worker.threadId !== null ? ` (thread ${worker.threadId})` : ''),
      el('td', { className: 'num' }, fmt.n(worker.running)),
      el('td', { className: 'num' }, fmt.n(worker.completed)),
      el('td', { className: 'num' }, fmt.n(worker.failed)),
      el('td', { className: 'num' }, worker.memoryMb === null ? '—' : `${fmt.n(worker.memoryMb)} MB ${worker.memoryKind}`),
      el('td', { className: 'num' }, fmt.n(worker.restarts)),
    )), 'no workers')
    const errors = pool.errors
    $('pool-errors').replaceChildren(
      card('failed by handler', fmt.n(errors.failedByHandler), errors.failedByHandler ? 'bad' : ''),
      card('timed out', fmt.n(errors.timedOut), errors.timedOut ? 'bad' : ''),
      card('crashed', fmt.n(errors.crashed), errors.crashed ? 'bad' : ''),
      card('queue timed out', fmt.n(errors.queueTimedOut), errors.queueTimedOut ? 'bad' : ''),
      card('aborted', fmt.n(errors.aborted)),
      card('retried', fmt.n(pool.retried)),
    )
    table($('exits'), ['when', 'worker', 'reason', 'exit code / signal', 'error'], pool.exits.map((exit) => el('tr', null,
      el('td', null, fmt.ago(exit.at, now)),
      el('td', null, exit.id),
      el('td', null, exit.reason ?? '—'),
      el('td', null, exit.signal ?? (exit.exitCode === null ? '—' : exit.exitCode)),
      el('td', null, exit.error ?? ''),
    )), 'none seen since the dashboard was first opened')
    const cluster = pool.cluster
    $('cluster-panel').hidden = cluster === null
    if (cluster !== null) {
      $('cluster-summary').replaceChildren(
        card('node', cluster.nodeId, 'wide'),
        card('queued in Redis', fmt.n(cluster.queued)),
        card('pending', fmt.n(cluster.pending)),
        card('dead letters', fmt.n(cluster.deadLetters), cluster.deadLetters ? 'bad' : ''),
        card('redelivered here', fmt.n(cluster.redelivered)),
      )
      table($('cluster-lanes'), ['priority lane', 'queued', 'pending'], cluster.lanes.map((lane) => el('tr', null,
        el('td', null, fmt.n(lane.priority)),
        el('td', { className: 'num' }, fmt.n(lane.queued)),
        el('td', { className: 'num' }, fmt.n(lane.pending)),
      )), 'no lane yet')
      table($('cluster-nodes'), ['node', 'workers', 'last heartbeat'], cluster.nodes.map((node) => el('tr', null,
        el('td', null, node.id, node.id === cluster.nodeId ? ' (this node)' : ''),
        el('td', { className: 'num' }, fmt.n(node.workers)),
        el('td', { className: 'num' }, `${fmt.n(node.lastSeenMs)} ms ago`),
      )), 'no node has been seen')
    }
  }

  function actionButton(label, action, attributes) {
    return el('button', { type: 'button', className: 'action', 'data-action': action, ...attributes }, label)
  }

  function renderOrchestrator(orchestrator, now, readOnly) {
    const panel = $('orchestrator-panel')
    panel.hidden = orchestrator === null
    if (orchestrator === null) return
    if (!orchestrator.available) {
      setBadge($('orchestrator-state'), 'unavailable', 'error')
      $('orchestrator-summary').replaceChildren(card('status', `unavailable: ${orchestrator.error}`, 'wide'))
      return
    }
    setBadge($('orchestrator-state'), orchestrator.state, orchestrator.state === 'running' ? 'ok' : 'stopped')
    const cluster = orchestrator.cluster
    $('orchestrator-summary').replaceChildren(...[
      card('state', orchestrator.state),
      card('healthy', orchestrator.healthy ? 'yes' : 'no', orchestrator.healthy ? '' : 'bad'),
      card('running', fmt.n(orchestrator.running)),
      card('waiting', fmt.n(orchestrator.waiting)),
      card('dead letters', fmt.n(orchestrator.deadLetterCount), orchestrator.deadLetterCount ? 'bad' : ''),
      cluster === null ? null : card('cluster', `${cluster.connected ? 'connected' : 'disconnected'}, ${fmt.n(cluster.replicas)} replicas, ${cluster.leading ? 'leading' : `leader ${cluster.leader ?? '—'}`}`, 'wide'),
    ].filter((node) => node !== null))
    table($('jobs'), ['job', 'state', 'enabled', 'schedule', 'last run', 'next run', 'runs', 'ok / failed', 'success', 'breaker', 'last error', ''], orchestrator.jobs.map((job) => el('tr', { 'data-job': job.name },
      el('td', { className: 'name' }, job.name),
      el('td', null, el('span', { className: 'badge', 'data-state': job.state === 'running' ? 'busy' : job.state === 'idle' ? 'ok' : job.state === 'waiting' || job.state === 'retrying' ? 'muted' : 'error' }, job.state)),
      el('td', null, job.enabled ? 'yes' : 'no'),
      el('td', null, job.cron !== null
        ? el('details', null, el('summary', null, `${job.cron} (${job.timeZone})`), el('ol', { className: 'next-runs' }, job.nextRuns.map((t) => el('li', null, fmt.time(t)))))
        : job.everyMs !== null ? `every ${fmt.ms(job.everyMs)}` : job.mode),
      el('td', null, job.lastRunAt === null ? '—' : fmt.ago(job.lastRunAt, now), job.lastDurationMs === null ? '' : ` (${fmt.ms(job.lastDurationMs)})`),
      el('td', null, job.nextRunAt === null ? '—' : fmt.ago(job.nextRunAt, now)),
      el('td', { className: 'num' }, fmt.n(job.runs)),
      el('td', { className: 'num' }, `${fmt.n(job.successes)} / ${fmt.n(job.failures)}`),
      el('td', { className: 'num' }, fmt.pct(job.successRate)),
      el('td', null, job.breaker ?? '—'),
      el('td', { className: 'error-text' }, job.lastError ?? ''),
      el('td', { className: 'buttons' }, readOnly ? null : [
        actionButton('Trigger', 'trigger', { 'data-job': job.name }),
        job.enabled ? actionButton('Disable', 'disable', { 'data-job': job.name }) : actionButton('Enable', 'enable', { 'data-job': job.name }),
      ]),
    )), 'no jobs registered')
    $('clear-letters').hidden = readOnly || orchestrator.deadLetters.length === 0
    table($('letters'), ['id', 'job', 'failed', 'attempts', 'error', 'payload', ''], orchestrator.deadLetters.map((letter) => el('tr', { 'data-letter': letter.id },
      el('td', null, letter.id),
      el('td', { className: 'name' }, letter.job),
      el('td', null, fmt.ago(letter.failedAt, now)),
      el('td', { className: 'num' }, fmt.n(letter.attempts)),
      el('td', { className: 'error-text' }, `${letter.error.name}${letter.error.code ? ` [${letter.error.code}]` : ''}: ${letter.error.message}`),
      el('td', null, el('code', null, letter.payload)),
      el('td', { className: 'buttons' }, readOnly ? null : actionButton('Retry', 'retryDeadLetter', { 'data-id': letter.id })),
    )), orchestrator.deadLettersError ? `unavailable: ${orchestrator.deadLettersError}` : 'none')
  }

  function render(snapshot) {
    last = snapshot
    const now = snapshot.time
    document.title = snapshot.title
    $('title').textContent = snapshot.title
    $('updated').textContent = `updated ${new Date(now).toLocaleTimeString('sv-SE')}`
    $('auth').hidden = snapshot.readOnly
    document.body.dataset.readOnly = String(snapshot.readOnly)
    const error = $('error')
    error.hidden = !snapshot.error
    error.textContent = snapshot.error ? `The dashboard could not read its data: ${snapshot.error}` : ''
    renderPool(snapshot.pool ?? null, now)
    renderOrchestrator(snapshot.orchestrator ?? null, now, snapshot.readOnly)
  }

  function showStatus(text, state) {
    const status = $('action-status')
    status.textContent = text
    status.dataset.state = state
  }

  async function act(button) {
    const action = button.dataset.action
    const body = { action }
    if (button.dataset.job !== undefined) body.job = button.dataset.job
    if (button.dataset.id !== undefined) body.id = Number(button.dataset.id)
    const what = `${action}${body.job !== undefined ? ` ${body.job}` : ''}${body.id !== undefined ? ` #${body.id}` : ''}`
    showStatus(`${what}: sent…`, 'pending')
    try {
      const headers = { 'Content-Type': 'application/json' }
      if (token !== '') headers.Authorization = `Bearer ${token}`
      const response = await fetch('action', { method: 'POST', headers, body: JSON.stringify(body), credentials: 'omit', cache: 'no-store' })
      const answer = await response.json().catch(() => ({}))
      if (answer.ok) {
        showStatus(`${what}: done${answer.result ? ` → ${answer.result}` : ''}`, 'ok')
      } else {
        const error = answer.error ?? {}
        const reason = response.status === 401 ? 'refused (401): a valid token is needed'
          : response.status === 403 ? 'refused (403): the dashboard is read-only'
            : `failed (${response.status})${error.code ? ` ${error.code}` : ''}: ${error.message ?? ''}`
        showStatus(`${what}: ${reason}`, 'error')
      }
    } catch (error) {
      showStatus(`${what}: failed: ${error.message}`, 'error')
    }
    refresh()
  }

  async function refresh() {
    try {
      const response = await fetch('snapshot', { cache: 'no-store', credentials: 'omit' })
      if (response.ok) render(await response.json())
    } catch {
      // The event stream says when the server is back.
    }
  }

  function setLive(state) {
    setBadge($('live'), state === 'ok' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…', state)
  }

  function connect() {
    clearTimeout(reconnectTimer)
    source?.close()
    source = new EventSource('events')
    source.addEventListener('open', () => setLive('ok'))
    source.addEventListener('snapshot', (event) => {
      setLive('ok')
      try {
        render(JSON.parse(event.data))
      } catch (error) {
        showStatus(`could not show an update: ${error.message}`, 'error')
      }
    })
    source.addEventListener('error', () => {
      setLive('error')
      // The browser retries by itself (retry: 1000); a stream it gave up on is reopened here.
      if (source.readyState === EventSource.CLOSED) reconnectTimer = setTimeout(connect, 2000)
    })
  }

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null
    if (button !== null && last !== null && !last.readOnly) act(button)
  })
  $('auth').addEventListener('submit', (event) => event.preventDefault())
  $('token').addEventListener('input', (event) => { token = event.target.value.trim() })
  setLive('connecting')
  refresh()
  connect()
})()
