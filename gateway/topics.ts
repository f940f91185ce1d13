/**
 * Pitwall's MQTT topic tree. Every vehicle topic lives under v1/{vin}/, and
 * a vehicle may only publish and subscribe beneath its own VIN.
 */
export const TOPIC_VERSION = 'v1'

export const topics = {
  telemetry: (vin: string) => `v1/${vin}/telemetry`,
  status: (vin: string) => `v1/${vin}/status`,
  command: (vin: string) => `v1/${vin}/cmd`,
  commandAck: (vin: string) => `v1/${vin}/cmd/ack`
}

/** True when `topic` (a topic name or filter) lies inside v1/{vin}/. */
export function isOwnTopic (topic: string, vin: string): boolean {
  const prefix = `v1/${vin}/`
  return topic.startsWith(prefix) && topic.length > prefix.length
}

/** VIN syntax per ISO 3779: 17 characters, digits and capitals without I, O and Q. */
export const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/
