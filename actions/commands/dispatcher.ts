/**
 * Delivers queued commands to vehicles and applies their answers.
 *
 * A command goes out when its vehicle is reachable (connected, with a
 * subscription to v1/{vin}/cmd), one per vehicle at a time, oldest first
 * (storage/commands.ts keeps the queue). Each attempt is signed anew with a
 * fresh nonce under the same command id, so a retry is neither refused as a
 * replay nor run twice by the T-box. The command is marked sent before it is
 * published: an ACCEPTED that overtakes the database write would otherwise
 * find it still queued. Unanswered commands are sent again every `retryMs`
 * until they expire; a periodic pass also expires commands and decides
 * remote-fix checks.
 *
 * Several nodes move the same command (queued through one node's API, sent
 * by the node its vehicle is connected to, acknowledged on another after a
 * reconnect), so no decision reads this node's clock: every move is guarded
 * by the state it leaves (model.ts), every time it stores, the expiry it
 * judges and the issue time it signs are the database's, and a timeline is
 * ordered by its entries' ids.
 */
import { PeriodicPass } from '../../runtime/periodic-pass.js'
import type { CommandStore } from '../../storage/commands.js'
import type { FaultStore } from '../../storage/faults.js'
import type { ActionLog } from '../log.js'
import { DEFAULT_FIX_CHECK_WINDOW_MS, type Command } from './model.js'
import { ackMove, commandExpiry, fixCheckRule, isFinal } from './policy.js'
import { newCommand, type CommandSigner } from './signing.js'
import { logUploadOf, parseCommandAck, wireBody, type LogUploadGrant } from './wire.js'

export interface CommandTransport {
  /** vehicles connected to this node and subscribed to their command topic */
  reachable (): ReadonlyMap<number, string>
  /** the vehicle id of `vin` when it is reachable here */
  reachableVin (vin: string): number | undefined
  /** QoS 1 publish to v1/{vin}/cmd; resolves when the broker has taken it */
  publish (vin: string, payload: Uint8Array): Promise<void>
  /**
   * False while the broker could not pass a command on (a node that lost
   * Redis): nothing is marked sent then, and the periodic pass tries again.
   * Absent: always able.
   */
  ready? (): boolean
}

export interface CommandDispatcherOptions {
  store: CommandStore
  /** records each remote fix's check in its fault's timeline */
  faults: Pick<FaultStore, 'recordFixChecks'>
  signer: CommandSigner
  transport: CommandTransport
  log: ActionLog
  /** an unanswered command is sent again after this long; default 30 s */
  retryMs?: number
  /** the periodic pass: expiries, retries, fix checks; default 1 s */
  tickMs?: number
  /** how long after a remote fix succeeded fresh data may take to clear its fault; default 30 min */
  fixCheckWindowMs?: number
  /** a started command without a report from the vehicle for this long fails; default 1 h */
  stallMs?: number
  /** a command reached a final state (campaigns count these) */
  onFinal?: (command: Command) => void
  /**
   * Issues the upload URL and a fresh one-time token for a log-upload
   * command's upload (vehicle_logs `logId`), at each delivery: only the
   * token's hash is stored, so a retry carries a new one. Absent: log-upload
   * commands go out without one, and the T-box cannot upload.
   */
  grantUpload?: (logId: number) => Promise<LogUploadGrant>
}

export class CommandDispatcher {
  private readonly retryMs: number
  private readonly tickMs: number
  private readonly fixCheckWindowMs: number
  /** vehicles with a delivery in flight, and those asked for again meanwhile */
  private readonly delivering = new Set<number>()
  private readonly again = new Set<number>()
  /** per vehicle, the acknowledgement being applied (the next waits for it) */
  private readonly acking = new Map<number, Promise<void>>()
  private readonly passes: PeriodicPass

  constructor (private readonly options: CommandDispatcherOptions) {
    this.retryMs = options.retryMs ?? 30_000
    this.tickMs = options.tickMs ?? 1000
    this.fixCheckWindowMs = options.fixCheckWindowMs ?? DEFAULT_FIX_CHECK_WINDOW_MS
    this.passes = new PeriodicPass(async () => { await this.tick() }, (err) => {
      options.log.error({ err: err.message }, 'command pass failed')
    })
  }

  start (): void {
    this.passes.start(this.tickMs)
  }

  async stop (): Promise<void> {
    await this.passes.stop()
    while (this.delivering.size > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  /** A vehicle became reachable, or got a new command: deliver what is due. */
  notify (vehicleId: number): void {
    if (this.delivering.has(vehicleId)) {
      this.again.add(vehicleId)
      return
    }
    this.delivering.add(vehicleId)
    this.deliver(vehicleId).catch((err: unknown) => {
      this.options.log.error({ vehicleId, err: (err as Error).message }, 'command delivery failed; retried on the next pass')
    }).finally(() => {
      this.delivering.delete(vehicleId)
      if (this.again.delete(vehicleId)) this.notify(vehicleId)
    })
  }

  /**
   * A command for `vin` was queued by any node (an API call, an approval, a
   * campaign wave: the fleet event of its queued state): sent now when the
   * vehicle is connected here, rather than on the next pass, a second away.
   */
  queued (vin: string): void {
    const vehicleId = this.options.transport.reachableVin(vin)
    if (vehicleId !== undefined) this.notify(vehicleId)
  }

  /**
   * Applies a T-box's acknowledgement (before its PUBACK: the state is
   * stored when the vehicle hears back). A final state lets the vehicle's
   * next command go.
   */
  async acknowledge (vehicleId: number, payload: Uint8Array): Promise<Command> {
    const ack = parseCommandAck(payload)
    // aedes authorizes a client's PUBLISHes without waiting for the one
    // before: applied concurrently, a T-box's IN_PROGRESS 100 could reach the
    // database after its SUCCEEDED (and be ignored as backwards). One
    // vehicle's acks are applied in the order they arrived.
    const before = this.acking.get(vehicleId) ?? Promise.resolve()
    const applied = before.then(async () => await this.options.store.applyAck(vehicleId, ack, ackMove(ack.state)))
    const settled = applied.then(() => {}, () => {})
    this.acking.set(vehicleId, settled)
    void settled.then(() => { if (this.acking.get(vehicleId) === settled) this.acking.delete(vehicleId) })
    const { command, changed } = await applied
    if (changed) {
      this.options.log.info({ vin: command.vin, command: command.id, state: command.state, progress: command.progress }, 'command acknowledged')
      if (isFinal(command.state)) {
        this.options.onFinal?.(command)
        this.notify(vehicleId)
      }
    }
    return command
  }

  /** Expiries, retries to reachable vehicles, remote-fix checks. */
  async tick (): Promise<void> {
    const { store, faults, log } = this.options
    for (const c of await store.expireDue(commandExpiry(this.options.stallMs))) {
      if (c.state === 'failed') log.warn({ vin: c.vin, command: c.id, detail: c.detail }, 'command failed: the vehicle stopped reporting on it')
      else log.warn({ vin: c.vin, command: c.id }, 'command expired before the vehicle started it')
      this.options.onFinal?.(c)
    }
    const reachable = this.options.transport.reachable()
    for (const vehicleId of await store.vehiclesWithDue([...reachable.keys()])) this.notify(vehicleId)
    for (const c of await faults.recordFixChecks(store.fixCheckDecision(fixCheckRule(this.fixCheckWindowMs)))) {
      log.info({ vin: c.vin, command: c.id, fault: c.faultId, fixCheck: c.fixCheck }, c.fixCheck === 'confirmed' ? 'remote fix confirmed by fresh data' : 'remote fix not confirmed: the fault did not clear')
    }
  }

  private async deliver (vehicleId: number): Promise<void> {
    const vin = this.options.transport.reachable().get(vehicleId)
    if (vin === undefined) return
    // refused before it is recorded as sent: the timeline says sent only of what left the node
    if (this.options.transport.ready?.() === false) return
    // due and unexpired by the database's clock
    const due = await this.options.store.due(vehicleId)
    if (due === undefined) return
    // before it is marked sent: a grant that cannot be made leaves the command due, not waiting out a retry
    const logId = logUploadOf(due.body)
    const upload = logId === undefined ? undefined : await this.options.grantUpload?.(logId)
    const sent = await this.options.store.markSent(due.id, this.retryMs, this.options.signer.keyId)
    // issued at the database's time of sending, not this node's clock: a node
    // whose clock ran ahead signed commands the T-box refused as not yet valid
    // (and skipped those with less life left than its lead); the expiry is the
    // stored one either way. markSent refuses a command past it, so the life
    // is positive (under 1 ms rounds up: the T-box allows a minute of skew).
    const issuedAtMs = (sent.sentAt as Date).getTime() // set by the statement that returned it
    const ttlMs = Math.max(1, sent.expiresAt.getTime() - issuedAtMs)
    const wire = newCommand({ id: sent.id, vin, now: issuedAtMs, ttlMs, body: wireBody(sent.body, upload) })
    await this.options.transport.publish(vin, this.options.signer.sign(wire))
    this.options.log.info({ vin, command: sent.id, attempt: sent.attempts }, 'command sent')
  }
}
