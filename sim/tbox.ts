/**
 * One simulated T-box: drives a vehicle model, builds a TelemetryBatch per
 * window and publishes it over MQTT 3.1.1 the way a production T-box does:
 *
 * - clientId = username = VIN, password = the vehicle's secret;
 * - persistent session (clean: false), so the broker keeps its command
 *   subscription and queued commands while it is away;
 * - last will `{"state":"offline"}` retained on v1/{vin}/status, and a
 *   retained `{"state":"online",...}` on every connect;
 * - telemetry at QoS 1 with at most `maxInFlight` batches unacknowledged;
 * - a bounded store-and-forward buffer for batches produced while offline or
 *   while the window is full, drained oldest first on reconnect.
 *
 * Batches that were in flight when the connection dropped stay in mqtt.js's
 * outgoing store and are resent (DUP) right after the next CONNACK, before
 * mqtt.js emits 'connect' [MQTT-4.4.0-1]; only then does the T-box drain its
 * buffer, so the broker sees every seq in order. A resent batch may arrive
 * twice; seq is the gateway's idempotency key for exactly that.
 *
 * With `commands`, it verifies what arrives on v1/{vin}/cmd against its
 * trusted keys and runs it (command-executor.ts), answering on
 * v1/{vin}/cmd/ack. It keeps its last `logHistoryS` of CAN traffic
 * (log-recorder.ts) and answers a log-upload command with a candump log of
 * the window, uploaded in chunks with the command's token (log-uploader.ts).
 */
import type { KeyObject } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { connect, type MqttClient } from 'mqtt'
import { CommandVerifier } from '../actions/commands/signing.js'
import { answerDiagnosticRequest } from './diagnostic-responder.js'
import type { CanDatabase } from '../decoders/can/model.js'
import type { pitwall } from '../proto/index.js'
import { topics } from '../proto/topics.js'
import { BatchBuilder } from './batch-builder.js'
import { CommandExecutor, type CommandOutcome } from './command-executor.js'
import { CanLogRecorder } from './log-recorder.js'
import { uploadLog } from './log-uploader.js'
import type { FaultName } from './faults.js'
import { SeededRandom } from './prng.js'
import { StoreAndForwardBuffer } from './store-and-forward.js'
import { VehicleModel } from './vehicle-model.js'

export interface TboxOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 or mqtts://gateway:8883 */
  url: string
  /** CA certificates (PEM) to trust for mqtts:// and wss:// beyond the system's */
  ca?: Buffer | undefined
  vin: string
  secret: string
  /** Seeds the vehicle model and its schedules. */
  seed: number
  faults?: readonly FaultName[]
  /** Batches per second. Default 1. */
  rateHz?: number
  /** The vehicle's time runs this many times faster than the batches' (sim/time-lapse.ts). Default 1. */
  speed?: number
  /** seq of the first batch. Default 1. */
  startSeq?: number
  firmware?: string
  /** Unacknowledged QoS 1 batches allowed at once. Default 16. */
  maxInFlight?: number
  /** Batches the store-and-forward buffer holds. Default 3600 (an hour at 1 Hz). */
  bufferCapacity?: number
  /** Base reconnect delay; each T-box adds up to 50 % seeded jitter so a fleet does not reconnect in one burst. Default 1000. */
  reconnectPeriodMs?: number
  database?: CanDatabase
  /** Seconds of its own CAN traffic the T-box keeps for log-upload commands. Default 600. */
  logHistoryS?: number
  /** Verify and execute commands; without it they are only counted and emitted. */
  commands?: TboxCommandOptions
}

export interface TboxCommandOptions {
  /** key id → Ed25519 public key the T-box was provisioned with */
  trustedKeys: ReadonlyMap<string, KeyObject>
  /** default: every command succeeds */
  outcome?: (command: pitwall.v1.Command) => CommandOutcome
  /** time between a command's acks; default 200 ms */
  stepMs?: number
  /** share of a fleet, 0..1, whose OTA updates and remote actions fail, chosen by VIN (command-executor.ts failsByShare); default 0 */
  failureShare?: number
  /** what those failures report; default 'flash verification failed' */
  failureDetail?: string
  /** remote action name → the fault it repairs; default bms-extended-balancing → cellimbalance */
  fixes?: ReadonlyMap<string, FaultName>
  /** diagnostic answers longer than a single frame go back as ISO-TP frames, as a T-box that does not reassemble sends them; default false */
  isoTpFrames?: boolean
  /** bytes per PUT of a log upload; default 4 MiB */
  uploadChunkBytes?: number
}

export interface TboxCounters {
  vin: string
  online: boolean
  connects: number
  batchesBuilt: number
  /** Batches handed to MQTT (first transmission). */
  published: number
  acked: number
  inFlight: number
  buffered: number
  dropped: number
  canFramesPublished: number
  commands: number
  /** refused by the verifier, each answered with one REJECTED ack */
  commandsRejected: number
  /** started (a retry of a command already started is not counted again) */
  commandsExecuted: number
  errors: number
  lastError?: string
  nextSeq: number
}

export interface TboxEvents {
  /** PUBACK for a batch: its seq and publish-to-PUBACK latency. */
  ack: [seq: number, latencyMs: number]
  /** A message on v1/{vin}/cmd (a SignedCommand, not verified here). */
  command: [payload: Buffer]
  online: []
  offline: []
}

interface QueuedBatch {
  seq: number
  payload: Uint8Array
  canFrames: number
}

/** Windows a stalled process may catch up on; beyond that the T-box skips ahead. */
const MAX_CATCH_UP_WINDOWS = 10

export class Tbox extends EventEmitter<TboxEvents> {
  readonly vin: string
  readonly model: VehicleModel
  private readonly options: TboxOptions
  private readonly builder: BatchBuilder
  private readonly buffer: StoreAndForwardBuffer<QueuedBatch>
  private readonly maxInFlight: number
  private readonly windowUs: number
  private readonly reconnectPeriodMs: number
  private readonly topics: { telemetry: string, status: string, cmd: string, ack: string }
  private readonly executor: CommandExecutor | undefined
  private readonly recorder: CanLogRecorder
  private client: MqttClient | undefined
  private timer: NodeJS.Timeout | undefined
  private windowStartUs = 0
  private online = false
  private stopping = false
  private stopped: Promise<void> | undefined
  private subscribed = false
  private readonly counts = {
    connects: 0,
    batchesBuilt: 0,
    published: 0,
    acked: 0,
    inFlight: 0,
    canFramesPublished: 0,
    commands: 0,
    errors: 0,
    lastError: undefined as string | undefined
  }

  constructor (options: TboxOptions) {
    super()
    this.options = options
    this.vin = options.vin
    const rateHz = options.rateHz ?? 1
    if (!(rateHz > 0 && rateHz <= 1000)) throw new RangeError(`rate must be above 0 and at most 1000 Hz, got ${rateHz}`)
    this.windowUs = Math.round(1e6 / rateHz)
    this.maxInFlight = options.maxInFlight ?? 16
    this.buffer = new StoreAndForwardBuffer(options.bufferCapacity ?? 3600)
    this.model = new VehicleModel({ seed: options.seed, faults: options.faults })
    const random = new SeededRandom(options.seed ^ 0x5bd1e995)
    this.builder = new BatchBuilder({
      vin: options.vin,
      model: this.model,
      seed: random.int(0, 0xffff_ffff),
      startSeq: options.startSeq,
      firmware: options.firmware,
      database: options.database,
      speed: options.speed
    })
    this.recorder = new CanLogRecorder(options.logHistoryS ?? 600)
    this.reconnectPeriodMs = Math.round((options.reconnectPeriodMs ?? 1000) * random.uniform(1, 1.5))
    this.topics = {
      telemetry: topics.telemetry(options.vin),
      status: topics.status(options.vin),
      cmd: topics.command(options.vin),
      ack: topics.commandAck(options.vin)
    }
    if (options.commands !== undefined) {
      this.executor = new CommandExecutor({
        verifier: new CommandVerifier({ vin: options.vin, trustedKeys: options.commands.trustedKeys }),
        publishAck: (payload) => this.publishAck(payload),
        outcome: options.commands.outcome,
        stepMs: options.commands.stepMs,
        failureShare: options.commands.failureShare,
        failureDetail: options.commands.failureDetail,
        fixes: options.commands.fixes,
        onFix: (fault) => this.model.clearFault(fault),
        onFirmware: (version) => this.updateFirmware(version),
        // the simulated ECUs (sim/diagnostic-responder.ts) answer from this vehicle's model
        diagnose: (target, request) => answerDiagnosticRequest(target, request, this),
        isoTpFrames: options.commands.isoTpFrames,
        uploadLog: async (upload) => await this.uploadLog(upload, options.commands?.uploadChunkBytes)
      })
    }
  }

  /** The firmware it runs: the configured one until an OTA update succeeds. */
  get firmware (): string {
    return this.builder.firmware
  }

  /** Starts recording (at once) and connecting (in the background; failures are retried). */
  start (): void {
    if (this.client !== undefined) return
    this.windowStartUs = Date.now() * 1000
    this.timer = setInterval(() => this.tick(), this.windowUs / 1000)
    const client = connect(this.options.url, {
      protocolVersion: 4, // MQTT 3.1.1: what the gateway's aedes broker speaks
      clientId: this.vin,
      username: this.vin,
      password: this.options.secret,
      clean: false,
      keepalive: 30,
      reconnectPeriod: this.reconnectPeriodMs,
      // a T-box keeps trying after a refused CONNACK too (server unavailable while the gateway's
      // database is away, too many attempts); mqtt.js 5 gives up after the first unless told
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      queueQoSZero: false,
      ...(this.options.ca === undefined ? {} : { ca: this.options.ca }),
      will: { topic: this.topics.status, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true }
    })
    this.client = client
    client.on('connect', () => this.onConnect(client))
    client.on('close', () => this.setOffline())
    client.on('offline', () => this.setOffline())
    client.on('error', (error) => {
      // mqtt.js reconnects by itself; a refused CONNACK (bad secret, server unavailable) lands here too
      this.counts.errors++
      this.counts.lastError = error.message
    })
    client.on('message', (topic, payload) => {
      if (topic !== this.topics.cmd) return
      this.counts.commands++
      this.emit('command', payload)
      this.executor?.handle(payload)
    })
  }

  counters (): TboxCounters {
    const c = this.counts
    return {
      vin: this.vin,
      online: this.online,
      connects: c.connects,
      batchesBuilt: c.batchesBuilt,
      published: c.published,
      acked: c.acked,
      inFlight: c.inFlight,
      buffered: this.buffer.length,
      dropped: this.buffer.dropped,
      canFramesPublished: c.canFramesPublished,
      commands: c.commands,
      commandsRejected: this.executor?.counters().rejected ?? 0,
      commandsExecuted: this.executor?.counters().executed ?? 0,
      errors: c.errors,
      ...(c.lastError === undefined ? {} : { lastError: c.lastError }),
      nextSeq: this.builder.nextSeq
    }
  }

  /**
   * Stops recording; if online, waits up to `drainTimeoutMs` for the buffer
   * and the in-flight window to empty, announces itself offline and
   * disconnects. Whatever is still buffered then is lost, as on a T-box that
   * powers down.
   */
  async stop (drainTimeoutMs = 2000): Promise<void> {
    this.stopped ??= this.shutDown(drainTimeoutMs)
    await this.stopped
  }

  private async shutDown (drainTimeoutMs: number): Promise<void> {
    clearInterval(this.timer)
    this.executor?.close()
    const client = this.client
    if (client === undefined) {
      this.stopping = true
      return
    }
    if (this.online) {
      await waitUntil(() => this.buffer.length === 0 && this.counts.inFlight === 0, drainTimeoutMs)
    }
    this.stopping = true
    if (this.online) {
      await withTimeout(new Promise<void>((resolve) => {
        client.publish(this.topics.status, JSON.stringify({ state: 'offline' }), { qos: 1, retain: true }, () => resolve())
      }), 1000)
    }
    // A graceful end sends DISCONNECT once nothing is in flight; offline, just close.
    const ended = new Promise<void>((resolve) => client.end(!this.online, {}, () => resolve()))
    if (!await withTimeout(ended, 1000)) {
      // the broker stopped acknowledging: drop the connection (mqtt.js will not reconnect once ending)
      client.stream.destroy()
    }
    this.setOffline()
  }

  private tick (): void {
    const nowUs = Date.now() * 1000
    if (nowUs - this.windowStartUs > MAX_CATCH_UP_WINDOWS * this.windowUs) {
      this.windowStartUs = nowUs - this.windowUs
    }
    while (this.windowStartUs + this.windowUs <= nowUs) {
      const built = this.builder.build(this.windowStartUs, this.windowUs)
      this.recorder.record(this.windowStartUs, this.windowUs, built.payload)
      this.windowStartUs += this.windowUs
      this.counts.batchesBuilt++
      this.buffer.push({ seq: built.seq, payload: built.payload, canFrames: built.canFrames })
    }
    this.pump()
  }

  private onConnect (client: MqttClient): void {
    this.counts.connects++
    this.online = true
    this.emit('online')
    this.publishOnline(client)
    if (!this.subscribed) {
      // mqtt.js resubscribes by itself after a reconnect that lost the session
      this.subscribed = true
      client.subscribe(this.topics.cmd, { qos: 1 })
    }
    this.pump()
  }

  private publishOnline (client: MqttClient): void {
    const status = { state: 'online', firmware: this.builder.firmware, ts: Date.now() }
    client.publish(this.topics.status, JSON.stringify(status), { qos: 1, retain: true })
  }

  private updateFirmware (version: string): void {
    this.builder.firmware = version
    // the retained status tells the gateway at once, as a T-box does after rebooting into the update
    if (this.client !== undefined && this.online) this.publishOnline(this.client)
  }

  /** A log-upload command: the window's frames as a candump log, uploaded in chunks with the command's token (./log-uploader.ts). */
  private async uploadLog (upload: pitwall.v1.LogUpload, chunkBytes: number | undefined): Promise<CommandOutcome> {
    if (upload.kind !== 'candump') return { ok: false, detail: `this T-box records candump logs, not ${upload.kind}` }
    if (upload.uploadUrl === '' || upload.uploadToken === '') return { ok: false, detail: 'the command carries no upload URL or token' }
    const fromMs = Number(upload.fromMs)
    const toMs = Number(upload.toMs)
    const bytes = this.recorder.candump(fromMs, toMs)
    if (bytes.length === 0) {
      const oldest = this.recorder.oldestMs
      return { ok: false, detail: `no CAN frames recorded from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}${oldest === undefined ? '' : ` (kept since ${new Date(oldest).toISOString()})`}` }
    }
    const maxBytes = Number(upload.maxBytes)
    if (maxBytes > 0 && bytes.length > maxBytes) return { ok: false, detail: `the log is ${bytes.length} bytes, over the ${maxBytes} the gateway takes` }
    const done = await uploadLog({ url: upload.uploadUrl, token: upload.uploadToken, contentType: 'text/x-candump', ca: this.options.ca, chunkBytes }, bytes)
    return { ok: true, detail: `uploaded ${done.received} bytes in ${done.requests} request${done.requests === 1 ? '' : 's'}, sha256 ${done.sha256 ?? ''}` }
  }

  /** QoS 1; mqtt.js keeps it while offline and sends it after reconnecting. */
  private publishAck (payload: Uint8Array): void {
    const client = this.client
    if (client === undefined) return
    client.publish(this.topics.ack, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: 1 }, (error) => {
      if (error === undefined || error === null) return
      this.counts.errors++
      this.counts.lastError = error.message
    })
  }

  private setOffline (): void {
    if (!this.online) return
    this.online = false
    this.emit('offline')
  }

  /** Publishes from the buffer while connected and the in-flight window has room. */
  private pump (): void {
    const client = this.client
    if (client === undefined) return
    while (this.online && !this.stopping && this.counts.inFlight < this.maxInFlight) {
      const batch = this.buffer.shift()
      if (batch === undefined) return
      this.publish(client, batch)
    }
  }

  private publish (client: MqttClient, batch: QueuedBatch): void {
    this.counts.inFlight++
    this.counts.published++
    this.counts.canFramesPublished += batch.canFrames
    const sentAt = performance.now()
    const payload = Buffer.from(batch.payload.buffer, batch.payload.byteOffset, batch.payload.byteLength)
    client.publish(this.topics.telemetry, payload, { qos: 1 }, (error) => {
      this.counts.inFlight--
      if (error !== undefined && error !== null) {
        this.counts.errors++
        this.counts.lastError = error.message
        if (!this.stopping) {
          // never stored by mqtt.js: send it again, ahead of newer batches, on the next tick
          this.counts.published--
          this.counts.canFramesPublished -= batch.canFrames
          this.buffer.unshift(batch)
        }
        return
      }
      this.counts.acked++
      this.emit('ack', batch.seq, performance.now() - sentAt)
      this.pump()
    })
  }
}

async function waitUntil (done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
}

/** Whether `promise` settled within `ms`. */
async function withTimeout (promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const settled = await Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
  ])
  clearTimeout(timer)
  return settled
}
