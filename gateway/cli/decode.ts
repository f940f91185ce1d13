/**
 * `pitwall decode`: an engineer's view of raw logs as timestamped signals,
 * one line per signal value, streamed (a log larger than memory is fine).
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Writable } from 'node:stream'
import { InvalidArgumentError, type Command } from 'commander'
import { CanFrameColumns } from '../../decoders/can-frames.js'
import { CandumpParseError, parseCandumpLine } from '../../decoders/can/candump.js'
import { choiceLabel, compileCanNetwork } from '../../decoders/can/compile.js'
import { parseDbcFile } from '../../decoders/can/dbc-parse.js'
import { formatDbcWarning } from '../../decoders/can/dbc-warnings.js'
import { SampleBuffer } from '../../decoders/sample-buffer.js'
import { describeNotice } from '../../decoders/ulog/damage.js'
import { openUlogFile } from '../../decoders/ulog/file.js'
import type { UlogStats, UlogTopicStats } from '../../decoders/ulog/read.js'
import { print } from './output.js'

export type DecodeFormat = 'jsonl' | 'csv'

export interface SignalLine {
  t: number
  bus: string
  id: number
  message: string
  signal: string
  value: number
  label?: string | undefined
  /** A ULog sample older than samples already written (a topic whose timestamp stays at 0 or one value): written, flagged. */
  late?: true | undefined
}

export interface DecodeSummary {
  frames: number
  signals: number
  /** frames whose id the DBC does not describe */
  unknownFrames: number
  /** lines that are not frames (with the first few reasons) */
  badLines: number
  firstErrors: string[]
  /** DBC warnings (what a lenient parse assumed), `file:line:column: text` */
  dbcWarnings?: number
  /** ULog data messages written late, flagged */
  lateMessages?: number
  /** ULog: where the log is cut and what was skipped (`firstErrors` names the first damaged spots) */
  ulog?: UlogReadNotes
}

/**
 * What a ULog read passed over instead of failing (decoders/ulog/damage.ts):
 * none of it makes `pitwall decode` fail, each is a warning on stderr.
 */
export interface UlogReadNotes {
  /** the log ends mid-message (power lost while writing) or before data it announces: `file at byte N: what`; everything before it was read */
  truncated: string | null
  /** damage was skipped, as pyulog skips it (its `file_corruption`) */
  corrupt: boolean
  /** messages of a type this reader does not know, skipped as the ULog spec asks */
  unknownMessages: number
  /** data messages skipped as damaged (a msg_id nothing subscribed, a wrong size) */
  skippedDataMessages: number
  /** bytes passed over to the next sync message after a damaged message header */
  skippedBytes: number
}

const MAX_REPORTED_ERRORS = 5
const EXTENDED_FLAG = 0x8000_0000

/**
 * Writes `line` in `format`; CSV quotes text fields that need it (RFC 4180).
 * ULog CSV has a `late` column (ULOG_CSV_HEADER), candump CSV does not.
 */
export function formatSignalLine (line: SignalLine, format: DecodeFormat, lateColumn = false): string {
  if (format === 'jsonl') return JSON.stringify(line) + '\n'
  const text = (s: string): string => /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
  const late = lateColumn ? (line.late === true ? ',late' : ',') : ''
  return `${line.t},${text(line.bus)},${line.id},${text(line.message)},${text(line.signal)},${line.value},${text(line.label ?? '')}${late}\n`
}

export const CSV_HEADER = 't,bus,id,message,signal,value,label\n'
export const ULOG_CSV_HEADER = 't,bus,id,message,signal,value,label,late\n'

/**
 * Decodes a `candump -l` log with one DBC for every interface in it. What the
 * DBC parse assumed goes to `warn` (stderr), one line each; `strict` refuses it.
 */
export async function decodeCandump (options: { dbc: string, log: string, format: DecodeFormat, out: Writable, strict?: boolean, warn?: (line: string) => void }): Promise<DecodeSummary> {
  const database = parseDbcFile(options.dbc, { strict: options.strict === true })
  for (const w of database.warnings) options.warn?.(formatDbcWarning(w))
  const network = compileCanNetwork([{ bus: 0, database }])
  const summary: DecodeSummary = { frames: 0, signals: 0, unknownFrames: 0, badLines: 0, firstErrors: [], dbcWarnings: database.warnings.length }
  const frames = new CanFrameColumns()
  const samples = new SampleBuffer(256)
  if (options.format === 'csv') await write(options.out, CSV_HEADER)
  const lines = createInterface({ input: createReadStream(options.log), crlfDelay: Infinity })
  let lineNo = 0
  for await (const line of lines) {
    lineNo++
    let frame
    try {
      frame = parseCandumpLine(line)
    } catch (err) {
      if (!(err instanceof CandumpParseError)) throw err
      summary.badLines++
      if (summary.firstErrors.length < MAX_REPORTED_ERRORS) summary.firstErrors.push(`${options.log}:${lineNo}: ${err.message}`)
      continue
    }
    if (frame === undefined || frame.remote || frame.error) continue
    summary.frames++
    frames.clear(frame.data, 0)
    frames.count = 1
    frames.bus[0] = 0
    frames.id[0] = frame.extended ? (frame.id | EXTENDED_FLAG) >>> 0 : frame.id
    frames.len[0] = frame.data.length
    frames.offset[0] = 0
    frames.dtUs[0] = 0
    samples.clear()
    summary.unknownFrames += network.decodeFrames(frames, samples)
    let text = ''
    for (let i = 0; i < samples.length; i++) {
      const { message, signal } = network.channels[samples.signal[i] as number] as (typeof network.channels)[number]
      const value = samples.value[i] as number
      text += formatSignalLine({ t: frame.timeS, bus: frame.iface, id: frame.id, message: message.name, signal: signal.name, value, label: choiceLabel(signal, value) }, options.format)
    }
    summary.signals += samples.length
    // waits only when the output is slower than decoding (a pipe to `head`, a slow disk)
    if (text !== '' && !options.out.write(text)) await drained(options.out)
  }
  return summary
}

/**
 * Decodes every numeric field of a ULog, times in seconds since boot: in time
 * order (default; samples of a topic whose timestamp stays put come out
 * flagged late, never left out) or in file order. A log cut mid-message is
 * decoded up to the cut and damaged messages are skipped (`ulog` in the
 * summary says so); damage the reader cannot read past throws UlogError
 * after the lines decoded before it have been written.
 */
export async function decodeUlog (options: { file: string, format: DecodeFormat, out: Writable, order?: 'time' | 'file' }): Promise<DecodeSummary> {
  const summary: DecodeSummary = { frames: 0, signals: 0, unknownFrames: 0, badLines: 0, firstErrors: [], lateMessages: 0 }
  const file = await openUlogFile(options.file, { order: options.order ?? 'time' })
  if (options.format === 'csv') await write(options.out, ULOG_CSV_HEADER)
  for await (const { samples, channels, late } of file.chunks()) {
    let text = ''
    for (let i = 0; i < samples.length; i++) {
      const channel = channels[samples.signal[i] as number] as (typeof channels)[number]
      text += formatSignalLine({
        t: (samples.timeUs[i] as number) / 1e6,
        bus: 'ulog',
        id: channel.msgId,
        message: channel.message,
        signal: channel.field,
        value: samples.value[i] as number,
        late
      }, options.format, true)
      // bounded lines per write, so a large chunk does not build one huge string
      if (text.length > 1 << 16) {
        await write(options.out, text)
        text = ''
      }
    }
    if (text !== '') await write(options.out, text)
    summary.signals += samples.length
  }
  const { stats } = file.reader
  summary.lateMessages = stats.lateMessages
  summary.ulog = readNotes(options.file, stats)
  summary.firstErrors = stats.warnings.map((w) => describeNotice(options.file, w))
  return summary
}

function readNotes (file: string, stats: UlogStats): UlogReadNotes {
  return {
    truncated: stats.truncated === undefined ? null : describeNotice(file, stats.truncated),
    corrupt: stats.corrupt,
    unknownMessages: stats.unknownMessages,
    skippedDataMessages: stats.skippedDataMessages,
    skippedBytes: stats.skippedBytes
  }
}

/** One stderr line per thing a ULog read passed over; the damaged spots themselves are in `warnings`. */
function ulogWarnings (file: string, notes: UlogReadNotes, warnings: readonly string[]): string[] {
  const lines: string[] = []
  if (notes.truncated !== null) lines.push(`${notes.truncated}; everything before it was read`)
  if (notes.corrupt) lines.push(`${file} is damaged; what could not be read was skipped, as pyulog skips it (${notes.skippedDataMessages} data messages, ${notes.skippedBytes} bytes):`, ...warnings)
  if (notes.unknownMessages > 0) lines.push(`${file}: ${notes.unknownMessages} messages of a type this reader does not know, skipped (ULog spec: parsers ignore unknown messages)`)
  return lines
}

/** Per topic instance: data messages, first and last timestamp (µs, file order), as pyulog counts them. */
export interface UlogTopicSummary extends UlogReadNotes {
  file: string
  dataMessages: number
  lateMessages: number
  /** the first damaged spots skipped, `file at byte N: what` */
  warnings: string[]
  topics: Record<string, { messages: number, first_timestamp_us: number, last_timestamp_us: number, numeric_fields: number, late_messages: number }>
}

/**
 * `pitwall decode --ulog FILE --topics`: counts every data message without
 * writing samples; topics with data only, as pyulog lists them. A log cut
 * mid-message is counted up to the cut (`truncated` says where).
 */
export async function summarizeUlogTopics (path: string): Promise<UlogTopicSummary> {
  const file = await openUlogFile(path, { order: 'file' })
  for await (const _ of file.chunks()) { /* the counts are the point */ }
  const { stats } = file.reader
  const topics: UlogTopicSummary['topics'] = {}
  // as pyulog's data_list: a subscription that never got a message is not listed
  for (const c of [...stats.topics.values()].filter((c) => c.messages > 0).sort((a, b) => a.message < b.message ? -1 : a.message > b.message ? 1 : 0)) {
    topics[c.message] = topicLine(c)
  }
  return {
    file: path, dataMessages: stats.dataMessages, lateMessages: stats.lateMessages, ...readNotes(path, stats),
    warnings: stats.warnings.map((w) => describeNotice(path, w)), topics
  }
}

function topicLine (c: UlogTopicStats): UlogTopicSummary['topics'][string] {
  return { messages: c.messages, first_timestamp_us: c.firstUs, last_timestamp_us: c.lastUs, numeric_fields: c.numericFields, late_messages: c.lateMessages }
}

async function write (out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await drained(out)
}

async function drained (out: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const done = (): void => { out.off('error', fail); resolve() }
    const fail = (err: Error): void => { out.off('drain', done); reject(err) }
    out.once('drain', done)
    out.once('error', fail)
  })
}

export function registerDecodeCommand (program: Command): void {
  program.command('decode')
    .description('decode a candump -l log (with a DBC) or a ULog into timestamped signals, one per line')
    .option('--dbc <file>', 'CAN database for --candump')
    .option('--candump <log>', 'can-utils candump -l log: (seconds) iface id#data, CAN FD id##Fdata')
    .option('--strict', 'refuse a DBC that needs any assumption (names starting with a digit, a missing \';\', ...) instead of warning')
    .option('--ulog <file>', 'PX4 ULog (.ulg) file')
    .option('--order <order>', 'ULog: time (default; a topic whose timestamp stays put comes out flagged late) or file', 'time')
    .option('--topics', 'ULog: print each topic instance\'s message count and first/last timestamp (as pyulog counts) instead of samples')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .action(async (flags: { dbc?: string, candump?: string, ulog?: string, format: string, strict?: boolean, order: string, topics?: boolean }) => {
      if (flags.format !== 'jsonl' && flags.format !== 'csv') throw new InvalidArgumentError(`--format must be jsonl or csv, got ${flags.format}`)
      if (flags.order !== 'time' && flags.order !== 'file') throw new InvalidArgumentError(`--order must be time or file, got ${flags.order}`)
      if ((flags.candump === undefined) === (flags.ulog === undefined)) throw new InvalidArgumentError('give one of --candump LOG (with --dbc FILE) or --ulog FILE')
      // a cut or damaged ULog is read as far as it goes: warnings on stderr, exit status 0
      const warn = (line: string): void => { process.stderr.write(`pitwall decode: warning: ${line}\n`) }
      if (flags.topics === true) {
        if (flags.ulog === undefined) throw new InvalidArgumentError('--topics goes with --ulog FILE')
        const topics = await summarizeUlogTopics(flags.ulog)
        print(JSON.stringify(topics, null, 1))
        ulogWarnings(flags.ulog, topics, topics.warnings).forEach(warn)
        return
      }
      // `pitwall decode ... | head`: a reader that has seen enough is not an error
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0)
        throw err
      })
      let summary
      if (flags.candump !== undefined) {
        if (flags.dbc === undefined) throw new InvalidArgumentError('--candump needs --dbc FILE to know the signals')
        summary = await decodeCandump({
          dbc: flags.dbc, log: flags.candump, format: flags.format, out: process.stdout, strict: flags.strict, warn: (line) => process.stderr.write(`warning: ${line}\n`)
        })
      } else {
        summary = await decodeUlog({ file: flags.ulog as string, format: flags.format, out: process.stdout, order: flags.order })
      }
      process.stderr.write(`pitwall decode: ${JSON.stringify(summary)}\n`)
      if (summary.ulog !== undefined) ulogWarnings(flags.ulog as string, summary.ulog, summary.firstErrors).forEach(warn)
      if (summary.badLines > 0) process.exitCode = 2
    })
}
