/**
 * The operator's health page in one answer (needs registerApiAuth):
 *
 *   GET /api/v1/health/summary   operator: connected vehicles, ingest rates, queue depths, breakers
 *
 * Read from this gateway's own metrics registry (what /metrics exposes) and
 * the actions backlog in storage, so a page needs neither Prometheus nor a
 * parser for its text format. Rates and PUBACK quantiles are over the last
 * minute of this route's own readings (counters are totals since start): the
 * first reading has none (null), the next ones compare with the oldest
 * reading of the last RATE_WINDOW_MS. Figures are this node's; a scaled-out
 * fleet has one page per node.
 */
import type { FastifyInstance } from 'fastify'
import type { Metric, MetricValueWithName } from 'prom-client'
import type { Storage } from '../../storage/index.js'
import type { Metrics } from '../metrics.js'
import { requireRole } from './auth.js'
import { registerApiScope } from './scope.js'
import { objectOf, orNull, out } from './openapi.js'

export interface HealthSummaryDeps {
  metrics: Pick<Metrics, 'registry'>
  storage: Pick<Storage, 'readActionBacklog'>
}

const RATE_WINDOW_MS = 60_000
/** readings closer together than this are not kept (several operators' pages refresh at once) */
const MIN_READING_GAP_MS = 1000

const numOrNull = orNull(out.number)
const intOrNull = orNull(out.integer)
const counts = { type: 'object', additionalProperties: out.integer }
const summarySchema = objectOf({
  at: out.time,
  windowS: { ...numOrNull, description: 'the span the rates and quantiles are over; null on the first reading' },
  vehicles: objectOf({ connected: intOrNull, unauthenticated: intOrNull }),
  ingest: objectOf({
    batchesPerS: numOrNull,
    samplesPerS: numOrNull,
    canFramesPerS: numOrNull,
    deadLettersPerS: numOrNull,
    pubackP50S: numOrNull,
    pubackP99S: numOrNull,
    batches: { ...counts, description: 'batches since start, by outcome (stored, duplicate, seq_reused)' },
    deadLetters: { ...counts, description: 'dead letters since start, by code' }
  }),
  queues: objectOf({
    storageWriter: intOrNull,
    faultActionsPending: out.integer,
    faultActionsRetrying: out.integer,
    webhooksPending: out.integer,
    webhookDeadLetters: out.integer,
    commandsOpen: counts,
    campaigns: counts
  }),
  webhooks: objectOf({ breakersOpen: intOrNull, breakerOpens: intOrNull, deliveries: counts }),
  storage: objectOf({ commitErrors: intOrNull, commitP99S: numOrNull }),
  process: objectOf({ uptimeS: out.number, rssBytes: numOrNull, eventLoopLagP99S: numOrNull })
})

interface Reading {
  at: number
  batches: number
  samples: number
  canFrames: number
  deadLetters: number
  /** cumulative bucket counts by upper bound */
  puback: Map<number, number>
  commit: Map<number, number>
}

export function registerHealthSummaryRoutes (app: FastifyInstance, deps: HealthSummaryDeps): void {
  const { registry } = deps.metrics
  const readings: Reading[] = []

  async function values (name: string): Promise<Array<MetricValueWithName<string>> | undefined> {
    const metric = registry.getSingleMetric(name) as Metric | undefined
    return metric === undefined ? undefined : (await metric.get()).values
  }
  const total = async (name: string): Promise<number | null> => {
    const v = await values(name)
    return v === undefined ? null : v.reduce((sum, x) => sum + x.value, 0)
  }
  const byLabel = async (name: string, label: string): Promise<Record<string, number>> =>
    Object.fromEntries((await values(name) ?? []).map((v) => [String(v.labels[label]), v.value]))
  const buckets = async (name: string): Promise<Map<number, number>> =>
    new Map((await values(name) ?? []).filter((v) => v.metricName === `${name}_bucket`).map((v) => [v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), v.value]))

  registerApiScope(app, 'health', (scope) => {
    scope.get('/api/v1/health/summary',
      { preValidation: requireRole('operator'), schema: { summary: 'This gateway\'s health: vehicles, ingest rates, queues, breakers', tags: ['health'], response: { 200: summarySchema } } },
      async () => {
        const batches = await byLabel('pitwall_batches_total', 'outcome')
        const deadLetters = await byLabel('pitwall_dead_letters_total', 'code')
        const now: Reading = {
          at: Date.now(),
          batches: sum(batches),
          samples: await total('pitwall_signal_samples_total') ?? 0,
          canFrames: await total('pitwall_can_frames_total') ?? 0,
          deadLetters: sum(deadLetters),
          puback: await buckets('pitwall_puback_latency_seconds'),
          commit: await buckets('pitwall_storage_commit_seconds')
        }
        while (readings.length > 0 && now.at - (readings[0] as Reading).at > RATE_WINDOW_MS) readings.shift()
        const then = readings[0]
        if (now.at - (readings[readings.length - 1]?.at ?? 0) >= MIN_READING_GAP_MS) readings.push(now)
        const windowS = then === undefined ? null : (now.at - then.at) / 1000
        const rate = (pick: (r: Reading) => number): number | null => then === undefined || windowS === null || windowS <= 0 ? null : (pick(now) - pick(then)) / windowS
        const backlog = await deps.storage.readActionBacklog()
        const start = await total('process_start_time_seconds')
        return {
          at: new Date(now.at),
          windowS,
          vehicles: { connected: await total('pitwall_mqtt_connected_vehicles'), unauthenticated: await total('pitwall_mqtt_unauthenticated_connections') },
          ingest: {
            batchesPerS: rate((r) => r.batches),
            samplesPerS: rate((r) => r.samples),
            canFramesPerS: rate((r) => r.canFrames),
            deadLettersPerS: rate((r) => r.deadLetters),
            pubackP50S: then === undefined ? null : quantile(0.5, now.puback, then.puback),
            pubackP99S: then === undefined ? null : quantile(0.99, now.puback, then.puback),
            batches,
            deadLetters
          },
          queues: {
            storageWriter: await total('pitwall_storage_queue_items'),
            faultActionsPending: backlog.faultActionsPending,
            faultActionsRetrying: backlog.faultActionsRetrying,
            webhooksPending: backlog.webhooksPending,
            webhookDeadLetters: backlog.webhookDeadLetters,
            commandsOpen: backlog.commands,
            campaigns: backlog.campaigns
          },
          webhooks: {
            breakersOpen: await total('pitwall_webhook_breakers_open'),
            breakerOpens: await total('pitwall_webhook_breaker_opens_total'),
            deliveries: await byLabel('pitwall_webhook_deliveries_total', 'outcome')
          },
          storage: {
            commitErrors: await total('pitwall_storage_errors_total'),
            commitP99S: then === undefined ? null : quantile(0.99, now.commit, then.commit)
          },
          process: {
            uptimeS: start === null ? process.uptime() : now.at / 1000 - start,
            rssBytes: await total('process_resident_memory_bytes'),
            eventLoopLagP99S: await total('nodejs_eventloop_lag_p99_seconds')
          }
        }
      })
  })
}

function sum (counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}

/**
 * The q-quantile of the observations between two readings of a histogram,
 * interpolated within its bucket as Prometheus' histogram_quantile does;
 * null when nothing was observed in between.
 */
export function quantile (q: number, now: ReadonlyMap<number, number>, then: ReadonlyMap<number, number>): number | null {
  const bounds = [...now.keys()].sort((a, b) => a - b)
  const delta = (le: number): number => (now.get(le) ?? 0) - (then.get(le) ?? 0)
  const count = delta(Infinity)
  if (!(count > 0)) return null
  const rank = q * count
  let lower = 0
  let below = 0
  for (const le of bounds) {
    const upTo = delta(le)
    if (upTo >= rank) {
      // past the last finite bound all that is known is "above it"
      if (le === Infinity) return lower
      return lower + (le - lower) * (upTo === below ? 1 : (rank - below) / (upTo - below))
    }
    lower = le
    below = upTo
  }
  return lower
}
