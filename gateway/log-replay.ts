/**
 * Replays a vehicle log through the rules as a backtest: the log becomes the
 * telemetry batches a T-box would have sent for it (decoders/log-batches.ts)
 * and each goes through the live path, TelemetryDecoder (validation, the
 * vehicle's manifest for CAN frames, edge signals) and a RuleEngine, as
 * gateway/backtest.ts does with stored batches. The report says what the
 * rules would have raised, with evidence, and what the log held that no rule
 * could see (frames the manifest does not describe, ULog topics without a
 * catalog signal, lines that are not frames).
 *
 * Both kinds stream from disk in bounded windows: a candump log line by line
 * (a line longer than MAX_LINE_BYTES is refused, not buffered), a ULog
 * through the streaming reader (decoders/ulog/read.ts), so memory does not
 * grow with the log.
 */
import { createReadStream } from 'node:fs'
import type { LogKind, LogReplayReport, ReplayedFault } from '../actions/logs/model.js'
import { MAX_REPORT_EVENTS } from '../actions/logs/model.js'
import type { BatchLimits } from '../decoders/batch-limits.js'
import { CandumpParseError, parseCandumpLine } from '../decoders/can/candump.js'
import { BatchRejected } from '../decoders/errors.js'
import { EXTENDED_ID_FLAG, LogBatcher } from '../decoders/log-batches.js'
import type { CompiledManifest } from '../decoders/manifest/compile.js'
import type { SignalCatalog } from '../decoders/signal-catalog.js'
import { describeNotice } from '../decoders/ulog/damage.js'
import { UlogError } from '../decoders/ulog/errors.js'
import { openFileSource } from '../decoders/ulog/file-source.js'
import { gpsBootEpochUs } from '../decoders/ulog/gps-time.js'
import { openUlog } from '../decoders/ulog/read.js'
import { catalogSamples } from '../decoders/ulog/replay.js'
import { RuleEngine } from '../rules/engine.js'
import type { FaultEvent, RuleDefinition } from '../rules/model.js'
import { PitwallError } from '../runtime/errors.js'
import { TelemetryDecoder, type TelemetryVehicle } from './telemetry-decoder.js'

export interface ReplayTarget extends TelemetryVehicle {
  path: string
  kind: LogKind
  /** Unix ms to place the log at when its times are not wall-clock (a ULog without a GPS fix, a candump log of relative times) */
  assumedStartMs: number
}

export interface ReplayDecoding {
  /** the catalog the rules and the manifest share */
  catalog: SignalCatalog
  /** decodes a candump log's frames: the vehicle model's active manifest, else the --can-dbc default; undefined: none */
  manifest: CompiledManifest | undefined
  /** the gateway's caps per batch; default DEFAULT_BATCH_LIMITS */
  limits?: Readonly<BatchLimits> | undefined
}

/** Longer than any candump line (a CAN FD frame of 64 bytes is ~160 characters). */
export const MAX_LINE_BYTES = 1024
const MAX_REPORTED_ERRORS = 5
/** Before this (2000-01-01), a log's time is relative, not wall-clock (decoders/batch.ts refuses such a batch). */
const MIN_WALL_CLOCK_US = 946_684_800 * 1e6
const ULOG_MAPPING = 'PX4 default mapping (decoders/ulog/selection.ts)'

export async function replayLog (target: ReplayTarget, rules: readonly RuleDefinition[], decoding: ReplayDecoding, which: LogReplayReport['rules']): Promise<LogReplayReport> {
  const started = performance.now()
  const engine = new RuleEngine({ catalog: decoding.catalog })
  // each rule as if enabled: a draft is judged before anyone enables it, current rules are the enabled ones
  const { skipped } = engine.setRules(rules.map((r) => ({ ...r, enabled: true })))
  if (which === 'draft' && skipped.length > 0) throw new PitwallError('PITWALL_ERR_RULE_FILE', `rule ${skipped[0]?.id as string}: ${skipped[0]?.reason as string}`)
  const decoder = new TelemetryDecoder(decoding.catalog, decoding.limits)
  const report: LogReplayReport = {
    rules: which,
    ruleIds: rules.map((r) => r.id).filter((id) => !skipped.some((s) => s.id === id)),
    decodedWith: target.kind === 'ulog' ? ULOG_MAPPING : decoding.manifest?.label ?? 'none',
    batches: 0,
    skippedBatches: {},
    frames: 0,
    samples: 0,
    unknownFrames: 0,
    nonDataFrames: 0,
    badLines: 0,
    firstErrors: [],
    topics: { mapped: [], skipped: [] },
    firstMs: null,
    lastMs: null,
    clock: 'log',
    events: [],
    eventsTruncated: false,
    byRule: {},
    error: null,
    durationMs: 0
  }
  const manifest = target.kind === 'candump' ? decoding.manifest : undefined
  const batcher = new LogBatcher({ vin: target.vin }, (payload) => {
    let decoded
    try {
      decoded = decoder.decode(target.vin, payload, Number.MAX_SAFE_INTEGER, manifest)
    } catch (err) {
      if (!(err instanceof BatchRejected)) throw err
      report.skippedBatches[err.code] = (report.skippedBatches[err.code] ?? 0) + 1
      return
    }
    report.batches++
    report.samples += decoded.rows.samples.timeUs.length + (decoded.canSamples?.length ?? 0)
    report.unknownFrames += decoded.unknownFrames
    for (const e of decoder.evaluate(engine, target, decoded)) record(report, e)
  })
  const seen = (timeUs: number): void => {
    const ms = Math.floor(timeUs / 1000)
    report.firstMs = Math.min(report.firstMs ?? ms, ms)
    report.lastMs = Math.max(report.lastMs ?? ms, ms)
  }
  if (target.kind === 'candump') await replayCandump(target, batcher, report, seen)
  else await replayUlog(target, batcher, report, seen)
  batcher.flush()
  report.durationMs = Math.round(performance.now() - started)
  return report
}

function record (report: LogReplayReport, e: FaultEvent): void {
  if (e.type !== 'cleared') report.byRule[e.ruleId] = (report.byRule[e.ruleId] ?? 0) + 1
  if (report.events.length >= MAX_REPORT_EVENTS) {
    report.eventsTruncated = true
    return
  }
  const fault: ReplayedFault = {
    timeMs: Math.floor(e.timeUs / 1000), ruleId: e.ruleId, type: e.type, severity: e.severity, occurrences: e.occurrences, evidence: e.evidence.map((s) => ({ signal: s.signal, t: s.t, value: s.value }))
  }
  report.events.push(fault)
}

async function replayCandump (target: ReplayTarget, batcher: LogBatcher, report: LogReplayReport, seen: (timeUs: number) => void): Promise<void> {
  const buses = new Map<string, number>()
  let shiftUs: number | undefined
  let lineNo = 0
  const bad = (message: string): void => {
    report.badLines++
    if (report.firstErrors.length < MAX_REPORTED_ERRORS) report.firstErrors.push(`line ${lineNo}: ${message}`)
  }
  for await (const line of lines(target.path)) {
    lineNo++
    if (line === undefined) {
      bad(`longer than ${MAX_LINE_BYTES} bytes`)
      continue
    }
    let frame
    try {
      frame = parseCandumpLine(line)
    } catch (err) {
      if (!(err instanceof CandumpParseError)) throw err
      bad(err.message)
      continue
    }
    if (frame === undefined) continue
    if (frame.remote || frame.error) {
      report.nonDataFrames++
      continue
    }
    report.frames++
    let timeUs = Math.round(frame.timeS * 1e6)
    // candump -t d / -t z logs count from 0: placed at the window asked for
    shiftUs ??= timeUs < MIN_WALL_CLOCK_US ? target.assumedStartMs * 1000 - timeUs : 0
    if (shiftUs !== 0) report.clock = 'assumed'
    timeUs += shiftUs
    seen(timeUs)
    batcher.frame(timeUs, busOf(frame.iface, buses), frame.extended ? (frame.id | EXTENDED_ID_FLAG) >>> 0 : frame.id, frame.data, frame.fd, frame.fdFlags)
  }
}

/** `can1` → bus 1 (the interface's number, as a T-box numbers its channels); a name without one gets the next free number. */
function busOf (iface: string, buses: Map<string, number>): number {
  let bus = buses.get(iface)
  if (bus === undefined) {
    const digits = /(\d{1,4})$/.exec(iface)?.[1]
    const taken = new Set(buses.values())
    bus = digits !== undefined && !taken.has(Number(digits)) ? Number(digits) : 0
    while (taken.has(bus)) bus++
    buses.set(iface, bus)
  }
  return bus
}

/**
 * The file's lines as latin1 text, read in 256 KiB windows; a line longer
 * than MAX_LINE_BYTES is yielded as undefined (and its bytes dropped as they
 * come), so one endless line cannot hold the file in memory.
 */
async function * lines (path: string): AsyncGenerator<string | undefined, void, undefined> {
  let carry: Buffer | undefined
  let overlong = false
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 18 })) {
    let buf = chunk as Buffer
    let start = 0
    for (;;) {
      const nl = buf.indexOf(0x0a, start)
      if (nl < 0) break
      if (overlong) {
        overlong = false
        carry = undefined
        yield undefined
      } else if (carry !== undefined) {
        const line = Buffer.concat([carry, buf.subarray(start, nl)])
        carry = undefined
        yield line.length > MAX_LINE_BYTES ? undefined : line.toString('latin1')
      } else {
        yield nl - start > MAX_LINE_BYTES ? undefined : buf.toString('latin1', start, nl)
      }
      start = nl + 1
    }
    if (start < buf.length && !overlong) {
      buf = buf.subarray(start)
      carry = carry === undefined ? Buffer.from(buf) : Buffer.concat([carry, buf])
      if (carry.length > MAX_LINE_BYTES) {
        overlong = true
        carry = undefined
      }
    }
  }
  if (overlong) yield undefined
  else if (carry !== undefined && carry.length > 0) yield carry.toString('latin1')
}

async function replayUlog (target: ReplayTarget, batcher: LogBatcher, report: LogReplayReport, seen: (timeUs: number) => void): Promise<void> {
  const source = await openFileSource(target.path)
  try {
    let bootUs: number | undefined
    try {
      bootUs = await gpsBootEpochUs(source)
    } catch (err) {
      // a log damaged before its first fix: the read below says where
      if (!(err instanceof UlogError)) throw err
    }
    const reader = await openUlog(source, { select: 'default' })
    report.clock = bootUs === undefined ? 'assumed' : 'gps'
    // without a fix, the log starts at the window asked for
    const baseUs = bootUs ?? target.assumedStartMs * 1000 - reader.header.startUs
    try {
      for await (const samples of catalogSamples(reader.chunks())) {
        for (let i = 0; i < samples.length; i++) {
          const t = (samples.timeUs[i] as number) + baseUs
          seen(t)
          batcher.sample(t, samples.signal[i] as number, samples.value[i] as number)
        }
      }
    } catch (err) {
      // a log damaged past reading: what was read before the damage is replayed and reported
      if (!(err instanceof UlogError)) throw err
      report.error = err.message
    }
    // a log cut mid-message (power lost) is read to the cut: the report still says where it ends
    const { truncated, warnings } = reader.stats
    if (truncated !== undefined) report.error ??= describeNotice(target.path, truncated)
    // damaged messages the reader skipped, as pyulog skips them
    for (const w of warnings.slice(0, MAX_REPORTED_ERRORS - report.firstErrors.length)) report.firstErrors.push(describeNotice(target.path, w))
    const mapped = new Set(reader.channels.filter((c) => c.catalogId !== undefined).map((c) => c.message))
    const withData = [...reader.stats.topics.values()].filter((c) => c.messages > 0).map((c) => c.message)
    report.topics.mapped = withData.filter((m) => mapped.has(m)).sort()
    report.topics.skipped = withData.filter((m) => !mapped.has(m)).sort()
  } finally {
    await source.close()
  }
}
