'use strict'

/**
 * `niceIncrement`: a worker lowers its own CPU priority before it loads the
 * user's module, so that the module's top level already runs at it.
 *
 * On Linux every thread has its own nice value, and `os.setPriority(0, ...)`
 * (`setpriority(PRIO_PROCESS, 0)`) sets the calling thread's alone; a thread
 * starts with the nice value of the thread that created it.
 * - Thread workers, on Linux only: the worker's own thread, so that the
 *   pool's main thread and the other workers keep theirs. Elsewhere the same
 *   call would change the whole process, main thread included (macOS,
 *   Windows): it is not made.
 * - Process workers: the whole child. On Linux that is each of its threads
 *   (V8's and libuv's helpers are already running); threads it starts later
 *   inherit it. On macOS one call sets the process; on Windows libuv maps the
 *   nice value to a priority class (see docs/api.md).
 *
 * A priority the OS refuses to set is ignored: the worker runs at the one
 * it has. Lowering one's own priority needs no privilege on any of them.
 */
const fs = require('node:fs')
const os = require('node:os')

/** The lowest priority `os.setPriority` takes (nice 19; Windows: the idle class). */
const LOWEST = os.constants.priority.PRIORITY_LOW

/** `kind`: 'thread' or 'process'; `increment`: the pool's `niceIncrement`. */
function lowerPriority(kind, increment) {
  if (!(increment > 0)) return
  if (kind === 'thread') {
    if (process.platform === 'linux') lower(0, increment)
  } else if (process.platform === 'linux') {
    for (const tid of threadsOfThisProcess()) lower(tid, increment)
  } else {
    lower(0, increment)
  }
}

/** Lowers the priority of `id` (0: the caller; on Linux a thread id names that thread). */
function lower(id, increment) {
  try {
    os.setPriority(id, Math.min(os.getPriority(id) + increment, LOWEST))
  } catch {
    // Refused (a sandbox, a thread that has just ended, a runtime without
    // it): that priority stays.
  }
}

/** The ids of this process's threads, this one first (0 when /proc cannot be read). */
function threadsOfThisProcess() {
  try {
    const others = fs.readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid)
    return [0, ...others]
  } catch {
    return [0]
  }
}

module.exports = { lowerPriority }
