'use strict'

/**
 * A process worker dies with its parent, however the parent dies, even
 * while this child's JavaScript spins. On macOS (and any Unix but Linux) a
 * thread of the addon's watches the lifeline the parent left at a
 * descriptor, and kills this process when it closes
 * (src/process/os/unix/lifeline.rs). Linux does it with the kernel's
 * parent-death signal instead, and leaves the lifeline unwatched: loading
 * the addon would cost each child about 5 MB of memory (its relocated
 * pages) for what the kernel already does. On Windows the parent's job
 * object does it, with nothing to do here.
 *
 * The one place a child process loads the addon, for that thread alone.
 */
const { PROCESS_FRAME } = require('../../shared/generated/constants')

function watchLifeline() {
  if (process.platform === 'win32' || process.platform === 'linux') return
  require('../../native').watchLifeline(PROCESS_FRAME.lifelineFd)
}

module.exports = { watchLifeline }
