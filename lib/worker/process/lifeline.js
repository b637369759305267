'use strict'

/**
 * A process worker dies with its parent, however the parent dies, even
 * while this child's JavaScript spins. On Unix a thread of the addon's
 * watches the lifeline the parent left at a descriptor, and kills this
 * process when it closes (src/process/os/unix/lifeline.rs): macOS has no
 * other way, and Linux runs the same code beside its parent-death signal.
 * On Windows the parent's job object does it, with nothing to do here.
 *
 * The one place a child process loads the addon, for that thread alone.
 */
const { PROCESS_FRAME } = require('../../shared/generated/constants')

function watchLifeline() {
  if (process.platform === 'win32') return
  require('../../native').watchLifeline(PROCESS_FRAME.lifelineFd)
}

module.exports = { watchLifeline }
