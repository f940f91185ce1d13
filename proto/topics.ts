/**
 * Pitwall's MQTT topic tree. Every vehicle topic lives under v1/{vin}/, and
 * a vehicle may only publish and subscribe beneath its own VIN.
 */
export const topics = {
  telemetry: (vin: string) => `v1/${vin}/telemetry`,
  status: (vin: string) => `v1/${vin}/status`,
  command: (vin: string) => `v1/${vin}/cmd`,
  commandAck: (vin: string) => `v1/${vin}/cmd/ack`
}

/** The topics a vehicle may publish to: an allow-list, not a prefix. */
export type PublishTopic = 'telemetry' | 'status' | 'commandAck'

/** Which of its own publish topics `topic` is for the vehicle `vin`, if any. */
export function publishTopicOf (topic: string, vin: string): PublishTopic | undefined {
  if (topic === topics.telemetry(vin)) return 'telemetry'
  if (topic === topics.status(vin)) return 'status'
  if (topic === topics.commandAck(vin)) return 'commandAck'
  return undefined
}

/** True when the subscription filter `filter` lies inside v1/{vin}/. */
export function isOwnFilter (filter: string, vin: string): boolean {
  const prefix = `v1/${vin}/`
  return filter.startsWith(prefix) && filter.length > prefix.length && !filter.includes('\u0000')
}

/** VIN syntax per ISO 3779: 17 characters, digits and capitals without I, O and Q. */
export const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/
