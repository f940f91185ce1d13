/**
 * MQTT over WebSocket: `ws` holds a whole message (all its frames) before
 * handing any of it on, and checks its size against `maxPayload` at each
 * frame header. That limit is one per WebSocketServer, but what a connection
 * may send differs before and after authentication: a stranger may send a
 * CONNECT, an authenticated vehicle a 1 MB batch. So each connection's
 * receiver gets its own limit, small until the broker admits it (issue 16:
 * 300 half-sent 2 MB frames took the RSS from 109 to 700 MB).
 *
 * `ws` has no public setter: its Receiver reads `_maxPayload` at every frame
 * header (ws 8, lib/receiver.js haveLength), so that field is set. The check
 * below fails the first WebSocket connection loudly if a `ws` upgrade moves
 * it, rather than silently leaving the server-wide limit.
 */
import type { WebSocket } from 'ws'
import { PitwallError } from '../../runtime/errors.js'

/** `ws`'s receiver, as far as this module relies on it (a private field of ws 8). */
interface ReceiverLimit { _maxPayload: number }

/** Sets the largest message `ws` will buffer on this connection; larger ones close it with 1009. */
export function limitMessageBytes (ws: WebSocket, bytes: number): void {
  // why unknown: _receiver is private to ws and absent from its types
  const receiver = (ws as unknown as { _receiver?: Partial<ReceiverLimit> | null })._receiver
  if (receiver === undefined || receiver === null || typeof receiver._maxPayload !== 'number') {
    throw new PitwallError('PITWALL_ERR_INTERNAL', 'ws no longer exposes its receiver\'s _maxPayload: the per-connection WebSocket frame limit cannot be set (gateway/broker/websocket-limit.ts)')
  }
  receiver._maxPayload = bytes
}

/**
 * A frame carries what mqtt.js wrote at once, a packet or a few coalesced
 * ones: twice the packet limit, plus the frame's own header.
 */
export function messageLimitFor (packetBytes: number): number {
  return packetBytes * 2 + 16
}
