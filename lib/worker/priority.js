'use strict'

/**
 * `niceIncrement`: a worker lowers its own CPU priority before it loads the
 * user's module, so that the module's top level already runs at it.
 *
 * - Process workers: the child raises its own nice value (on Windows, libuv
 *   maps it to a priority class: see docs/api.md).
 * - Thread workers, on Linux only: there `setpriority(PRIO_PROCESS, 0)`,
 *   which `os.setPriority(0, ...)` calls, acts on the calling thread alone
 *   (a thread has its own nice value), so the pool's main thread and the
 *   other workers keep theirs. Elsewhere the same call would change the
 *   whole process, main thread included (macOS, Windows): it is not made.
 *
 * A priority the OS refuses to set is ignored: the worker runs at the one
 * it has. Lowering one's own priority needs no privilege on any of them.
 */
const os = require('node:os')

/** The lowest priority `os.setPriority` takes (nice 19; Windows: the idle class). */
const LOWEST = os.constants.priority.PRIORITY_LOW

/** `kind`: 'thread' or 'process'; `increment`: the pool's `niceIncrement`. */
function lowerPriority(kind, increment) {
  if (!(increment > 0)) return
  if (kind === 'thread' && process.platform !== 'linux') return
  try {
    os.setPriority(0, Math.min(os.getPriority(0) + increment, LOWEST))
  } catch {
    // Refused (a sandbox, a runtime without it): the priority stays.
  }
}

module.exports = { lowerPriority }
