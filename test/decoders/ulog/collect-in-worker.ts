/**
 * collect() (helpers.ts) in a worker thread, for logs of a hundred thousand
 * messages and more. tap follows every promise a test makes (the init and
 * destroy hooks of async-hook-domain), and the reader awaits four times a
 * message: 200,000 messages took 5 s to read in the test's thread and 0.35 s
 * without the hooks. A worker thread has async hooks of its own (none), so
 * the log is read there, by the same reader, and the rows come back as
 * columns.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import type { UlogChannel } from '../../../decoders/ulog/channel.js'
import type { UlogReadOptions, UlogStats } from '../../../decoders/ulog/read.js'
import { collect, type Row } from './helpers.js'

export interface CollectedInWorker {
  /** the reader's stats when it was done */
  readonly reader: { readonly stats: UlogStats }
  readonly rows: Row[]
  readonly chunkSizes: number[]
  /** a UlogError, as a plain Error (its class does not cross threads) */
  readonly error?: Error
}

interface Columns {
  timeUs: Float64Array<ArrayBuffer>
  channel: Uint32Array<ArrayBuffer>
  value: Float64Array<ArrayBuffer>
  late: Uint8Array<ArrayBuffer>
  /** the channels the rows name, each once; `channel` holds positions in it */
  channels: UlogChannel[]
  chunkSizes: number[]
  stats: UlogStats
  error?: Error
}

// the worker registers tsx itself: node 20 does not pass the test's --import=tsx on to a worker
const TSX_API = import.meta.resolve('tsx/esm/api')

export async function collectInWorker (bytes: Uint8Array, options: UlogReadOptions = {}): Promise<CollectedInWorker> {
  const worker = new Worker(`import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}) })`,
    { eval: true, workerData: { bytes, options } })
  try {
    const answer = await new Promise<Columns>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
      worker.once('exit', (code) => { reject(new Error(`the reader's worker exited with code ${code} before answering`)) })
    })
    const rows: Row[] = Array.from({ length: answer.timeUs.length }, (_, i) => ({
      t: answer.timeUs[i] as number,
      channel: answer.channels[answer.channel[i] as number] as UlogChannel,
      value: answer.value[i] as number,
      late: answer.late[i] === 1
    }))
    return { reader: { stats: answer.stats }, rows, chunkSizes: answer.chunkSizes, ...(answer.error === undefined ? {} : { error: answer.error }) }
  } finally {
    await worker.terminate()
  }
}

if (!isMainThread && parentPort !== null) {
  const { bytes, options } = workerData as { bytes: Uint8Array, options: UlogReadOptions }
  const { reader, rows, chunkSizes, error } = await collect(bytes, options)
  const columns: Columns = {
    timeUs: new Float64Array(rows.length),
    channel: new Uint32Array(rows.length),
    value: new Float64Array(rows.length),
    late: new Uint8Array(rows.length),
    channels: [],
    chunkSizes,
    stats: reader.stats,
    ...(error === undefined ? {} : { error })
  }
  const positions = new Map<UlogChannel, number>()
  rows.forEach((r, i) => {
    let position = positions.get(r.channel)
    if (position === undefined) {
      position = columns.channels.push(r.channel) - 1
      positions.set(r.channel, position)
    }
    columns.timeUs[i] = r.t
    columns.channel[i] = position
    columns.value[i] = r.value
    columns.late[i] = r.late ? 1 : 0
  })
  parentPort.postMessage(columns, [columns.timeUs.buffer, columns.channel.buffer, columns.value.buffer, columns.late.buffer])
}
