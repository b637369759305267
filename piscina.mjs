import Piscina from './piscina.js'

export const {
  move,
  isWorkerThread,
  workerData,
  version,
  FixedQueue,
  ArrayTaskQueue,
  transferableSymbol,
  valueSymbol,
  queueOptionsSymbol,
  AbortError,
} = Piscina

export { Piscina }
export default Piscina
