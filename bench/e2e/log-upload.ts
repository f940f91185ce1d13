/**
 * Log upload and replay at size: a 200 MB log uploaded over loopback HTTP
 * in 8 MiB chunks (Content-Range, the T-box's upload token) to the gateway's
 * API, then replayed through the rules (the demo rule pack, the demo DBC for
 * a candump log; the streaming ULog reader for a ULog). Reports upload
 * throughput and the process's resident memory and heap, sampled every 50 ms,
 * for each phase: the gateway must hold neither the upload nor the log whole.
 * The client reads each chunk from disk into one reused buffer, so its share
 * of the process's memory is 8 MiB; the embedded database runs in a process
 * of its own (not counted).
 *
 *   npx tsx bench/e2e/log-upload.ts [sizeMB=200] [candump|ulog|both=both]
 *
 * Not part of `npm run bench` (it writes 2 x 200 MB to the temp folder).
 * The candump log is of a vehicle with worn brake pads (the demo pack's brake-pads-worn opens on it).
 * A ULog needs the shared fixtures (sample_log_small.ulg), else it is skipped.
 */
import { closeSync, createWriteStream, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import type { LogKind } from '../../actions/logs/model.js'
import { formatCandumpLine, parseCandumpLine } from '../../decoders/can/candump.js'
import { bytesSource } from '../../decoders/ulog/byte-source.js'
import { compileLayout } from '../../decoders/ulog/layout.js'
import { openUlog } from '../../decoders/ulog/read.js'
import { registerApi } from '../../gateway/api/index.js'
import { loadDefaultManifest } from '../../gateway/default-manifest.js'
import { LogFiles } from '../../gateway/log-files.js'
import { LogReplayer } from '../../gateway/log-replayer.js'
import { LogUploads } from '../../gateway/log-uploads.js'
import { createLogger } from '../../gateway/logger.js'
import { loadRuleFile } from '../../rules/load.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { CanLogRecorder } from '../../sim/log-recorder.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import { openStorage } from '../../storage/index.js'

const CHUNK = 8 << 20
const VIN = 'WPWBENCHLGX000001'
const PACK = fileURLToPath(new URL('../../rules/packs/demo-vehicle.yaml', import.meta.url))
const ULOG_FIXTURE = fileURLToPath(new URL('../../../shared/fixtures/ulog/sample_log_small.ulg', import.meta.url))

export interface PhaseMemory {
  seconds: number
  /** resident set, MiB: before the phase, and the most sampled during it */
  rssBeforeMiB: number
  rssPeakMiB: number
  heapPeakMiB: number
}

export interface LogUploadBenchResult {
  kind: LogKind
  sizeMB: number
  chunks: number
  uploadMBps: number
  upload: PhaseMemory
  replay: PhaseMemory & { samples: number, samplesPerS: number, batches: number, faults: number }
}

/** Samples memory every 50 ms while `work` runs. */
async function measured<T> (work: () => Promise<T>): Promise<{ result: T, memory: PhaseMemory }> {
  (globalThis as { gc?: () => void }).gc?.()
  const before = process.memoryUsage()
  let rss = before.rss
  let heap = before.heapUsed
  const timer = setInterval(() => {
    const m = process.memoryUsage()
    rss = Math.max(rss, m.rss)
    heap = Math.max(heap, m.heapUsed)
  }, 50)
  const t0 = performance.now()
  try {
    const result = await work()
    const m = process.memoryUsage()
    return { result, memory: { seconds: (performance.now() - t0) / 1000, rssBeforeMiB: mib(before.rss), rssPeakMiB: mib(Math.max(rss, m.rss)), heapPeakMiB: mib(Math.max(heap, m.heapUsed)) } }
  } finally {
    clearInterval(timer)
  }
}

const mib = (bytes: number): number => Math.round(bytes / 1048576)

/** A candump log of the demo vehicle's bus: a minute of its frames, repeated with later times until `bytes`. */
async function writeCandump (path: string, bytes: number): Promise<void> {
  const t0 = Date.parse('2026-11-23T08:00:00Z')
  const recorder = new CanLogRecorder(120)
  const builder = new BatchBuilder({ vin: VIN, model: new VehicleModel({ seed: 2, faults: ['brakewear'] }), seed: 2 })
  for (let s = 0; s < 60; s++) recorder.record((t0 + s * 1000) * 1000, 1_000_000, builder.build((t0 + s * 1000) * 1000, 1_000_000).payload)
  const template = recorder.candump(t0, t0 + 60_000).toString('latin1').trimEnd().split('\n').map((line) => {
    const f = parseCandumpLine(line)
    if (f === undefined) throw new Error(`template line ${line}`)
    return { ...f, timeUs: Math.round(f.timeS * 1e6) }
  })
  const out = createWriteStream(path, { mode: 0o600 })
  let written = 0
  for (let rep = 0; written < bytes; rep++) {
    let text = ''
    for (const f of template) {
      text += formatCandumpLine({ ...f, timeUs: f.timeUs + rep * 60_000_000 }) + '\n'
      if (text.length > 1 << 20) {
        written += text.length
        if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
        text = ''
      }
    }
    written += text.length
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => err == null ? resolve() : reject(err)))
}

/** sample_log_small.ulg's header and definitions, then its data section repeated with timestamps 30 s later each time, until `bytes`. */
async function writeUlog (path: string, bytes: number): Promise<void> {
  const fixture = new Uint8Array(readFileSync(ULOG_FIXTURE))
  const reader = await openUlog(bytesSource(fixture, ULOG_FIXTURE))
  const [start, end] = reader.header.segments[0] ?? [0, 0]
  const tsOffset = new Map<number, number>()
  const fd = openSync(path, 'w', 0o600)
  writeSync(fd, fixture.subarray(0, start))
  for (let k = 0, written = start; written < bytes; k++) {
    const copy = fixture.slice(start, end)
    const view = new DataView(copy.buffer)
    for (let p = 0; p + 3 <= copy.length;) {
      const size = view.getUint16(p, true)
      const type = copy[p + 2]
      if (type === 0x41) tsOffset.set(view.getUint16(p + 4, true), compileLayout(new TextDecoder().decode(copy.subarray(p + 6, p + 3 + size)), reader.header.formats).timestampOffset)
      else if (type === 0x44) {
        const at = p + 5 + (tsOffset.get(view.getUint16(p + 3, true)) ?? 0)
        view.setBigUint64(at, view.getBigUint64(at, true) + BigInt(k) * 30_000_000n, true)
      } else if (type === 0x4c) view.setBigUint64(p + 4, view.getBigUint64(p + 4, true) + BigInt(k) * 30_000_000n, true)
      p += 3 + size
    }
    writeSync(fd, copy)
    written += copy.length
  }
  closeSync(fd)
}

/** PUTs `path` to `url` in CHUNK pieces, each read from disk into one reused buffer. */
async function putFile (url: string, token: string, path: string, contentType: string): Promise<number> {
  const size = statSync(path).size
  const file = await open(path, 'r')
  const buffer = Buffer.allocUnsafe(CHUNK)
  const agent = new Agent({ keepAlive: true })
  let chunks = 0
  try {
    for (let at = 0; at < size; at += CHUNK) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, size - at), at)
      chunks++
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(url, {
          method: 'PUT', agent, headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'content-range': `bytes ${at}-${at + bytesRead - 1}/${size}`, 'content-length': String(bytesRead) }
        }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
        req.on('error', reject)
        req.end(buffer.subarray(0, bytesRead))
      })
      if (status !== 200) throw new Error(`chunk ${chunks} answered ${status}`)
    }
  } finally {
    agent.destroy()
    await file.close()
  }
  return chunks
}

export async function runLogUploadBench (options: { sizeMB: number, kinds: LogKind[], databaseUrl?: string }): Promise<LogUploadBenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pitwall-log-bench-'))
  const storage = await openStorage({ dataDir: 'memory://', databaseUrl: options.databaseUrl })
  const files = await LogFiles.open('memory://')
  const log = createLogger('silent')
  const app = Fastify()
  const results: LogUploadBenchResult[] = []
  try {
    await storage.vehicles.add({ vin: VIN, model: 'PW-BENCH' }, 'scrypt$x')
    await storage.rules.apply(loadRuleFile(PACK))
    const replayer = new LogReplayer({ store: storage.vehicleLogs, files, rules: storage.rules, manifests: storage.manifests, defaultManifest: loadDefaultManifest(`0=${DEMO_DBC_FILE}`, 1), log, intervalMs: 3_600_000 })
    let base = ''
    const uploads = new LogUploads({ store: storage.vehicleLogs, commands: storage.commands, files, limits: { maxBytes: 1 << 30, unfinishedPerVehicle: 4, uploadWindowMs: 3_600_000 }, publicUrl: () => base, log })
    registerApi(app, { storage, limits: { failuresBeforeBackoff: 5, maxBackoffMs: 60_000, requestsPerMinute: 100_000 }, logs: { uploads, replayer } })
    await app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

    for (const kind of options.kinds) {
      if (kind === 'ulog' && !existsSync(ULOG_FIXTURE)) {
        process.stderr.write(`log-upload bench: ULog skipped, no fixture at ${ULOG_FIXTURE}\n`)
        continue
      }
      const path = join(dir, kind === 'ulog' ? 'big.ulg' : 'big.log')
      if (kind === 'ulog') await writeUlog(path, options.sizeMB * 1e6)
      else await writeCandump(path, options.sizeMB * 1e6)
      const size = statSync(path).size
      const { log: reserved } = await uploads.request({ vin: VIN, fromMs: Date.parse('2026-11-23T08:00:00Z'), toMs: Date.parse('2026-11-23T09:00:00Z'), kind, ttlMs: 3_600_000, requestedBy: 'bench' }, { from: 'from', to: 'to', kind: 'kind' })
      const grant = await uploads.grant(reserved.id)
      const up = await measured(async () => await putFile(grant.uploadUrl, grant.uploadToken, path, kind === 'ulog' ? 'application/x-ulog' : 'text/x-candump'))
      await rm(path)
      const replay = await measured(async () => await replayer.replay(reserved.id))
      const { report } = replay.result
      results.push({
        kind,
        sizeMB: Math.round(size / 1e6),
        chunks: up.result,
        uploadMBps: Math.round(size / 1e6 / up.memory.seconds),
        upload: up.memory,
        replay: { ...replay.memory, samples: report.samples, samplesPerS: Math.round(report.samples / replay.memory.seconds), batches: report.batches, faults: Object.values(report.byRule).reduce((a, b) => a + b, 0) }
      })
      await files.remove(reserved.id, kind)
    }
  } finally {
    await app.close()
    await files.close()
    await storage.close()
    await rm(dir, { recursive: true, force: true })
  }
  return results
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizeMB = Number(process.argv[2] ?? 200)
  const which = process.argv[3] ?? 'both'
  const kinds: LogKind[] = which === 'both' ? ['candump', 'ulog'] : [which as LogKind]
  const results = await runLogUploadBench({ sizeMB, kinds, databaseUrl: process.env.PITWALL_BENCH_PG_URL })
  for (const r of results) {
    console.log(`${r.kind} ${r.sizeMB} MB in ${r.chunks} chunks: upload ${r.uploadMBps} MB/s (${r.upload.seconds.toFixed(1)} s), RSS ${r.upload.rssBeforeMiB} -> peak ${r.upload.rssPeakMiB} MiB, heap peak ${r.upload.heapPeakMiB} MiB; ` +
      `replay ${r.replay.seconds.toFixed(1)} s, ${r.replay.samples} samples (${r.replay.samplesPerS}/s), ${r.replay.faults} faults, RSS peak ${r.replay.rssPeakMiB} MiB, heap peak ${r.replay.heapPeakMiB} MiB`)
  }
  console.log(JSON.stringify(results))
}
