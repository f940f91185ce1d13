/**
 * A fleet of simulated T-boxes against one broker: staggered connects, live
 * counters and a summary at the end. Used by `pitwall-sim fleet`, `pitwall-sim demo`,
 * the end-to-end tests and the benchmark.
 */
import type { KeyObject } from 'node:crypto'
import type { CanDatabase } from '../decoders/can/model.js'
import type { VehicleCredential } from './credentials.js'
import { drawFaults, type FaultName, type FaultProbabilities } from './faults.js'
import { LatencyHistogram } from './latency-histogram.js'
import { SeededRandom, vehicleSeed } from './prng.js'
import { Tbox, type TboxCommandOptions } from './tbox.js'

export type { VehicleCredential } from './credentials.js'

export interface FleetOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 or mqtts://gateway:8883 */
  url: string
  /** CA certificates (PEM) to trust for mqtts:// and wss:// beyond the system's */
  ca?: Buffer | undefined
  credentials: readonly VehicleCredential[]
  /** How many of the credentials to drive; default all. */
  vehicles?: number
  /** Batches per second per vehicle. Default 1. */
  rateHz?: number
  /** The vehicles' time runs this many times faster than the wall clock; batches keep real times and rate (sim/time-lapse.ts). Default 1. */
  speed?: number
  /** Fleet seed: the same seed and credentials give the same vehicles, drives and faults. Default 1. */
  seed?: number
  /** Per-vehicle fault probabilities (see faults.ts). */
  inject?: FaultProbabilities
  /** seq of each vehicle's first batch: one number for all, or by VIN (missing VINs start at 1). Default 1. */
  startSeq?: number | Readonly<Record<string, number>>
  /** Connects are spread over this long. Default 10 ms per vehicle, at most 5 s. */
  staggerMs?: number
  bufferCapacity?: number
  maxInFlight?: number
  reconnectPeriodMs?: number
  firmware?: string
  database?: CanDatabase
  /** the gateway's command public keys: the T-boxes verify and run commands signed by them */
  trustedKeys?: ReadonlyMap<string, KeyObject>
  /** how the T-boxes run the commands they verify: time between acks, the share of the fleet (by VIN) whose updates fail */
  commandExecution?: Pick<TboxCommandOptions, 'stepMs' | 'failureShare' | 'failureDetail'>
}

export interface FleetStats {
  vehicles: number
  connected: number
  batchesBuilt: number
  published: number
  acked: number
  inFlight: number
  buffered: number
  dropped: number
  canFrames: number
  commands: number
  errors: number
  /** Publish -> PUBACK, over every acknowledged batch so far. */
  pubackMs: { p50: number, p99: number, max: number }
}

export interface FleetSummary extends FleetStats {
  seed: number
  rateHz: number
  speed: number
  durationS: number
  /** Injected faults by VIN (vehicles without faults left out). */
  faults: Record<string, FaultName[]>
  /** The seq each vehicle would send next: pass as startSeq to continue after a restart. */
  nextSeq: Record<string, number>
}

export class Fleet {
  readonly tboxes: readonly Tbox[]
  private readonly options: FleetOptions
  private readonly latency = new LatencyHistogram()
  private readonly started = new Set<Tbox>()
  private readonly staggerTimers: NodeJS.Timeout[] = []
  private readonly faultsByVin: Record<string, FaultName[]> = {}
  private startedAt = 0
  private stoppedAt = 0

  constructor (options: FleetOptions) {
    this.options = options
    const count = options.vehicles ?? options.credentials.length
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`vehicles must be a positive integer, got ${count}`)
    if (count > options.credentials.length) {
      throw new RangeError(`${count} vehicles asked for, but only ${options.credentials.length} credentials given`)
    }
    const seed = options.seed ?? 1
    this.tboxes = options.credentials.slice(0, count).map(({ vin, secret }) => {
      const vehicle = vehicleSeed(seed, vin)
      const faults = drawFaults(options.inject ?? {}, new SeededRandom(vehicle ^ 0x0fa17))
      if (faults.length > 0) this.faultsByVin[vin] = faults
      const tbox = new Tbox({
        url: options.url,
        ca: options.ca,
        vin,
        secret,
        seed: vehicle,
        faults,
        rateHz: options.rateHz,
        speed: options.speed,
        startSeq: typeof options.startSeq === 'number' ? options.startSeq : options.startSeq?.[vin],
        firmware: options.firmware,
        maxInFlight: options.maxInFlight,
        bufferCapacity: options.bufferCapacity,
        reconnectPeriodMs: options.reconnectPeriodMs,
        database: options.database,
        ...(options.trustedKeys === undefined ? {} : { commands: { ...options.commandExecution, trustedKeys: options.trustedKeys } })
      })
      tbox.on('ack', (_seq, ms) => this.latency.record(ms))
      return tbox
    })
  }

  start (): void {
    if (this.startedAt !== 0) return
    this.startedAt = Date.now()
    const n = this.tboxes.length
    const staggerMs = this.options.staggerMs ?? Math.min(5000, 10 * n)
    this.tboxes.forEach((tbox, i) => {
      const launch = (): void => {
        this.started.add(tbox)
        tbox.start()
      }
      if (i === 0 || staggerMs <= 0) launch()
      else this.staggerTimers.push(setTimeout(launch, (i * staggerMs) / n))
    })
  }

  stats (): FleetStats {
    const stats: FleetStats = {
      vehicles: this.tboxes.length,
      connected: 0,
      batchesBuilt: 0,
      published: 0,
      acked: 0,
      inFlight: 0,
      buffered: 0,
      dropped: 0,
      canFrames: 0,
      commands: 0,
      errors: 0,
      pubackMs: { p50: round(this.latency.quantile(0.5)), p99: round(this.latency.quantile(0.99)), max: round(this.latency.max) }
    }
    for (const tbox of this.tboxes) {
      const c = tbox.counters()
      if (c.online) stats.connected++
      stats.batchesBuilt += c.batchesBuilt
      stats.published += c.published
      stats.acked += c.acked
      stats.inFlight += c.inFlight
      stats.buffered += c.buffered
      stats.dropped += c.dropped
      stats.canFrames += c.canFramesPublished
      stats.commands += c.commands
      stats.errors += c.errors
    }
    return stats
  }

  /** Resolves once every T-box is connected; rejects after `timeoutMs` naming the last errors. */
  async whenConnected (timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.stats().connected < this.tboxes.length) {
      if (Date.now() > deadline) {
        const offline = this.tboxes.map((t) => t.counters()).filter((c) => !c.online)
        const reasons = offline.slice(0, 3).map((c) => `${c.vin}: ${c.lastError ?? 'no answer'}`).join('; ')
        throw new Error(`${this.tboxes.length - offline.length}/${this.tboxes.length} T-boxes connected after ${timeoutMs} ms (${reasons})`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** Stops every T-box (each drains briefly if online) and returns the summary. */
  async stop (): Promise<FleetSummary> {
    for (const timer of this.staggerTimers) clearTimeout(timer)
    await Promise.all([...this.started].map(async (tbox) => { await tbox.stop() }))
    this.stoppedAt ||= Date.now()
    return this.summary()
  }

  summary (): FleetSummary {
    const end = this.stoppedAt || Date.now()
    return {
      ...this.stats(),
      seed: this.options.seed ?? 1,
      rateHz: this.options.rateHz ?? 1,
      speed: this.options.speed ?? 1,
      durationS: this.startedAt === 0 ? 0 : round((end - this.startedAt) / 1000),
      faults: { ...this.faultsByVin },
      nextSeq: Object.fromEntries(this.tboxes.map((t) => [t.vin, t.counters().nextSeq]))
    }
  }
}

/** Creates the fleet and starts it; connects continue in the background (await Fleet.whenConnected to know). */
export function startFleet (options: FleetOptions): Fleet {
  const fleet = new Fleet(options)
  fleet.start()
  return fleet
}

function round (value: number): number {
  return Math.round(value * 100) / 100
}
