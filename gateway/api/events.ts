/**
 * Live views over Server-Sent Events (needs registerApiAuth, see ./auth.ts;
 * the design across gateway nodes is in ../events/hub.ts):
 *
 *   GET /api/v1/events                          fleet events as they commit, on any node or from the CLI:
 *                                               `fault` (opened, reoccurred, cleared, acknowledged, resolved, …),
 *                                               `command` (each state and progress), `alert` (dealer alert status),
 *                                               `vehicle` (online/offline); `resync` when events may have been
 *                                               missed (reload the lists). Engineers and operators get every event,
 *                                               a dealer its own alerts and its own customers' online/offline.
 *   GET /api/v1/vehicles/:vin/live?intervalMs=  one vehicle's latest decoded signals (`signals`), at most every
 *                                               intervalMs (default 1000, 250..10000), and its
 *                                               `connection` (where it is connected) first and at each change;
 *                                               a dealer: its own customers' vehicles only (else 404)
 *
 * Each event's data is one line of JSON, small: ids, VIN, state, time; the
 * client reads the details from the other routes. A stream sends `retry:`
 * first and a comment every 15 s. A client reconnecting with Last-Event-ID
 * gets `resync` first: events are not kept for replay.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { PitwallError } from '../../runtime/errors.js'
import type { VehicleStore } from '../../storage/vehicles.js'
import type { EventHub } from '../events/hub.js'
import { visibleTo } from '../events/model.js'
import type { SseStream } from '../events/sse.js'
import { principalOf, requireRole } from './auth.js'
import { vinOf, vinSchema } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface EventRouteDeps {
  hub: Pick<EventHub, 'openStream' | 'fleet' | 'live' | 'streams'>
  vehicles: Pick<VehicleStore, 'connectionState'>
}

const LIVE_INTERVAL_MS = { default: 1000, min: 250, max: 10_000 } as const

// the stream is piped, never serialized: this describes it for the OpenAPI document
const eventStream = {
  description: 'a stream of Server-Sent Events: `event:`, `id:` and one line of JSON in `data:` per event',
  content: { 'text/event-stream': { schema: { type: 'string' } } }
}
const noQuery = { type: 'object', additionalProperties: false, properties: {} }
const liveParams = { type: 'object', additionalProperties: false, required: ['vin'], properties: { vin: vinSchema } }
const liveQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { intervalMs: { type: 'integer', minimum: LIVE_INTERVAL_MS.min, maximum: LIVE_INTERVAL_MS.max } }
}

/** Hands the stream to the reply, with the headers an event stream needs. */
async function sendStream (reply: FastifyReply, stream: SseStream): Promise<FastifyReply> {
  return await reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    // nginx would hold the events back until its buffer fills
    .header('x-accel-buffering', 'no')
    .send(stream.body)
}

export function registerEventRoutes (app: FastifyInstance, deps: EventRouteDeps): void {
  const { hub, vehicles } = deps
  const anyRole = requireRole('engineer', 'operator', 'dealer')

  registerApiScope(app, 'events', (scope) => {
    // open streams would keep the HTTP server from closing
    scope.addHook('preClose', async () => { hub.streams.closeAll() })

    scope.get('/api/v1/events', {
      preValidation: anyRole,
      schema: { summary: 'Fleet events as Server-Sent Events', tags: ['events'], querystring: noQuery, response: { 200: eventStream } }
    }, async (request, reply) => {
      const caller = principalOf(request)
      const stream = hub.openStream(caller, reply.raw, 'events')
      if (request.headers['last-event-id'] !== undefined) stream.send('resync', { reason: 'reconnected: events are not replayed' })
      stream.onClose(hub.fleet.subscribe((message) => {
        if (message.type === 'resync') stream.send('resync', { reason: 'events may have been missed' }, message.id)
        else if (visibleTo(message.event, caller)) stream.send(message.event.kind, message.event, message.id)
      }))
      return await sendStream(reply, stream)
    })

    scope.get<{ Params: { vin: string }, Querystring: { intervalMs?: number } }>('/api/v1/vehicles/:vin/live', {
      preValidation: anyRole,
      schema: { summary: 'A vehicle\'s latest decoded signals as Server-Sent Events', tags: ['events'], params: liveParams, querystring: liveQuery, response: { 200: eventStream } }
    }, async (request, reply) => {
      const caller = principalOf(request)
      const vin = vinOf(request.params.vin, 'params.vin')
      // a dealer token always has its dealer (api_tokens checks it)
      const dealerId = caller.role === 'dealer' ? caller.dealerId as string : undefined
      const state = await vehicles.connectionState(vin, dealerId)
      if (state === undefined) {
        throw new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', dealerId === undefined
          ? `no vehicle ${vin} (GET /api/v1/vehicles lists them)`
          : `dealer ${dealerId} has no vehicle ${vin}`)
      }
      const stream = hub.openStream(caller, reply.raw, 'live')
      stream.send('connection', { vin, connected: state.connected, node: state.node, since: state.changedAt?.toISOString() ?? null })
      // and again whenever it connects or goes offline, on whichever node
      stream.onClose(hub.fleet.subscribe((message) => {
        if (message.type !== 'event' || message.event.kind !== 'vehicle' || message.event.vin !== vin) return
        const { connected, node, time } = message.event
        stream.send('connection', { vin, connected, node: connected ? node : null, since: time }, message.id)
      }))
      stream.onClose(hub.live.watch(vin, request.query.intervalMs ?? LIVE_INTERVAL_MS.default, (signals) => {
        stream.send('signals', { vin, signals })
      }))
      return await sendStream(reply, stream)
    })
  })
}
