'use strict'

/**
 * `require('parallel-processor/piscina')`: a `Piscina` class with piscina 4
 * and 5's API over ParallelProcessor, for code written for piscina (see
 * docs/coming-from.md). The class is the module, as in piscina; its named
 * exports (`Piscina`, `move`, `isWorkerThread`, `workerData`, ...) are its
 * static properties, read when asked for (inside a worker, they describe it).
 */
const { Piscina } = require('./lib/piscina/piscina')

module.exports = Piscina
