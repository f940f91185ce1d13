/**
 * Types for the parts of aedes-persistence-redis that ship none: its async
 * persistence (the one aedes 1.x takes; the package's main export is the
 * callback adapter), as gateway/broker/shared-state.ts uses it.
 */
declare module 'aedes-persistence-redis/asyncPersistence.js' {
  import type { Redis } from 'ioredis'

  export interface StoredPacket {
    cmd: string
    topic: string
    payload: Buffer
    qos: number
    retain: boolean
    messageId?: number
    /** the broker that published it, and its counter there (aedes-packet) */
    brokerId?: string
    brokerCounter?: number
    /** a will: the client it belongs to */
    clientId?: string
  }

  export interface AsyncRedisPersistenceOptions {
    /** the connection to use (it is used as given: its options, its key prefix) */
    conn?: Redis
    /** most queued packets sent to a resumed session at once */
    maxSessionDelivery?: number
    /** seconds a queued packet is kept; 0: for ever */
    packetTTL?: (packet: StoredPacket) => number
  }

  export default class AsyncRedisPersistence {
    constructor (options?: AsyncRedisPersistenceOptions)
    setup (broker: unknown): Promise<void>
    createRetainedStreamCombi (patterns: string[]): AsyncIterable<StoredPacket>
    /** the one-pattern case of createRetainedStreamCombi (it calls that) */
    createRetainedStream (pattern: string): AsyncIterable<StoredPacket>
    subscriptionsByClient (client: { id: string }): Promise<Array<{ topic: string, qos: number }>>
    outgoingClearMessageId (client: { id: string }, packet: { messageId?: number }): Promise<StoredPacket | undefined>
    putWill (client: { id: string }, packet: StoredPacket): Promise<void>
    delWill (client: { id: string, brokerId: string }): Promise<StoredPacket | null>
  }
}
