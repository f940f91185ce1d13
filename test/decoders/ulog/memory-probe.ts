/**
 * Measures memory while reading a large ULog, with @foxglove/ulog's ULog
 * (open() + readMessages()) and with our streaming reader. Not a test (it
 * writes a few hundred MB to the temp folder): run by hand,
 *
 *   npx tsx test/decoders/ulog/memory-probe.ts [copies=240] [ours|library|both=both]
 *
 * The large file is sample_log_small.ulg's header and definitions followed by
 * its data section `copies` times, each copy's timestamps shifted 30 s later,
 * so it is a valid, time-increasing log of any size. Each reader runs in its
 * own process so that peak RSS (getrusage maxrss) is its own.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ULog } from '@foxglove/ulog'
import { openUlogFile } from '../../../decoders/ulog/file.js'
import { bytesSource } from '../../../decoders/ulog/byte-source.js'
import { openUlog } from '../../../decoders/ulog/read.js'
import { compileLayout } from '../../../decoders/ulog/layout.js'

const fixture = fileURLToPath(new URL('../../../../shared/fixtures/ulog/sample_log_small.ulg', import.meta.url))
const SHIFT_US = 30_000_000n

async function build (copies: number, out: string): Promise<void> {
  const bytes = new Uint8Array(readFileSync(fixture))
  const reader = await openUlog(bytesSource(bytes, fixture))
  const [start, end] = reader.header.segments[0] ?? [0, 0]
  // msg_id -> timestamp offset, from the 'A' messages of the data section.
  const tsOffset = new Map<number, number>()
  const fd = openSync(out, 'w')
  writeSync(fd, bytes.subarray(0, start))
  for (let k = 0; k < copies; k++) {
    const copy = bytes.slice(start, end)
    const cv = new DataView(copy.buffer)
    for (let p = 0; p + 3 <= copy.length;) {
      const size = cv.getUint16(p, true)
      const type = copy[p + 2]
      if (type === 0x41) {
        const name = new TextDecoder().decode(copy.subarray(p + 6, p + 3 + size))
        tsOffset.set(cv.getUint16(p + 4, true), compileLayout(name, reader.header.formats).timestampOffset)
      } else if (type === 0x44) {
        const at = p + 5 + (tsOffset.get(cv.getUint16(p + 3, true)) ?? 0)
        cv.setBigUint64(at, cv.getBigUint64(at, true) + BigInt(k) * SHIFT_US, true)
      } else if (type === 0x4c) {
        cv.setBigUint64(p + 4, cv.getBigUint64(p + 4, true) + BigInt(k) * SHIFT_US, true)
      }
      p += 3 + size
    }
    writeSync(fd, copy)
  }
  closeSync(fd)
}

function report (label: string, extra: Record<string, unknown>): void {
  const rss = process.resourceUsage().maxRSS / 1024
  console.log(JSON.stringify({ label, peakRssMB: Math.round(rss), heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1048576), ...extra }))
}

async function runLibrary (file: string): Promise<void> {
  const t0 = performance.now()
  const { FileReader } = await import('@foxglove/ulog/node.js')
  const log = new ULog(new FileReader(file))
  await log.open()
  const opened = performance.now()
  report('@foxglove/ulog after open()', { messages: log.messageCount(), openMs: Math.round(opened - t0) })
  let n = 0
  for await (const _ of log.readMessages({ includeLogs: false })) n++
  report('@foxglove/ulog after readMessages()', { messages: n, totalMs: Math.round(performance.now() - t0) })
}

async function runOurs (file: string): Promise<void> {
  const t0 = performance.now()
  const log = await openUlogFile(file)
  let samples = 0
  let heapMax = 0
  for await (const chunk of log.chunks()) {
    samples += chunk.samples.length
    heapMax = Math.max(heapMax, process.memoryUsage().heapUsed)
  }
  const ms = performance.now() - t0
  report('decoders/ulog openUlogFile().chunks()', {
    messages: log.reader.stats.messagesRead, samples, lateSamples: log.reader.stats.lateSamples,
    maxHeapAtChunkMB: Math.round(heapMax / 1048576), totalMs: Math.round(ms), samplesPerSec: Math.round(samples / ms * 1000)
  })
}

const [mode, arg] = process.argv.slice(2)
if (mode === 'library' && arg !== undefined) await runLibrary(arg)
else if (mode === 'ours' && arg !== undefined) await runOurs(arg)
else {
  if (!existsSync(fixture)) throw new Error(`fixture not present: ${fixture}`)
  const copies = Number(mode ?? 240)
  const file = join(tmpdir(), `pitwall-ulog-probe-${copies}.ulg`)
  await build(copies, file)
  console.log(JSON.stringify({ file, copies, sizeMB: Math.round(statSync(file).size / 1048576) }))
  const self = fileURLToPath(import.meta.url)
  const only = arg ?? 'both'
  for (const which of ['ours', 'library'].filter((w) => only === 'both' || only === w)) {
    try {
      process.stdout.write(execFileSync(process.execPath, ['--import=tsx', self, which, file], { encoding: 'utf8', maxBuffer: 1 << 20 }))
    } catch (err) {
      console.log(JSON.stringify({ label: which, failed: err instanceof Error ? err.message.split('\n')[0] : String(err) }))
    }
  }
  rmSync(file)
}
