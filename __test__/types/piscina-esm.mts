// An ES module written for piscina: the default export and the named ones.
// Compiled, never run.
import Piscina, { Piscina as Named, move, isWorkerThread, workerData } from 'parallel-processor/piscina'

const pool: InstanceType<typeof Named> = new Piscina({ filename: import.meta.filename })
const moved: ArrayBuffer = move(new ArrayBuffer(1))
const inWorker: boolean = isWorkerThread
void [pool, moved, inWorker, workerData]
