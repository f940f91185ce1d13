/**
 * The fleet quality report over HTTP (storage/quality.ts says what is
 * counted and why):
 *
 *   GET /api/v1/quality?from=&to=&model=&firmware=&brand=&kind=dtc,fault&limit=   engineer, operator
 *   GET /api/v1/quality.csv?…the same…                                             the rows as a CSV file
 *
 * from/to are ISO 8601 times with a zone; default the 7 days up to now.
 * Dealers get 403: the report spans every dealer's customers. qualityQuery
 * and qualityCsv serve `pitwall quality` (../cli/quality.ts) too, so the
 * command refuses and writes what the API does.
 */
import type { FastifyInstance } from 'fastify'
import {
  DEFAULT_QUALITY_LIMIT, DEFAULT_QUALITY_WINDOW_MS, MAX_QUALITY_LIMIT, MAX_QUALITY_WINDOW_MS, MIN_QUALITY_WINDOW_MS, QUALITY_KINDS,
  type QualityKind, type QualityQuery, type QualityReport, type QualityStore
} from '../../storage/quality.js'
import { requireRole } from './auth.js'
import { csvText, fileStamp, textCell } from './csv.js'
import { arrayOf, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { badRequest, isoTimeSchema, listOf, parseIsoTime } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface QualityRouteDeps {
  quality: Pick<QualityStore, 'report'>
}

/** The report as asked for, each value as given (unchecked where a schema cannot check it). */
export interface QualityInput {
  from?: Date | undefined
  to?: Date | undefined
  kinds?: readonly QualityKind[] | undefined
  model?: string | undefined
  firmware?: string | undefined
  brand?: string | undefined
  limit?: number | undefined
}

const DAY_MS = 86_400_000

/**
 * The query the store runs: defaults filled in (the 7 days up to `now`, both
 * kinds, 20 rows) and the window checked, a refusal naming the field as
 * `field` spells it ("querystring.from", "--from").
 */
export function qualityQuery (given: QualityInput, field: (name: 'from' | 'to' | 'limit') => string, now: Date = new Date()): QualityQuery {
  const to = given.to ?? now
  const from = given.from ?? new Date(to.getTime() - DEFAULT_QUALITY_WINDOW_MS)
  const spanMs = to.getTime() - from.getTime()
  const range = `${from.toISOString()} .. ${to.toISOString()}`
  if (spanMs <= 0) throw badRequest(`${field('from')} must be before ${field('to')}; got ${range}`)
  if (spanMs < MIN_QUALITY_WINDOW_MS) throw badRequest(`${field('from')} must be at least an hour before ${field('to')}; got ${range}`)
  if (spanMs > MAX_QUALITY_WINDOW_MS) {
    throw badRequest(`${field('from')} .. ${field('to')} spans ${(spanMs / DAY_MS).toFixed(1)} days; at most ${MAX_QUALITY_WINDOW_MS / DAY_MS}`)
  }
  const limit = given.limit ?? DEFAULT_QUALITY_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUALITY_LIMIT) throw badRequest(`${field('limit')} must be an integer from 1 to ${MAX_QUALITY_LIMIT}; got ${limit}`)
  return {
    from,
    to,
    kinds: [...new Set(given.kinds ?? QUALITY_KINDS)],
    model: given.model,
    firmware: given.firmware,
    brand: given.brand,
    limit
  }
}

const CSV_COLUMNS = ['kind', 'code', 'name', 'severity', 'model', 'firmware', 'vehiclesAffected', 'occurrences', 'fleetSize', 'ratePer1000',
  'previousVehiclesAffected', 'previousRatePer1000', 'rateDelta', 'trend', 'firstSeenAt'] as const

/** The report's rows as CSV (RFC 4180: CRLF line ends, a header row), the columns named as in the JSON. */
export function qualityCsv (report: QualityReport): string {
  const lines = report.rows.map((r) => [
    textCell(r.kind), textCell(r.code), textCell(r.name), textCell(r.severity), textCell(r.model), textCell(r.firmware),
    r.vehiclesAffected, r.occurrences, r.fleetSize, r.ratePer1000, r.previousVehiclesAffected, r.previousRatePer1000, r.rateDelta,
    textCell(r.trend), r.firstSeenAt.toISOString()
  ])
  return csvText(CSV_COLUMNS, lines)
}

/** pitwall-quality-20260308T0000Z-20260315T0000Z.csv */
export function qualityCsvName (report: QualityReport): string {
  return `pitwall-quality-${fileStamp(report.from)}-${fileStamp(report.to)}.csv`
}

const qualityQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: isoTimeSchema,
    to: isoTimeSchema,
    model: { type: 'string', minLength: 1, maxLength: 200 },
    firmware: { type: 'string', minLength: 1, maxLength: 200 },
    brand: { type: 'string', minLength: 1, maxLength: 200 },
    kind: { type: 'string', minLength: 1, maxLength: 50, description: 'dtc, fault or both comma-separated (default both)' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_QUALITY_LIMIT, description: `rows, most vehicles affected first (default ${DEFAULT_QUALITY_LIMIT})` }
  }
}

const rowSchema = objectOf({
  kind: oneOfTexts(QUALITY_KINDS),
  code: { ...out.text, description: 'a DTC\'s SAE J2012 code (P0217), a fault\'s rule id' },
  name: { ...orNull(out.text), description: 'the rule\'s name; null for a DTC' },
  severity: { ...orNull(out.text), description: 'the rule\'s severity; null for a DTC' },
  model: orNull(out.text),
  firmware: { ...orNull(out.text), description: 'as the vehicles report it now' },
  vehiclesAffected: out.integer,
  occurrences: { ...out.integer, description: 'a DTC: vehicle-days (UTC) it was reported on; a fault: faults opened' },
  fleetSize: { ...out.integer, description: 'registered vehicles of the model and firmware (and brand, when filtered)' },
  ratePer1000: { ...out.number, description: 'vehicles affected per 1,000 of the fleet size' },
  previousVehiclesAffected: { ...out.integer, description: 'in the previous window, [previousFrom, from)' },
  previousRatePer1000: out.number,
  rateDelta: { ...out.number, description: 'ratePer1000 − previousRatePer1000' },
  trend: { ...oneOfTexts(['new', 'rising', 'falling', 'steady']), description: 'new: never seen in the cohort before from' },
  firstSeenAt: { ...out.time, description: 'the cohort\'s first report of it, ever' }
})

const reportSchema = objectOf({ from: out.time, to: out.time, previousFrom: out.time, rows: arrayOf(rowSchema) })

interface QualityQuerystring { from?: string, to?: string, model?: string, firmware?: string, brand?: string, kind?: string, limit?: number }

export function registerQualityRoutes (app: FastifyInstance, deps: QualityRouteDeps): void {
  const readers = requireRole('engineer', 'operator')
  const reportOf = async (query: QualityQuerystring): Promise<QualityReport> => await deps.quality.report(qualityQuery({
    from: query.from === undefined ? undefined : parseIsoTime(query.from, 'querystring.from'),
    to: query.to === undefined ? undefined : parseIsoTime(query.to, 'querystring.to'),
    kinds: query.kind === undefined ? undefined : listOf(query.kind, QUALITY_KINDS, 'querystring.kind'),
    model: query.model,
    firmware: query.firmware,
    brand: query.brand,
    limit: query.limit
  }, (name) => `querystring.${name}`))

  registerApiScope(app, 'quality', (scope) => {
    scope.get<{ Querystring: QualityQuerystring }>('/api/v1/quality', {
      preValidation: readers,
      schema: {
        summary: 'Top DTCs and faults per model and firmware, against the previous window',
        tags: ['quality'],
        querystring: qualityQuerySchema,
        response: { 200: reportSchema }
      }
    }, async (request) => await reportOf(request.query))

    scope.get<{ Querystring: QualityQuerystring }>('/api/v1/quality.csv', {
      preValidation: readers,
      schema: {
        summary: 'The quality report as a CSV file',
        tags: ['quality'],
        querystring: qualityQuerySchema,
        response: { 200: { description: 'RFC 4180 CSV with a header row; the columns are the JSON rows\' fields', content: { 'text/csv': { schema: out.text } } } }
      }
    }, async (request, reply) => {
      const report = await reportOf(request.query)
      return await reply.type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${qualityCsvName(report)}"`)
        .send(qualityCsv(report))
    })
  })
}
