/**
 * Commands from the gateway to its vehicles through the embedded broker.
 *
 * A vehicle is reachable while its newest connection holds a subscription
 * covering v1/{vin}/cmd: one it sent now (SUBSCRIBE), or one its persistent
 * session kept from before (read from aedes' persistence when it connects,
 * as a T-box resuming a session does not subscribe again). Publishing to an
 * unreachable vehicle would be dropped by aedes (no subscriber) or queued in
 * broker memory; the dispatcher waits instead and sends when it can.
 */
import type { Aedes, Client, Subscription } from 'aedes'
import type { CommandTransport } from '../../actions/commands/dispatcher.js'
import type { SharedBrokerState } from './shared-state.js'
import { topics } from '../../proto/topics.js'
import { sessionOf } from './sessions.js'

/** True when MQTT filter `filter` matches `topic` (`+` one level, `#` the rest). */
export function filterMatches (filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}

interface Reachable { vin: string, client: Client, filters: Set<string> }

/** SUBACK return code of a refused filter */
const REFUSED = 0x80

interface SubscriptionLookup {
  subscriptionsByClient: (client: { id: string }) => Promise<Array<{ topic: string }>>
}

export class BrokerCommandTransport implements CommandTransport {
  private readonly vehicles = new Map<number, Reachable>()
  private readonly view = new Map<number, string>()
  private readonly byVin = new Map<string, number>()

  /**
   * `onReachable` runs when a vehicle becomes able to receive commands;
   * `shared`: the cluster's broker state, without which a command cannot be
   * passed on (each refusal counted as a refused publish).
   */
  constructor (private readonly aedes: Aedes, onReachable: (vehicleId: number) => void, private readonly shared?: Pick<SharedBrokerState, 'available' | 'refused'>) {
    const update = (client: Client, change: (filters: Set<string>) => void): void => {
      const session = sessionOf(client)
      if (session === undefined) return
      const entry = this.vehicles.get(session.vehicleId)
      const current = entry?.client === client ? entry : { vin: session.vin, client, filters: new Set<string>() }
      const before = this.covers(current)
      change(current.filters)
      this.vehicles.set(session.vehicleId, current)
      const after = this.covers(current)
      if (after) {
        this.view.set(session.vehicleId, session.vin)
        this.byVin.set(session.vin, session.vehicleId)
      } else {
        this.view.delete(session.vehicleId)
        this.byVin.delete(session.vin)
      }
      if (after && !before) onReachable(session.vehicleId)
    }
    aedes.on('subscribe', (subs: Subscription[], client: Client) => {
      // aedes reports refused filters too, their qos set to the SUBACK code
      // 0x80 [MQTT-3.9.3] (its typings allow only 0-2): the vehicle holds no
      // such subscription, and commands sent for it would reach nobody
      update(client, (filters) => { for (const s of subs) if ((s.qos as number) !== REFUSED) filters.add(s.topic) })
    })
    aedes.on('unsubscribe', (unsubs: string[], client: Client) => {
      update(client, (filters) => { for (const u of unsubs) filters.delete(u) })
    })
    aedes.on('clientReady', (client: Client) => {
      // A resumed persistent session gets its subscriptions back without a
      // SUBSCRIBE (and aedes emits no 'subscribe' for them): read them from
      // the persistence. Its typings say `any`; this is the aedes-persistence
      // (promise) API aedes itself calls on CONNECT.
      const persistence = (aedes as unknown as { persistence: SubscriptionLookup }).persistence
      persistence.subscriptionsByClient({ id: client.id }).then((subs) => {
        if (subs.length === 0) return
        update(client, (filters) => { for (const s of subs) filters.add(s.topic) })
      }, () => {})
    })
    aedes.on('clientDisconnect', (client: Client) => {
      const session = sessionOf(client)
      if (session === undefined || this.vehicles.get(session.vehicleId)?.client !== client) return
      this.vehicles.delete(session.vehicleId)
      this.view.delete(session.vehicleId)
      this.byVin.delete(session.vin)
    })
  }

  reachable (): ReadonlyMap<number, string> {
    return this.view
  }

  reachableVin (vin: string): number | undefined {
    return this.byVin.get(vin)
  }

  ready (): boolean {
    if (this.shared === undefined || this.shared.available) return true
    this.shared.refused('publish')
    return false
  }

  async publish (vin: string, payload: Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.aedes.publish({
        cmd: 'publish',
        topic: topics.command(vin),
        payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        qos: 1,
        retain: false,
        dup: false
      }, (err?: Error) => { if (err === undefined || err === null) resolve(); else reject(err) })
    })
  }

  private covers (entry: Reachable): boolean {
    const topic = topics.command(entry.vin)
    for (const f of entry.filters) if (filterMatches(f, topic)) return true
    return false
  }
}
