/**
 * Vehicles for the fault-injection scenarios, as T-boxes behave: real
 * mqtt.js clients with persistent sessions (clean session off) that
 * reconnect on their own, each publishing a batch on its schedule with at
 * most `window` unacknowledged; what falls due with the window full waits
 * on the vehicle. mqtt.js resends unacknowledged QoS 1 publishes after a
 * reconnect, as a T-box's store-and-forward does. Every PUBACK's seq is
 * kept, so the scenario can look up each acknowledged batch in the
 * database afterwards.
 *
 * With `commandKeys`, each vehicle subscribes to its command topic and
 * runs what arrives as the simulated T-box does (sim/command-executor.ts:
 * verified, run once per command id, a repeat answered with the latest
 * ack), and every delivery is counted by command id, so the scenario can
 * say which commands reached a vehicle more than once and that none ran
 * twice.
 */
import type { KeyObject } from 'node:crypto'
import mqtt from 'mqtt'
import { CommandVerifier } from '../../actions/commands/signing.js'
import { pitwall } from '../../proto/index.js'
import { topics } from '../../proto/topics.js'
import { CommandExecutor } from '../../sim/command-executor.js'
import type { VehicleCredential } from '../../sim/credentials.js'

export interface FleetPlan {
  /** batches per second per vehicle */
  ratePerS: number
  /** most unacknowledged batches per vehicle */
  window: number
  /** the gateways' command keys (key id → public key): vehicles take and run commands */
  commandKeys?: ReadonlyMap<string, KeyObject>
  /** more of a batch than its one OBD-II sample (a position, a signal), by the vehicle's index in the fleet */
  extra?: (vehicle: number, seq: number) => pitwall.v1.ITelemetryBatch
}

/** Time between a command's acks on the vehicles: short, so a scenario's commands finish within it. */
const COMMAND_STEP_MS = 20

interface Vehicle {
  vin: string
  client: mqtt.MqttClient
  nextSeq: number
  inflight: number
  /** batches due and not yet sent (the window was full) */
  waiting: number
  acked: Set<number>
  lastAckAt: number
  executor: CommandExecutor | undefined
}

/** One command as its vehicle saw it. */
export interface CommandSeen {
  /** messages received with its id, repeats (a retry under the same id) included */
  deliveries: number
  /** times the vehicle ran it: 1, as a repeat is answered with the latest ack */
  runs: number
}

/** Base times start an hour back and advance one second per seq: every batch of a vehicle has its own time. */
const epochUs = (Date.now() - 3_600_000) * 1000

/**
 * A small batch: one OBD-II engine-speed response, so each stored batch
 * has exactly one decoded sample, at a time of its own (a doubled
 * projection shows as two samples at one time).
 */
function batchOf (vin: string, seq: number, extra: pitwall.v1.ITelemetryBatch | undefined): Buffer {
  return Buffer.from(pitwall.v1.TelemetryBatch.encode({
    ...extra,
    vin,
    seq,
    baseTimeUs: epochUs + seq * 1_000_000,
    firmware: 'tbox-1.0.0',
    obd: [{ dtUs: 0, mode: 0x01, pid: 0x0c, data: new Uint8Array([0x1c, 0x20]), ecu: 0x7e8 }]
  }).finish())
}

/** The command id a SignedCommand carries; undefined when it does not decode. */
function commandIdOf (payload: Uint8Array): string | undefined {
  try {
    return pitwall.v1.Command.decode(pitwall.v1.SignedCommand.decode(payload).command).id
  } catch {
    return undefined
  }
}

export class ReliabilityFleet {
  private readonly vehicles: Vehicle[] = []
  private timer: NodeJS.Timeout | undefined
  /** PUBACKs received, all vehicles */
  acks = 0
  /** the longest any one vehicle went without a PUBACK while it had batches out (ms) */
  longestGapMs = 0
  /** command id → what its vehicle saw of it */
  private readonly commandsSeen = new Map<string, CommandSeen>()

  private constructor (private readonly plan: FleetPlan) {}

  /** Connects every vehicle to `ports` on loopback (a vehicle moves to the next one when its connection is lost). */
  static async connect (credentials: readonly VehicleCredential[], ports: readonly number[], plan: FleetPlan): Promise<ReliabilityFleet> {
    const fleet = new ReliabilityFleet(plan)
    await Promise.all(credentials.map(async ({ vin, secret }, i) => {
      // each vehicle starts on its own node, round robin, as a load balancer spreads them
      const servers = ports.map((_, k) => ({ host: '127.0.0.1', port: ports[(i + k) % ports.length] as number }))
      const client = await mqtt.connectAsync({
        servers,
        protocolVersion: 4,
        clientId: vin,
        username: vin,
        password: secret,
        clean: false,
        keepalive: 30,
        reconnectPeriod: 250,
        // as a T-box: a CONNACK refusing it (server unavailable, while the database is away) is
        // retried too; mqtt.js 5 stops after the first unless told, stranding what it had in flight
        reconnectOnConnackError: true,
        connectTimeout: 5_000
      })
      client.on('error', () => {}) // a refused or lost connection: mqtt.js reconnects
      const executor = plan.commandKeys === undefined ? undefined : fleet.takeCommands(vin, client, plan.commandKeys)
      if (executor !== undefined) await client.subscribeAsync(topics.command(vin), { qos: 1 })
      fleet.vehicles[i] = { vin, client, nextSeq: 1, inflight: 0, waiting: 0, acked: new Set(), lastAckAt: 0, executor }
    }))
    return fleet
  }

  /** Runs what arrives on `vin`'s command topic, as the simulated T-box does, counting deliveries by command id. */
  private takeCommands (vin: string, client: mqtt.MqttClient, trustedKeys: ReadonlyMap<string, KeyObject>): CommandExecutor {
    const executor = new CommandExecutor({
      verifier: new CommandVerifier({ vin, trustedKeys }),
      publishAck: (ack) => { client.publish(topics.commandAck(vin), Buffer.from(ack), { qos: 1 }) },
      stepMs: COMMAND_STEP_MS,
      outcome: (command) => {
        this.seen(command.id).runs++
        return { ok: true }
      }
    })
    client.on('message', (topic, payload) => {
      if (topic !== topics.command(vin)) return
      const id = commandIdOf(payload)
      if (id !== undefined) this.seen(id).deliveries++
      executor.handle(payload)
    })
    return executor
  }

  /** Starts publishing on schedule; each vehicle's batches fall due ratePerS times a second. */
  start (): void {
    const tickMs = 1000 / this.plan.ratePerS
    this.timer = setInterval(() => {
      this.vehicles.forEach((v, i) => {
        v.waiting++
        this.pump(v, i)
      })
    }, tickMs)
  }

  /** Stops making new batches; what is due or unacknowledged still goes. */
  stopPublishing (): void {
    clearInterval(this.timer)
  }

  private pump (v: Vehicle, index: number): void {
    while (v.waiting > 0 && v.inflight < this.plan.window) {
      v.waiting--
      v.inflight++
      const seq = v.nextSeq++
      v.client.publish(topics.telemetry(v.vin), batchOf(v.vin, seq, this.plan.extra?.(index, seq)), { qos: 1 }, (err) => {
        v.inflight--
        if (err === undefined || err === null) {
          v.acked.add(seq)
          this.acks++
          const now = performance.now()
          if (v.lastAckAt > 0) this.longestGapMs = Math.max(this.longestGapMs, now - v.lastAckAt)
          v.lastAckAt = now
        }
        this.pump(v, index)
      })
    }
  }

  /** Batches made so far (sent, or waiting on the vehicle). */
  get made (): number {
    return this.vehicles.reduce((n, v) => n + v.nextSeq - 1 + v.waiting, 0)
  }

  /** Batches made and not acknowledged yet. */
  get unacknowledged (): number {
    return this.made - this.acks
  }

  /** Waits until every batch made is acknowledged, at most `timeoutMs`; true when none is left. */
  async drained (timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs
    while (this.unacknowledged > 0) {
      if (performance.now() > deadline) return false
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return true
  }

  /** The fleet's VINs, in the order of the credentials it connected with. */
  get vins (): string[] {
    return this.vehicles.map((v) => v.vin)
  }

  private seen (id: string): CommandSeen {
    let seen = this.commandsSeen.get(id)
    if (seen === undefined) this.commandsSeen.set(id, seen = { deliveries: 0, runs: 0 })
    return seen
  }

  /** What the vehicles saw of their commands so far, by command id. */
  commands (): ReadonlyMap<string, CommandSeen> {
    return this.commandsSeen
  }

  /** Acknowledged seqs by VIN. */
  acknowledged (): Map<string, Set<number>> {
    return new Map(this.vehicles.map((v) => [v.vin, v.acked]))
  }

  async close (): Promise<void> {
    this.stopPublishing()
    for (const v of this.vehicles) v.executor?.close()
    await Promise.all(this.vehicles.map(async (v) => { await v.client.endAsync(true).catch(() => {}) }))
  }
}
