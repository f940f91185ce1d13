/**
 * The registered vehicles over HTTP (needs registerApiAuth, see ./auth.ts):
 *
 *   GET /api/v1/vehicles?q=&model=&firmware=&fault=open|none&online=true|false&dealer=&limit=&after=
 *       engineer, operator: every vehicle, or one dealer's; dealer: the vehicles it looks after (its
 *       own customers). A page by VIN: { vehicles, total, nextAfter }, `total` counting every vehicle
 *       the filters match and `nextAfter` the `after` of the next page (null: the last one).
 *       q: a substring of the VIN or model, any case; fault: with a fault open or acknowledged, or
 *       without; online: connected to a gateway node now; limit: default 100, at most 1000.
 *   GET /api/v1/vehicles/positions?bbox=west,south,east,north&q=&model=&firmware=&fault=&online=&dealer=&limit=
 *       the same callers and filters: each vehicle's last GNSS fix, for the console's map, as
 *       columns (vin[i], lat[i], lon[i], t[i], online[i], openFaults[i] are one vehicle), by VIN;
 *       vehicles without a fix are left out. bbox in degrees, GeoJSON's order (RFC 7946 §5; a west
 *       edge east of the east edge crosses the antimeridian). At most `limit` (default and most
 *       MAX_POSITIONS), the first by VIN; `truncated` says more matched.
 *
 * Each with model, firmware (as last reported), brand, own dealer, when it
 * was last seen, its decoder manifest, whether it is online and how many
 * faults it has open: what an engineer needs to pick a campaign's cohort or
 * a command's VIN, and the console's fleet list. A vehicle's telemetry is in
 * ./telemetry.ts; its own dealer and services are with the dealer routes
 * (./dealers.ts, ./inbox.ts).
 */
import type { FastifyInstance } from 'fastify'
import type { DealerStore } from '../../storage/dealers.js'
import type { GeoBox, VehicleStore } from '../../storage/vehicles.js'
import { requireRole } from './auth.js'
import { dealerOf, ownDealerOnly } from './dealer-scope.js'
import { arrayOf, objectOf, orNull, out } from './openapi.js'
import { badRequest, vinOf, vinSchema } from './request-values.js'
import { registerApiScope } from './scope.js'

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000
/** the most positions one answer holds: a fleet of 10,000 on one map, ~680 KiB of JSON (measured in docs/ARCHITECTURE.md) */
const MAX_POSITIONS = 10_000

const filterText = { type: 'string', minLength: 1, maxLength: 100 }
const filterProperties = {
  dealer: { type: 'string', minLength: 1, maxLength: 64 },
  q: filterText,
  model: filterText,
  firmware: filterText,
  fault: { enum: ['open', 'none'] },
  online: { type: 'boolean' }
}
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...filterProperties, limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT }, after: vinSchema }
}
const positionsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...filterProperties, bbox: { type: 'string', minLength: 1, maxLength: 200 }, limit: { type: 'integer', minimum: 1, maximum: MAX_POSITIONS } }
}

/** What every answer about one vehicle starts with: the fleet list's rows and a vehicle's state (./telemetry.ts). */
export const vehicleIdentityProperties = {
  vin: out.text,
  model: orNull(out.text),
  firmware: orNull(out.text),
  brand: orNull(out.text),
  dealerId: orNull(out.text),
  lastSeenAt: orNull(out.time)
}

const vehicleSchema = objectOf({
  ...vehicleIdentityProperties,
  manifest: orNull(objectOf({ id: out.integer, version: out.integer })),
  online: out.boolean,
  openFaults: out.integer
})
const pageAnswer = objectOf({ vehicles: arrayOf(vehicleSchema), total: out.integer, nextAfter: orNull(out.text) })
const positionsAnswer = objectOf({
  vin: arrayOf(out.text),
  model: arrayOf(orNull(out.text)),
  lat: { ...arrayOf(out.number), description: 'WGS 84 degrees, to 1e-6' },
  lon: { ...arrayOf(out.number), description: 'WGS 84 degrees, to 1e-6' },
  t: { ...arrayOf(out.number), description: 'the time of each vehicle\'s last fix, epoch milliseconds' },
  online: arrayOf(out.boolean),
  openFaults: { ...arrayOf(out.integer), description: 'its faults open or acknowledged' },
  limit: out.integer,
  truncated: { ...out.boolean, description: 'more vehicles matched than `limit`; these are the first by VIN (narrow with bbox or the filters)' }
})

interface FilterQuery {
  dealer?: string
  q?: string
  model?: string
  firmware?: string
  fault?: 'open' | 'none'
  online?: boolean
}
interface ListQuery extends FilterQuery {
  limit?: number
  after?: string
}
interface PositionsQuery extends FilterQuery {
  bbox?: string
  limit?: number
}

/** `bbox` as GeoJSON orders it (RFC 7946 §5): west, south, east, north, in degrees; west > east crosses the antimeridian (§5.2). */
function boxOf (text: string, field: string): GeoBox {
  const parts = text.split(',')
  const numbers = parts.map((p) => p.trim() === '' ? NaN : Number(p))
  if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n))) {
    throw badRequest(`${field} ${JSON.stringify(text)} is not west,south,east,north: four numbers in degrees, e.g. 5.8,47.2,15.1,55.1`)
  }
  const [west, south, east, north] = numbers as [number, number, number, number]
  for (const [edge, value, most] of [['west', west, 180], ['south', south, 90], ['east', east, 180], ['north', north, 90]] as const) {
    if (Math.abs(value) > most) throw badRequest(`${field}: ${edge} ${value} is not within -${most}..${most} degrees`)
  }
  if (south > north) throw badRequest(`${field}: south ${south} is north of north ${north}`)
  return { west, south, east, north }
}

export function registerVehicleRoutes (app: FastifyInstance, deps: { vehicles: Pick<VehicleStore, 'page' | 'positions'>, dealers: Pick<DealerStore, 'get'> }): void {
  registerApiScope(app, 'vehicle', (scope) => {
    scope.get<{ Querystring: ListQuery }>('/api/v1/vehicles', {
      preValidation: [requireRole('engineer', 'operator', 'dealer'), ownDealerOnly('vehicles')],
      schema: { summary: 'The fleet, a page at a time', tags: ['vehicles'], querystring: listQuery, response: { 200: pageAnswer } }
    }, async (request) => {
      const { q, model, firmware, fault, online, limit, after } = request.query
      const dealerId = await dealerOf(request, request.query.dealer, deps.dealers)
      return await deps.vehicles.page({
        dealerId: dealerId ?? undefined,
        q,
        model,
        firmware,
        fault,
        online,
        limit: limit ?? DEFAULT_LIMIT,
        after: after === undefined ? undefined : vinOf(after, 'querystring.after')
      })
    })

    scope.get<{ Querystring: PositionsQuery }>('/api/v1/vehicles/positions', {
      preValidation: [requireRole('engineer', 'operator', 'dealer'), ownDealerOnly('vehicles')],
      schema: { summary: 'Each vehicle\'s last position, for a map', tags: ['vehicles'], querystring: positionsQuery, response: { 200: positionsAnswer } }
    }, async (request) => {
      const { q, model, firmware, fault, online, bbox } = request.query
      const box = bbox === undefined ? undefined : boxOf(bbox, 'querystring.bbox')
      const dealerId = await dealerOf(request, request.query.dealer, deps.dealers)
      const limit = request.query.limit ?? MAX_POSITIONS
      return { ...await deps.vehicles.positions({ dealerId: dealerId ?? undefined, q, model, firmware, fault, online, box, limit }), limit }
    })
  })
}
