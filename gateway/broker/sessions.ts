/** What the gateway knows about an authenticated connection. */
import type { Client } from 'aedes'

export interface VehicleSession {
  vin: string
  vehicleId: number
}

const sessions = new WeakMap<Client, VehicleSession>()

export function setSession (client: Client, session: VehicleSession): void {
  sessions.set(client, session)
}

export function sessionOf (client: Client | null): VehicleSession | undefined {
  return client === null ? undefined : sessions.get(client)
}
