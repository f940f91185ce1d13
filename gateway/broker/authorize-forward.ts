/**
 * Delivery to a vehicle: telemetry flows in only. A T-box subscribed to
 * v1/{vin}/# gets its commands and status but never telemetry echoed back
 * (nor the stand-ins of oversized batches, see packet-limit.ts).
 */
import type { AedesPublishPacket, Client } from 'aedes'

export function authorizeForward (_client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
  return packet.topic.endsWith('/telemetry') ? null : packet
}
