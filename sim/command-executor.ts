/**
 * What a T-box does with a payload from v1/{vin}/cmd: verify it, then run
 * the command and report each step as a CommandAck.
 *
 * - Refused by the verifier: one REJECTED ack `<code>: <reason>`, addressed
 *   to the command id when the command bytes decoded; nothing runs.
 * - A command id already run: the gateway retries an unanswered command
 *   under the same id with a fresh nonce (its ack may have been lost), so the
 *   answer is that command's latest ack again; it never runs twice.
 * - Otherwise ACCEPTED at once, then (one command at a time, in arrival
 *   order) IN_PROGRESS 0 / 50 / 100 and SUCCEEDED or FAILED, `stepMs` apart.
 *   A log upload is IN_PROGRESS while `uploadLog` makes and uploads the log,
 *   then SUCCEEDED, or FAILED with why (a T-box without `uploadLog` fails it).
 *
 * `failureShare` makes a share of a fleet fail every OTA update and remote
 * action it runs, chosen by VIN (`failsByShare`): the same vehicles in every
 * run, so a test or a demo can say in advance which ones a campaign loses.
 *
 * Ids run are remembered as long as the verifier could still accept a
 * command carrying them (expiry + clock skew). A retry keeps its command's
 * expiry, so after that it is refused as expired before the id is looked
 * up, and forgetting the id is safe.
 */
import { pitwall } from '../proto/index.js'
import { DEFAULT_DIAGNOSTIC_TIMEOUT_MS, OBD_FUNCTIONAL_TARGET } from '../actions/commands/diagnostic-body.js'
import { finalResponse } from '../decoders/diagnostics/response.js'
import type { CommandVerifier } from '../actions/commands/signing.js'
import type { FaultName } from './faults.js'
import { SeededRandom, vehicleSeed } from './prng.js'

const State = pitwall.v1.CommandAck.State

export interface CommandOutcome {
  ok: boolean
  detail?: string
}

export interface CommandExecutorOptions {
  verifier: CommandVerifier
  /** Publishes an encoded CommandAck (QoS 1 on v1/{vin}/cmd/ack). */
  publishAck: (payload: Uint8Array) => void
  /** Decides whether a command succeeds; default: every command does. */
  outcome?: (command: pitwall.v1.Command) => CommandOutcome
  /** Share of vehicles, 0..1, whose OTA updates and remote actions fail (see failsByShare); default 0. Checked before `outcome`. */
  failureShare?: number
  /** What those failures report; default DEFAULT_FAILURE_DETAIL. */
  failureDetail?: string
  /** Time between a command's steps; default 200 ms. */
  stepMs?: number
  /** Remote action name → the fault it repairs; default bms-extended-balancing → cellimbalance. */
  fixes?: ReadonlyMap<string, FaultName>
  /** A remote action in `fixes` succeeded. */
  onFix?: (fault: FaultName) => void
  /** An OTA update succeeded: the T-box now runs this version. */
  onFirmware?: (version: string) => void
  /** Unix epoch ms; default Date.now */
  now?: () => number
  /**
   * The vehicle's ECUs answering a diagnostic request sent to CAN id
   * `target`; none: no ECU answered (the T-box reports a timeout). Default:
   * no ECUs.
   */
  diagnose?: (target: number, request: Uint8Array) => DiagnosticAnswer[]
  /** Answers longer than a single frame go back as their ISO-TP frames, as a T-box that does not reassemble would send them. */
  isoTpFrames?: boolean
  /** Makes the log a log-upload command asks for and uploads it; none: such commands fail. */
  uploadLog?: (upload: pitwall.v1.LogUpload) => Promise<CommandOutcome>
}

export interface DiagnosticAnswer {
  ecu: number
  data: Uint8Array
}



export const DEFAULT_FIXES: ReadonlyMap<string, FaultName> = new Map([['bms-extended-balancing', 'cellimbalance']])

export const DEFAULT_FAILURE_DETAIL = 'flash verification failed'

const PROGRESS_STEPS = [0, 50, 100]

/** Seeds the VIN hash of failsByShare, so the failing vehicles do not follow the fleet seed's drives and faults. */
const FAILURE_SALT = 0xfa11ed

/**
 * Whether the vehicle with this VIN is among a `share` of a fleet that
 * fails: a uniform number drawn from a hash of the VIN alone, below `share`.
 * Monotonic in `share` (a vehicle failing at 0.2 fails at 0.5 too) and
 * independent of fleet order and size.
 */
export function failsByShare (vin: string, share: number): boolean {
  return share > 0 && new SeededRandom(vehicleSeed(FAILURE_SALT, vin)).next() < share
}

interface RunCommand {
  /** the latest ack published for it, re-published on a retry */
  lastAck: Uint8Array
  /** after this a command with its id is refused as expired */
  forgetAt: number
}

export class CommandExecutor {
  private readonly options: CommandExecutorOptions
  private readonly stepMs: number
  private readonly failureShare: number
  private readonly fixes: ReadonlyMap<string, FaultName>
  private readonly now: () => number
  private readonly run = new Map<string, RunCommand>()
  /** Commands execute one after another, as a T-box would not flash while running a routine. */
  private queue: Promise<void> = Promise.resolve()
  /** pending step waits, ended early by close() */
  private readonly waits = new Map<NodeJS.Timeout, () => void>()
  private closed = false
  private readonly counts = { rejected: 0, executed: 0, repeated: 0 }

  constructor (options: CommandExecutorOptions) {
    this.options = options
    this.stepMs = options.stepMs ?? 200
    if (!(this.stepMs >= 0)) throw new RangeError(`stepMs must be 0 or more, got ${this.stepMs}`)
    this.failureShare = options.failureShare ?? 0
    if (!(this.failureShare >= 0 && this.failureShare <= 1)) throw new RangeError(`failureShare must be between 0 and 1, got ${this.failureShare}`)
    this.fixes = options.fixes ?? DEFAULT_FIXES
    this.now = options.now ?? Date.now
  }

  /** rejected: refused by the verifier; executed: started (including running ones); repeated: retries answered with the latest ack */
  counters (): { rejected: number, executed: number, repeated: number } {
    return { ...this.counts }
  }

  /** Handles one payload from v1/{vin}/cmd. */
  handle (payload: Uint8Array): void {
    if (this.closed) return
    const result = this.options.verifier.verify(payload)
    if (!result.ok) {
      this.counts.rejected++
      this.ack(result.commandId ?? '', State.REJECTED, 0, `${result.code}: ${result.reason}`)
      return
    }
    const command = result.command
    this.forgetExpired()
    const known = this.run.get(command.id)
    if (known !== undefined) {
      this.counts.repeated++
      this.options.publishAck(known.lastAck)
      return
    }
    this.run.set(command.id, { lastAck: new Uint8Array(0), forgetAt: command.expiresAtMs + this.options.verifier.maxClockSkewMs })
    this.counts.executed++
    this.ack(command.id, State.ACCEPTED, 0, '')
    this.queue = this.queue.then(async () => await this.execute(command))
  }

  /** Stops: nothing more is published; a command still running stops where it is. */
  close (): void {
    this.closed = true
    for (const [timer, resolve] of this.waits) {
      clearTimeout(timer)
      resolve()
    }
    this.waits.clear()
  }

  private async execute (command: pitwall.v1.Command): Promise<void> {
    const request = command.diagnostic?.udsRequest
    if (request !== undefined && request !== null && request.length > 0) {
      await this.diagnose(command, request)
      return
    }
    const upload = command.diagnostic?.logUpload
    if (upload !== null && upload !== undefined) {
      await this.uploadLog(command, upload)
      return
    }
    if (command.diagnostic !== null && command.diagnostic !== undefined) {
      if (!await this.pause()) return
      this.ack(command.id, State.FAILED, 0, 'the diagnostic request asks for nothing')
      return
    }
    for (const progress of PROGRESS_STEPS) {
      if (!await this.pause()) return
      this.ack(command.id, State.IN_PROGRESS, progress, '')
    }
    if (!await this.pause()) return
    const outcome = this.decide(command)
    if (outcome.ok) this.apply(command)
    this.ack(command.id, outcome.ok ? State.SUCCEEDED : State.FAILED, outcome.ok ? 100 : 0, outcome.detail ?? '')
  }

  /** One request on the bus, then every answer in one final ack, or FAILED when no ECU answered in time. */
  private async diagnose (command: pitwall.v1.Command, request: Uint8Array): Promise<void> {
    const target = command.diagnostic?.target ?? 0
    // a request without a target goes to OBD-II's functional id; without a timeout, the T-box waits as long as the gateway would ask
    const to = target === 0 ? OBD_FUNCTIONAL_TARGET : target
    const timeoutMs = command.diagnostic?.timeoutMs ?? 0
    const started = this.now()
    if (!await this.pause()) return
    // as a T-box waits out an ECU's responsePending (0x7F xx 0x78): only each ECU's final answer goes back
    const heard = this.options.diagnose?.(to, request) ?? []
    const answers: DiagnosticAnswer[] = []
    for (const ecu of new Set(heard.map((a) => a.ecu))) {
      const data = finalResponse(heard.filter((a) => a.ecu === ecu).map((a) => a.data))
      if (data !== undefined) answers.push({ ecu, data })
    }
    const elapsedMs = Math.max(0, this.now() - started)
    if (answers.length === 0) {
      this.ack(command.id, State.FAILED, 0, `no answer from ${canId(to)} within ${timeoutMs === 0 ? DEFAULT_DIAGNOSTIC_TIMEOUT_MS : timeoutMs} ms`)
      return
    }
    const responses = answers.map((a) => this.options.isoTpFrames === true && a.data.length > 7
      ? { ecu: a.ecu, frames: isoTpFrames(a.data), elapsedMs }
      : { ecu: a.ecu, data: a.data, elapsedMs })
    this.ack(command.id, State.SUCCEEDED, 100, `${answers.length} ECU${answers.length === 1 ? '' : 's'} answered`, responses)
  }

  /** IN_PROGRESS while the log goes up, then SUCCEEDED once the gateway holds it all, or FAILED with why. */
  private async uploadLog (command: pitwall.v1.Command, upload: pitwall.v1.ILogUpload): Promise<void> {
    if (!await this.pause()) return
    if (this.options.uploadLog === undefined) {
      this.ack(command.id, State.FAILED, 0, 'this T-box does not upload logs')
      return
    }
    this.ack(command.id, State.IN_PROGRESS, 0, `uploading a ${upload.kind ?? ''} log`)
    let outcome: CommandOutcome
    try {
      outcome = await this.options.uploadLog(upload as pitwall.v1.LogUpload)
    } catch (err) {
      outcome = { ok: false, detail: (err as Error).message }
    }
    this.ack(command.id, outcome.ok ? State.SUCCEEDED : State.FAILED, outcome.ok ? 100 : 0, outcome.detail ?? '')
  }

  private decide (command: pitwall.v1.Command): CommandOutcome {
    // What a T-box checks before it flashes: an update that names no version cannot be installed.
    if (command.ota !== null && command.ota !== undefined && (command.ota.version ?? '') === '') return { ok: false, detail: 'OTA update names no version' }
    const changes = (command.ota !== null && command.ota !== undefined) || (command.action !== null && command.action !== undefined)
    if (changes && failsByShare(command.vin, this.failureShare)) return { ok: false, detail: this.options.failureDetail ?? DEFAULT_FAILURE_DETAIL }
    try {
      return (this.options.outcome ?? succeed)(command)
    } catch (err) {
      return { ok: false, detail: (err as Error).message }
    }
  }

  private apply (command: pitwall.v1.Command): void {
    const fault = command.action?.name === undefined || command.action.name === null ? undefined : this.fixes.get(command.action.name)
    if (fault !== undefined) this.options.onFix?.(fault)
    const version = command.ota?.version
    if (version !== undefined && version !== null && version !== '') this.options.onFirmware?.(version)
  }

  private ack (id: string, state: pitwall.v1.CommandAck.State, progress: number, detail: string, responses: pitwall.v1.IDiagnosticResponse[] = []): void {
    if (this.closed) return
    const payload = pitwall.v1.CommandAck.encode({ id, state, progress, detail, timeMs: this.now(), responses }).finish()
    const known = this.run.get(id)
    if (known !== undefined && state !== State.REJECTED) known.lastAck = payload
    this.options.publishAck(payload)
  }

  /** Waits one step; false once closed. */
  private async pause (): Promise<boolean> {
    if (this.closed) return false
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer)
        resolve()
      }, this.stepMs)
      this.waits.set(timer, resolve)
    })
    return !this.closed
  }

  private forgetExpired (): void {
    const now = this.now()
    for (const [id, entry] of this.run) if (now > entry.forgetAt) this.run.delete(id)
  }
}

function canId (id: number): string {
  return `0x${id.toString(16).toUpperCase()}`
}

/** A message as an ECU puts it on classic CAN (ISO 15765-2): a first frame, then consecutive frames of 7 bytes. */
export function isoTpFrames (data: Uint8Array): Uint8Array[] {
  if (data.length <= 7) return [Uint8Array.of(data.length, ...data)]
  const frames = [Uint8Array.of(0x10 | (data.length >> 8), data.length & 0xff, ...data.subarray(0, 6))]
  for (let at = 6, sn = 1; at < data.length; at += 7, sn = (sn + 1) & 0x0f) frames.push(Uint8Array.of(0x20 | sn, ...data.subarray(at, at + 7)))
  return frames
}

function succeed (): CommandOutcome {
  return { ok: true }
}
