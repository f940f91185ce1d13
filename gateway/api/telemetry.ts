/**
 * A vehicle's telemetry over HTTP (needs registerApiAuth, see ./auth.ts).
 * Engineers and operators read every vehicle, a dealer its own customers'
 * only (another's VIN answers 404, as an unknown one does):
 *
 *   GET /api/v1/vehicles/:vin/state     last known state: every signal's latest value, position, open
 *                                       DTCs, connection, open faults and latest commands (null for a
 *                                       dealer: it sees faults through its alerts, and no commands)
 *   GET /api/v1/vehicles/:vin/signals?signals=a,b&from=&to=&points=
 *                                       history downsampled on the server: per signal, buckets of equal
 *                                       width from `from` (at most `points`, default 1000; from 30 s wide
 *                                       up, whole minutes on a grid of minutes) with min, max, avg and
 *                                       count, as columns (uPlot's shape); default the last hour
 *   GET /api/v1/vehicles/:vin/track?from=&to=&points=   GNSS track, the first fix of each bucket
 *   GET /api/v1/vehicles/:vin/dtcs?from=&to=&limit=     DTC reports, newest first
 *   GET /api/v1/vehicles/:vin/dead-letters?limit=       engineer, operator: payloads refused from it
 *   GET /api/v1/signals                                 the signal catalog, for pickers
 *
 * Times are ISO 8601 with a zone; a range is [from, to), and at most
 * PITWALL_API_MAX_RANGE_DAYS long where its rows are all read (signals,
 * track). The live stream of a vehicle's signals is not here (SSE).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { dtcText, udsDtcText } from '../../decoders/dtc/j2012.js'
import { DTC_STATUS_FLAGS, dtcStatusNames, type DtcStatusFlag } from '../../decoders/dtc/dtc-status.js'
import { ACTIVE_FAULT_STATES } from '../../rules/fault-lifecycle.js'
import { PitwallError } from '../../runtime/errors.js'
import { DEFAULT_API_MAX_RANGE_DAYS } from '../config.js'
import type { CommandStore } from '../../storage/commands.js'
import type { FaultStore } from '../../storage/faults.js'
import type { CatalogSignalRef, SignalBucketColumns, TelemetryStore, TelemetryVehicle, TimeRange } from '../../storage/telemetry.js'
import { principalOf, requireRole } from './auth.js'
import { commandSchema } from './commands.js'
import { faultSchema } from './faults.js'
import { arrayOf, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { badRequest, isoTimeSchema, parseIsoTime, vinOf, vinSchema } from './request-values.js'
import { registerApiScope } from './scope.js'
import { vehicleIdentityProperties } from './vehicles.js'

export interface TelemetryRouteDeps {
  telemetry: TelemetryStore
  faults: Pick<FaultStore, 'list'>
  commands: Pick<CommandStore, 'list'>
  /** the longest range whose rows a request reads in full; default DEFAULT_API_MAX_RANGE_DAYS (../config.ts) */
  maxRangeDays?: number | undefined
}

const DAY_MS = 86_400_000
const DEFAULT_RANGE_MS = 3_600_000
const MAX_SIGNALS = 10
const DEFAULT_POINTS = 1000
const MAX_POINTS = 5000
/** the latest commands the state shows */
const STATE_COMMANDS = 10
const MAX_LIST = 1000

const params = { type: 'object', additionalProperties: false, required: ['vin'], properties: { vin: vinSchema } }
const rangeProperties = { from: isoTimeSchema, to: isoTimeSchema }
const points = { type: 'integer', minimum: 1, maximum: MAX_POINTS }
const limit = { type: 'integer', minimum: 1, maximum: MAX_LIST }
const signalsQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['signals'],
  properties: { signals: { type: 'string', minLength: 1, maxLength: 4000 }, ...rangeProperties, points }
}
const trackQuery = { type: 'object', additionalProperties: false, properties: { ...rangeProperties, points } }
const dtcQuery = { type: 'object', additionalProperties: false, properties: { ...rangeProperties, limit } }
const limitQuery = { type: 'object', additionalProperties: false, properties: { limit } }

interface RangeQuery { from?: string, to?: string }

const numbers = arrayOf(out.number)
const catalogSignalSchema = objectOf({ id: out.integer, name: out.text, unit: out.text })
const dtcProperties = {
  /** the ECU's address, e.g. 0x7E8 */
  ecu: out.integer,
  /** the 3-byte UDS DTC */
  dtc: out.integer,
  /** SAE J2012, e.g. P0217 */
  code: out.text,
  /** with the failure type byte (J2012-DA), e.g. P0217-00 */
  text: out.text,
  /** ISO 14229-1 D.2 status byte */
  status: out.integer,
  /** the names of its bits that are set */
  statusText: arrayOf(oneOfTexts(DTC_STATUS_FLAGS))
}
const stateAnswer = objectOf({
  ...vehicleIdentityProperties,
  connection: objectOf({ online: out.boolean, since: orNull(out.time), node: orNull(out.text) }),
  signals: arrayOf(objectOf({ id: out.integer, name: out.text, unit: out.text, value: out.number, time: out.time })),
  position: orNull(objectOf({ time: out.time, lat: out.number, lon: out.number, speedMps: orNull(out.number), headingDeg: orNull(out.number) })),
  dtcs: arrayOf(objectOf({ ...dtcProperties, firstSeen: out.time, lastSeen: out.time })),
  // null: the caller is a dealer, which sees faults through its alerts and no commands
  faults: orNull(arrayOf(faultSchema)),
  commands: orNull(arrayOf(commandSchema))
})
const historyAnswer = objectOf({
  from: out.time,
  to: out.time,
  bucketMs: out.integer,
  series: arrayOf(objectOf({ signal: out.text, unit: out.text, t: numbers, min: numbers, max: numbers, avg: numbers, count: arrayOf(out.integer) }))
})
const trackAnswer = objectOf({ from: out.time, to: out.time, bucketMs: out.integer, t: numbers, lat: numbers, lon: numbers, speedMps: arrayOf(orNull(out.number)) })
const dtcsAnswer = objectOf({ dtcs: arrayOf(objectOf({ time: out.time, ...dtcProperties })) })
const deadLettersAnswer = objectOf({
  deadLetters: arrayOf(objectOf({ id: out.integer, receivedAt: out.time, topic: out.text, reasonCode: out.text, reason: out.text, payloadSize: out.integer }))
})
const catalogAnswer = objectOf({ signals: arrayOf(catalogSignalSchema) })
const tags = ['telemetry']

export function registerTelemetryRoutes (app: FastifyInstance, deps: TelemetryRouteDeps): void {
  const { telemetry, faults, commands } = deps
  const maxRangeMs = (deps.maxRangeDays ?? DEFAULT_API_MAX_RANGE_DAYS) * DAY_MS
  const anyRole = requireRole('engineer', 'operator', 'dealer')
  const readers = requireRole('engineer', 'operator')

  /** The vehicle in the path, as the caller may see it (a dealer: its own customers' only). */
  async function vehicleOf (request: FastifyRequest<{ Params: { vin: string } }>): Promise<TelemetryVehicle> {
    const caller = principalOf(request)
    // a dealer token always has its dealer (api_tokens checks it)
    return await telemetry.vehicle(vinOf(request.params.vin, 'params.vin'), caller.role === 'dealer' ? caller.dealerId as string : undefined)
  }

  /** [from, to) of the query: default the last hour, refused when reversed or longer than the setting. */
  function rangeOf (query: RangeQuery): TimeRange {
    const to = query.to === undefined ? new Date() : parseIsoTime(query.to, 'querystring.to')
    const from = query.from === undefined ? new Date(to.getTime() - DEFAULT_RANGE_MS) : parseIsoTime(query.from, 'querystring.from')
    if (from.getTime() >= to.getTime()) {
      throw badRequest(`querystring.from ${from.toISOString()} is not before querystring.to ${to.toISOString()}`)
    }
    if (to.getTime() - from.getTime() > maxRangeMs) {
      throw badRequest(`querystring.from ${from.toISOString()} to ${to.toISOString()} spans ${((to.getTime() - from.getTime()) / DAY_MS).toFixed(1)} days; ` +
        `at most ${maxRangeMs / DAY_MS} days at once (PITWALL_API_MAX_RANGE_DAYS)`)
    }
    return { from, to }
  }

  registerApiScope(app, 'telemetry', (scope) => {
    scope.get<{ Params: { vin: string } }>('/api/v1/vehicles/:vin/state', {
      preValidation: anyRole,
      schema: { summary: 'A vehicle\'s last known state', tags, params, response: { 200: stateAnswer } }
    }, async (request) => {
      const vehicle = await vehicleOf(request)
      const { vehicleId, vin } = vehicle
      const staff = principalOf(request).role !== 'dealer'
      const [signals, position, dtcs, openFaults, latestCommands] = await Promise.all([
        telemetry.latestSignals(vehicleId),
        telemetry.position(vehicleId),
        telemetry.openDtcs(vehicleId),
        staff ? faults.list({ vin, state: ACTIVE_FAULT_STATES }) : null,
        staff ? commands.list({ vin, limit: STATE_COMMANDS }) : null
      ])
      return {
        vin,
        model: vehicle.model,
        firmware: vehicle.firmware,
        brand: vehicle.brand,
        dealerId: vehicle.dealerId,
        lastSeenAt: vehicle.lastSeenAt,
        connection: { online: vehicle.connected, since: vehicle.connectionChangedAt, node: vehicle.connectedNode },
        signals,
        position,
        dtcs: dtcs.map((d) => ({ ...describeDtc(d), firstSeen: d.firstSeen, lastSeen: d.lastSeen })),
        faults: openFaults,
        commands: latestCommands
      }
    })

    scope.get<{ Params: { vin: string }, Querystring: RangeQuery & { signals: string, points?: number } }>('/api/v1/vehicles/:vin/signals', {
      preValidation: anyRole,
      schema: { summary: 'Signal history, downsampled into buckets', tags, params, querystring: signalsQuery, response: { 200: historyAnswer } }
    }, async (request, reply) => {
      const names = [...new Set(request.query.signals.split(',').map((s) => s.trim()).filter((s) => s !== ''))]
      if (names.length === 0) throw badRequest('querystring.signals names no signal; give catalog names separated by commas (GET /api/v1/signals lists them)')
      if (names.length > MAX_SIGNALS) throw badRequest(`querystring.signals names ${names.length} signals; at most ${MAX_SIGNALS} at once`)
      const range = rangeOf(request.query)
      const vehicle = await vehicleOf(request)
      const catalog = await telemetry.signalsByName(names)
      const unknown = names.filter((n) => !catalog.has(n))
      if (unknown.length > 0) {
        throw new PitwallError('PITWALL_ERR_SIGNAL_UNKNOWN', `querystring.signals: ${unknown.map((n) => JSON.stringify(n)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the signal catalog (GET /api/v1/signals lists it)`)
      }
      const signals = names.map((n) => catalog.get(n) as CatalogSignalRef)
      const bucketMs = historyBucketWidth(range, request.query.points ?? DEFAULT_POINTS)
      const buckets = new Map((await telemetry.signalBuckets(vehicle.vehicleId, signals.map((s) => s.id), range, bucketMs)).map((b) => [b.signalId, b.columnsJson]))
      // JSON text with a JSON content type: Fastify sends it as it is, without the response schema's serializer
      return await reply.type('application/json; charset=utf-8').send(historyJson(range, bucketMs, signals, buckets))
    })

    scope.get<{ Params: { vin: string }, Querystring: RangeQuery & { points?: number } }>('/api/v1/vehicles/:vin/track', {
      preValidation: anyRole,
      schema: { summary: 'GNSS track, downsampled', tags, params, querystring: trackQuery, response: { 200: trackAnswer } }
    }, async (request) => {
      const range = rangeOf(request.query)
      const vehicle = await vehicleOf(request)
      const bucketMs = bucketWidth(range, request.query.points ?? DEFAULT_POINTS)
      return { from: range.from, to: range.to, bucketMs, ...await telemetry.track(vehicle.vehicleId, range, bucketMs) }
    })

    scope.get<{ Params: { vin: string }, Querystring: RangeQuery & { limit?: number } }>('/api/v1/vehicles/:vin/dtcs', {
      preValidation: anyRole,
      schema: { summary: 'DTC reports, newest first', tags, params, querystring: dtcQuery, response: { 200: dtcsAnswer } }
    }, async (request) => {
      const { from, to, limit } = request.query
      // no longest range: newest first with a limit reads at most `limit` rows
      const range = { from: from === undefined ? undefined : parseIsoTime(from, 'querystring.from'), to: to === undefined ? undefined : parseIsoTime(to, 'querystring.to') }
      if (range.from !== undefined && range.to !== undefined && range.from.getTime() >= range.to.getTime()) {
        throw badRequest(`querystring.from ${range.from.toISOString()} is not before querystring.to ${range.to.toISOString()}`)
      }
      const vehicle = await vehicleOf(request)
      const reports = await telemetry.dtcHistory(vehicle.vehicleId, range, limit ?? 100)
      return { dtcs: reports.map((r) => ({ time: r.time, ...describeDtc(r) })) }
    })

    scope.get<{ Params: { vin: string }, Querystring: { limit?: number } }>('/api/v1/vehicles/:vin/dead-letters', {
      preValidation: readers,
      schema: { summary: 'Ingest dead letters of a vehicle, newest first', tags, params, querystring: limitQuery, response: { 200: deadLettersAnswer } }
    }, async (request) => {
      const vehicle = await vehicleOf(request)
      return { deadLetters: await telemetry.deadLetters(vehicle.vin, request.query.limit ?? 100) }
    })

    scope.get('/api/v1/signals', {
      preValidation: anyRole,
      schema: { summary: 'The signal catalog, by name', tags, response: { 200: catalogAnswer } }
    }, async () => ({ signals: await telemetry.catalog() }))
  })
}

/** The narrowest whole-millisecond width that fits the range into `points` buckets. */
function bucketWidth (range: TimeRange, points: number): number {
  return Math.max(1, Math.ceil((range.to.getTime() - range.from.getTime()) / points))
}

const MINUTE_MS = 60_000

const NO_BUCKETS = JSON.stringify({ t: [], min: [], max: [], avg: [], count: [] } satisfies SignalBucketColumns)

/**
 * The history answer (historyAnswer) as JSON text around each signal's
 * columns as the database wrote them (storage/telemetry.ts SignalBuckets):
 * the columns are most of its bytes, and a parse and a serialization of
 * them would cost more than the query.
 */
function historyJson (range: TimeRange, bucketMs: number, signals: readonly CatalogSignalRef[], columns: ReadonlyMap<number, string>): string {
  const series = signals.map((s) => {
    const json = columns.get(s.id) ?? NO_BUCKETS
    // '{"signal":…,"unit":…,' then the columns object without its opening brace
    return `{"signal":${JSON.stringify(s.name)},"unit":${JSON.stringify(s.unit)},${json.slice(json.indexOf('{') + 1)}`
  })
  return `{"from":${JSON.stringify(range.from)},"to":${JSON.stringify(range.to)},"bucketMs":${bucketMs},"series":[${series.join(',')}]}`
}

/**
 * A history's bucket width: from half a minute up, rounded up to whole
 * minutes, which the per-minute rollup answers (storage/telemetry.ts): fewer
 * points than asked, never fewer than half as many; 24 h into 2,000 points
 * is 1,440 buckets of a minute.
 */
function historyBucketWidth (range: TimeRange, points: number): number {
  const width = bucketWidth(range, points)
  return width >= MINUTE_MS / 2 ? Math.ceil(width / MINUTE_MS) * MINUTE_MS : width
}

/** A stored DTC as people read it: SAE J2012 code and text, the status byte's flags. */
function describeDtc (d: { ecu: number, dtc: number, status: number }): { ecu: number, dtc: number, code: string, text: string, status: number, statusText: DtcStatusFlag[] } {
  // dtc_events keeps the 3-byte UDS DTC: the J2012 code is its upper two bytes
  return { ecu: d.ecu, dtc: d.dtc, code: dtcText(d.dtc >> 8), text: udsDtcText(d.dtc), status: d.status, statusText: dtcStatusNames(d.status) }
}
