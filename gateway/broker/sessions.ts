/** What the gateway knows about an authenticated connection. */
import type { Client } from 'aedes'

export interface VehicleSession {
  vin: string
  vehicleId: number
  /** the registered model: rules are scoped by it */
  model?: string | undefined
  /** the firmware stored for the vehicle; ingest updates it when a batch reports another */
  firmware?: string | undefined
}

const sessions = new WeakMap<Client, VehicleSession>()

export function setSession (client: Client, session: VehicleSession): void {
  sessions.set(client, session)
}

/**
 * The newest authenticated connection of each vehicle on one broker,
 * recorded at authentication, which aedes runs before it closes the
 * connection being taken over.
 */
export class LatestConnections {
  private readonly latest = new Map<string, Client>()

  record (client: Client, vin: string): void {
    this.latest.set(vin, client)
  }

  /** Whether the vehicle has a connection on this broker now. */
  has (vin: string): boolean {
    return this.latest.has(vin)
  }

  /**
   * Called when a connection ends; true when it was the vehicle's newest one
   * (the vehicle is now offline), false when a newer connection replaced it.
   */
  end (client: Client, vin: string): boolean {
    if (this.latest.get(vin) !== client) return false
    this.latest.delete(vin)
    return true
  }
}

export function sessionOf (client: Client | null): VehicleSession | undefined {
  return client === null ? undefined : sessions.get(client)
}
