/**
 * A vehicle's rule state follows it across nodes: when its session starts
 * on this node (it came from another node, or this one restarted), the
 * engine resumes from the faults storage holds for it (RuleEngine.resume),
 * so a condition that persists is neither a new fault nor a new occurrence.
 *
 * Loaded at CONNECT, before the CONNACK (broker/authenticate.ts): a vehicle
 * cannot publish before it, so the state is in place before the session's
 * first batch, and ingest never waits on a query. Vehicles connecting while
 * a load is in flight are loaded together in the next one (one statement
 * for the burst of reconnections after a node stops), and a load first waits
 * for this node's fault writes in flight, so it sees what this node's
 * engine last raised for the vehicle.
 */
import type { RuleEngine, VehicleInfo } from '../rules/engine.js'
import type { StoredRuleState } from '../rules/model.js'
import type { FaultStore } from '../storage/faults.js'

interface Waiting {
  vehicleId: number
  info: VehicleInfo
  done: () => void
  failed: (err: unknown) => void
}

export class RuleStateResume {
  private waiting: Waiting[] = []
  private loading = false

  constructor (private readonly faults: Pick<FaultStore, 'written' | 'ruleStates'>, private readonly engine: Pick<RuleEngine, 'resume'>) {}

  /** Resolves once the vehicle's rule state is resumed from storage; rejects when storage could not be read. */
  async resume (vehicleId: number, info: VehicleInfo): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.waiting.push({ vehicleId, info, done: resolve, failed: reject })
      this.loadWaiting()
    })
  }

  private loadWaiting (): void {
    if (this.loading || this.waiting.length === 0) return
    const group = this.waiting
    this.waiting = []
    this.loading = true
    this.load(group).then(
      (states) => {
        // all at once, synchronously: no batch is evaluated between a vehicle's read and its resume
        for (const w of group) {
          this.engine.resume(w.vehicleId, w.info, states.get(w.vehicleId) ?? [])
          w.done()
        }
      },
      (err: unknown) => { for (const w of group) w.failed(err) }
    ).finally(() => {
      this.loading = false
      this.loadWaiting()
    })
  }

  private async load (group: readonly Waiting[]): Promise<Map<number, StoredRuleState[]>> {
    await this.faults.written()
    return await this.faults.ruleStates([...new Set(group.map((w) => w.vehicleId))])
  }
}
