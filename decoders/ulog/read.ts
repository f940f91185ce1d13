import { SampleBuffer } from '../sample-buffer.js'
import type { ByteSource } from './byte-source.js'
import { messageLabel, type UlogChannel } from './channel.js'
import { cutMidMessage, noDamage, warnDamage, type UlogDamage } from './damage.js'
import { fieldValue, makePlan, type DecodePlan } from './decode-plan.js'
import { UlogError } from './errors.js'
import { END, FRAME, FrameCursor, indexOf } from './frame-cursor.js'
import { readHeader, uint64, type UlogHeader } from './header.js'
import { compileLayout, LayoutError, type MessageLayout } from './layout.js'
import {
  DATA_TYPES, isDamagedHeader, MSG_ADD_LOGGED, MSG_DATA, MSG_DROPOUT, MSG_LOG, MSG_LOG_TAGGED,
  MSG_REMOVE_LOGGED, MSG_SYNC, SYNC_MAGIC, typeName
} from './message-types.js'
import { TimeOrderBuffer } from './reorder.js'
import { resolveSelection, type ResolvedSelection, type UlogSelection } from './selection.js'

export interface UlogReadOptions {
  /** Which fields become samples; default 'all'. */
  readonly select?: UlogSelection
  /**
   * Added to every ULog timestamp (µs since boot) to give SampleBuffer.timeUs.
   * Default 0: times stay "since boot", as pyulog and Flight Review show them.
   * The log carries no boot epoch of its own: the `time_ref_utc` info is the
   * local time zone's offset from UTC in seconds (ULog spec; 0 in both
   * fixtures), not a date. For wall-clock time pass the epoch of boot, e.g.
   * from gpsBootEpochUs().
   */
  readonly baseTimeUs?: number
  /**
   * 'time' (default): chunks in time order across the whole stream (see
   * TimeOrderBuffer for the bound and for late samples). 'file': write
   * order, every sample, each topic still in its own time order.
   */
  readonly order?: 'time' | 'file'
  /** Samples held to put them in time order (min and default 131072, ≈ 2.6 MB). */
  readonly reorderCapacity?: number
  /** In file order, samples per chunk (default 65536). */
  readonly chunkSamples?: number
  /** Bytes per read from the source (default 256 KiB, @foxglove/ulog's ChunkedReader window). */
  readonly windowSize?: number
}

export interface UlogChunk {
  readonly samples: SampleBuffer
  /** The channel table so far: append-only, and it names every signal in `samples`. */
  readonly channels: readonly UlogChannel[]
  /**
   * Order 'time' only: samples older than samples already emitted (see
   * TimeOrderBuffer), in file order. They are emitted, never dropped; a
   * consumer that needs strict time order knows which they are.
   */
  readonly late?: true
}

/** One topic instance's data messages, as pyulog counts them. */
export interface UlogTopicStats {
  /** `topic`, or `topic#multi_id` (UlogChannel.message) */
  readonly message: string
  messages: number
  /** The first and last message's timestamp in file order, µs as logged (pyulog's `timestamp[0]` and `[-1]`). */
  firstUs: number
  lastUs: number
  /** Of `messages`, those emitted late (order 'time'). */
  lateMessages: number
  /** Numeric fields decoded per message (without the timestamp). */
  numericFields: number
}

/**
 * The damage counts (UlogDamage) cover the definitions section too: they are
 * there as soon as openUlog returns.
 */
export interface UlogStats extends UlogDamage {
  /** Whole messages read from the data section (all types, skipped ones too). */
  messagesRead: number
  dataMessages: number
  samplesEmitted: number
  /** Data messages emitted late, after newer ones (order 'time'): flagged, not dropped. */
  lateMessages: number
  /** Their samples. */
  lateSamples: number
  /** Late samples per channel index. */
  readonly lateByChannel: Map<number, number>
  /** Per topic instance, in the order they first appeared. */
  readonly topics: Map<string, UlogTopicStats>
  /** 'O' messages: the logger lost data for `dropoutMs` in total. */
  dropouts: number
  dropoutMs: number
  /** Text log lines ('L', 'C'); not samples. */
  logMessages: number
}

/** Two samples can be pending per message field at most; a message has at most 65533 fields. */
const MIN_REORDER_CAPACITY = 131072
const DEFAULT_CHUNK_SAMPLES = 65536
const text = new TextDecoder()

/** What stopped the read: becomes a UlogError once the last samples are out. */
interface Failure {
  readonly code: UlogError['code']
  readonly offset: number
  readonly detail: string
}

interface Subscription {
  readonly layout: MessageLayout
  readonly plan: DecodePlan
  readonly counts: UlogTopicStats
}

/**
 * A ULog opened for reading: header and definitions are read, the selection
 * checked against them; `chunks()` then streams the data section once.
 *
 * Memory is bounded by the read window, the reorder buffer and one chunk,
 * not by the file. Why we do not use @foxglove/ulog's ULog class: its open()
 * walks the whole data section and keeps a [bigint timestamp, offset, msg_id]
 * entry per message, sorted, before the first message can be read (and it
 * stops at the first appended offset, and turns read errors into "end of
 * file"). Measured with test/decoders/ulog/memory-probe.ts (Node 20, 2 cores)
 * on sample_log_small.ulg's data section repeated with shifted timestamps:
 *
 *   197 MB, 3.5 M messages: ULog.open() 426 MB heap, 559 MB peak RSS, 13 s
 *                           before the first message (≈ 120 B per message);
 *                           this reader 31 MB heap at most, 175 MB peak RSS.
 *   394 MB, 7.1 M messages: this reader 32 MB heap at most, 171 MB peak RSS
 *                           (flat: most of the RSS is Node, tsx and garbage
 *                           not yet collected; 97 MB on the 0.9 MB fixture).
 *
 * Throughput on that file: ≈ 1.5 M samples/s (127 k messages/s) when alone on
 * a core; the four awaits per message through ChunkedReader dominate.
 */
export class UlogReader {
  readonly header: UlogHeader
  readonly stats: UlogStats
  private readonly table: UlogChannel[] = []
  private readonly byKey = new Map<string, number>()
  private readonly layouts = new Map<string, MessageLayout>()
  private readonly subscriptions = new Map<number, Subscription>()
  private started = false

  constructor (
    private readonly source: ByteSource,
    private readonly cursor: FrameCursor,
    header: UlogHeader,
    private readonly selection: ResolvedSelection,
    private readonly options: UlogReadOptions,
    damage: UlogDamage
  ) {
    this.header = header
    this.stats = {
      messagesRead: 0, dataMessages: 0, samplesEmitted: 0, lateMessages: 0, lateSamples: 0, lateByChannel: new Map(), topics: new Map(), dropouts: 0, dropoutMs: 0, logMessages: 0, ...damage
    }
  }

  /** The channel table so far (grows as the data section subscribes topics). */
  get channels (): readonly UlogChannel[] {
    return this.table
  }

  /**
   * The samples, in chunks. A file cut inside a message ends the read there
   * (stats.truncated); damaged data messages are skipped (stats.corrupt,
   * stats.warnings). Damage that leaves nothing to read past it throws a
   * UlogError, after every sample decoded before it was yielded.
   */
  async * chunks (): AsyncGenerator<UlogChunk, void, undefined> {
    if (this.started) throw new Error('UlogReader.chunks() streams the file once; open it again to re-read')
    this.started = true
    const timeOrder = (this.options.order ?? 'time') === 'time'
    const reorder = timeOrder ? new TimeOrderBuffer(Math.max(MIN_REORDER_CAPACITY, this.options.reorderCapacity ?? 0)) : undefined
    const chunkSamples = Math.max(1, this.options.chunkSamples ?? DEFAULT_CHUNK_SAMPLES)
    let fileChunk = new SampleBuffer(Math.min(chunkSamples, DEFAULT_CHUNK_SAMPLES))
    let lateChunk = new SampleBuffer(256)
    const base = this.options.baseTimeUs ?? 0
    const stats = this.stats
    const emit = (samples: SampleBuffer): UlogChunk => {
      stats.samplesEmitted += samples.length
      return { samples, channels: this.table }
    }
    const emitLate = (): UlogChunk => {
      const samples = lateChunk
      lateChunk = new SampleBuffer(256)
      stats.samplesEmitted += samples.length
      return { samples, channels: this.table, late: true }
    }

    const { segments, missingAppendedAt, file } = this.header
    let failure: Failure | undefined
    try {
      for (let s = 0; s < segments.length && failure === undefined; s++) {
        const [start, end] = segments[s] as readonly [number, number]
        const last = s === segments.length - 1
        if (s > 0) this.cursor.seekTo(start)
        for (;;) {
          const step = await this.cursor.next(end)
          if (step === END) break
          if (step !== FRAME) {
            // The spec allows a cut message just before appended data. At the end of the file the log was cut
            // (power lost while writing): ULog spec, "the unfinished message should just be discarded".
            if (last) stats.truncated = cutMidMessage(this.cursor.offset, this.cursor.needed, this.cursor.available)
            break
          }
          const { view, bodyOffset: at, size, offset, type } = this.cursor
          if (type === MSG_DATA) {
            stats.messagesRead++
            const msgId = size >= 2 ? view.getUint16(at, true) : -1
            const sub = this.subscriptions.get(msgId)
            // pyulog skips such a message, flags the file as corrupt and reads on (_MessageData.initialize).
            if (sub === undefined) {
              stats.skippedDataMessages++
              warnDamage(stats, offset, `a data 'D' message for msg_id ${msgId}, which no 'A' message subscribed: skipped`)
              continue
            }
            const length = size - 2
            if (length < sub.layout.minSize || length > sub.layout.size) {
              const expected = sub.layout.minSize === sub.layout.size ? `${sub.layout.size}` : `${sub.layout.minSize} to ${sub.layout.size}`
              stats.skippedDataMessages++
              warnDamage(stats, offset, `a data 'D' message of ${length} bytes for '${sub.layout.name}', whose format needs ${expected}: skipped`)
              continue
            }
            stats.dataMessages++
            const fields = at + 2
            const logged = uint64(view, fields + sub.layout.timestampOffset)
            const counts = sub.counts
            if (counts.messages === 0) counts.firstUs = logged
            counts.lastUs = logged
            counts.messages++
            const plan = sub.plan
            if (plan.count === 0) continue
            const t = base + logged
            if (reorder !== undefined) {
              if (reorder.size + plan.count > reorder.capacity) {
                if (lateChunk.length > 0) yield emitLate()
                yield emit(reorder.drain(false))
              }
              if (reorder.isLate(t)) {
                counts.lateMessages++
                stats.lateMessages++
                stats.lateSamples += plan.count
                for (let i = 0; i < plan.count; i++) {
                  const channel = plan.channels[i] as number
                  lateChunk.push(t, channel, fieldValue(plan, i, view, fields))
                  stats.lateByChannel.set(channel, (stats.lateByChannel.get(channel) ?? 0) + 1)
                }
                if (lateChunk.length >= chunkSamples) yield emitLate()
                continue
              }
              for (let i = 0; i < plan.count; i++) reorder.push(t, plan.channels[i] as number, fieldValue(plan, i, view, fields))
            } else {
              for (let i = 0; i < plan.count; i++) fileChunk.push(t, plan.channels[i] as number, fieldValue(plan, i, view, fields))
              if (fileChunk.length >= chunkSamples) {
                yield emit(fileChunk)
                fileChunk = new SampleBuffer(chunkSamples)
              }
            }
            continue
          }
          if (!DATA_TYPES.has(type)) {
            await this.skipUnknown(type, view, at, size, offset, end)
            continue
          }
          failure = this.other(type, view, at, size, offset)
          if (failure !== undefined) break
          stats.messagesRead++
        }
      }
      if (failure === undefined && stats.truncated === undefined && missingAppendedAt !== undefined) {
        stats.truncated = { offset: this.source.size(), detail: `the flag bits announce appended data at byte ${missingAppendedAt}, past the end of the file` }
      }
    } catch (err) {
      // The source failed (or the library's reader did): name it, keep what was decoded.
      failure = failed('PITWALL_ERR_ULOG_IO', this.cursor.offset, `reading failed: ${err instanceof Error ? err.message : String(err)}`)
    }

    if (reorder !== undefined) {
      if (lateChunk.length > 0) yield emitLate()
      if (reorder.size > 0) yield emit(reorder.drain(true))
    } else if (fileChunk.length > 0) {
      yield emit(fileChunk)
    }
    if (failure !== undefined) throw new UlogError(failure.code, file, failure.offset, failure.detail, stats)
  }

  /**
   * A type the data section does not define. ULog spec: a parser ignores
   * unknown messages, so it is skipped by its size. A header that is more
   * likely damage (isDamagedHeader) is not trusted for its size: as pyulog
   * does, reading resumes after the next sync message, or stops at the end of
   * the segment when none follows.
   */
  private async skipUnknown (type: number, view: DataView, at: number, size: number, offset: number, end: number): Promise<void> {
    const stats = this.stats
    if (!isDamagedHeader(type, size)) {
      // pyulog looks inside it for the sync magic too: a damaged header may have swallowed a sync message.
      const sync = indexOf(new Uint8Array(view.buffer, view.byteOffset + at, size), SYNC_MAGIC)
      if (sync < 0) {
        stats.messagesRead++
        stats.unknownMessages++
        return
      }
      const resume = offset + 3 + sync + SYNC_MAGIC.length
      this.cursor.seekTo(resume)
      stats.skippedBytes += resume - offset
      warnDamage(stats, offset, `a message of type ${typeName(type)} with size ${size} holds a sync message: read as damage, reading resumes after it at byte ${resume}`)
      return
    }
    this.cursor.seekTo(offset + 1)
    const resume = await this.cursor.seekPast(SYNC_MAGIC, end)
    if (resume < 0) {
      stats.skippedBytes += end - offset
      warnDamage(stats, offset, `a damaged message header (type ${typeName(type)}, size ${size}) and no sync message after it: the ${end - offset} bytes from here are not read`)
      return
    }
    stats.skippedBytes += resume - offset
    warnDamage(stats, offset, `a damaged message header (type ${typeName(type)}, size ${size}): reading resumes after the next sync message, at byte ${resume}`)
  }

  /** The data-section messages but 'D'. Returns the error that stops reading, if any. */
  private other (type: number, view: DataView, at: number, size: number, offset: number): Failure | undefined {
    switch (type) {
      case MSG_ADD_LOGGED: {
        if (size < 3) return failed('PITWALL_ERR_ULOG_CORRUPT', offset, `an 'A' message of ${size} bytes, expected at least 3`)
        const multiId = view.getUint8(at)
        const msgId = view.getUint16(at + 1, true)
        const topic = text.decode(new Uint8Array(view.buffer, view.byteOffset + at + 3, size - 3))
        const layout = this.layoutOf(topic, offset)
        if ('detail' in layout) return layout
        this.subscribe(msgId, topic, multiId, layout)
        return undefined
      }
      case MSG_REMOVE_LOGGED:
        if (size < 2) return failed('PITWALL_ERR_ULOG_CORRUPT', offset, `an 'R' message of ${size} bytes, expected 2`)
        this.subscriptions.delete(view.getUint16(at, true))
        return undefined
      case MSG_DROPOUT:
        if (size < 2) return failed('PITWALL_ERR_ULOG_CORRUPT', offset, `an 'O' message of ${size} bytes, expected 2`)
        this.stats.dropouts++
        this.stats.dropoutMs += view.getUint16(at, true)
        return undefined
      case MSG_SYNC:
        for (let i = 0; i < SYNC_MAGIC.length; i++) {
          if (i >= size || view.getUint8(at + i) !== SYNC_MAGIC[i]) return failed('PITWALL_ERR_ULOG_CORRUPT', offset, "a sync 'S' message without the sync magic")
        }
        return undefined
      case MSG_LOG:
      case MSG_LOG_TAGGED:
        this.stats.logMessages++
        return undefined
      default:
        // 'I', 'M', 'P', 'Q': changes during the flight (e.g. a parameter set in the air) are not samples here.
        return undefined
    }
  }

  private layoutOf (topic: string, offset: number): MessageLayout | Failure {
    const known = this.layouts.get(topic)
    if (known !== undefined) return known
    if (!this.header.formats.has(topic)) return failed('PITWALL_ERR_ULOG_CORRUPT', offset, `an 'A' message subscribes '${topic.slice(0, 64)}', which no format defines`)
    try {
      const layout = compileLayout(topic, this.header.formats)
      this.layouts.set(topic, layout)
      return layout
    } catch (err) {
      if (err instanceof LayoutError) return failed('PITWALL_ERR_ULOG_CORRUPT', offset, `an 'A' message subscribes '${topic}': ${err.message}`)
      throw err
    }
  }

  private subscribe (msgId: number, topic: string, multiId: number, layout: MessageLayout): void {
    const message = messageLabel(topic, multiId)
    const fields = this.selection.pick(topic, multiId, layout).map((picked) => {
      const key = `${message}.${picked.leaf.path}`
      let channel = this.byKey.get(key)
      if (channel === undefined) {
        channel = this.table.length
        const catalog = picked.catalog
        this.table.push({
          index: channel, topic, multiId, message, field: picked.leaf.path, msgId, type: picked.leaf.type,
          ...(catalog === undefined ? {} : { catalogId: catalog.id, catalogName: catalog.name, unit: catalog.unit })
        })
        this.byKey.set(key, channel)
      }
      return { leaf: picked.leaf, channel, scale: picked.scale, offset: picked.offset }
    })
    let counts = this.stats.topics.get(message)
    if (counts === undefined) {
      counts = { message, messages: 0, firstUs: 0, lastUs: 0, lateMessages: 0, numericFields: layout.leaves.length }
      this.stats.topics.set(message, counts)
    }
    this.subscriptions.set(msgId, { layout, plan: makePlan(fields), counts })
  }

}

function failed (code: UlogError['code'], offset: number, detail: string): Failure {
  return { code, offset, detail }
}

/**
 * Reads the header and definitions of a ULog and checks the selection
 * against them. Throws UlogError (not a ULog, a file cut inside its 16-byte
 * header, corrupt definitions, unknown topic or field) before any data is
 * read. A file that ends before its data section opens as an empty log with
 * stats.truncated set, as pyulog reads it.
 */
export async function openUlog (source: ByteSource, options: UlogReadOptions = {}): Promise<UlogReader> {
  const cursor = new FrameCursor(source, options.windowSize)
  const damage = noDamage()
  let header: UlogHeader
  try {
    await source.open()
    header = await readHeader(source, cursor, damage)
  } catch (err) {
    if (err instanceof UlogError) throw err
    throw new UlogError('PITWALL_ERR_ULOG_IO', source.name, cursor.offset, `reading failed: ${err instanceof Error ? err.message : String(err)}`)
  }
  const selection = resolveSelection(options.select ?? 'all', header.formats, header.file)
  return new UlogReader(source, cursor, header, selection, options, damage)
}
