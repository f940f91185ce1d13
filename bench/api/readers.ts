/**
 * The console's four heaviest reads, as real HTTP requests over loopback
 * with an engineer's bearer token: one reader per endpoint, each with at
 * most one request in flight (a console tab waits for its answer), paced to
 * one request per interval and stopped at the end of a window or after a
 * number of requests. A request that takes longer than the interval delays
 * the next, so a slow endpoint makes fewer requests in a window, never a
 * queue of them.
 */
import type { SeededFleet } from './seed.js'
import type { EndpointName } from './model.js'

export interface Endpoint {
  name: EndpointName
  label: string
  targetP99Ms: number
  path: string
  /** a short account of a 200 body; throws when it is not the answer asked for */
  describe: (body: unknown) => string
}

/** The signals of the history request: five a diagnostic engineer charts together */
const HISTORY_SIGNALS = [
  'Vehicle.Speed',
  'Vehicle.Powertrain.CombustionEngine.Speed',
  'Vehicle.Powertrain.CombustionEngine.ECT',
  'Vehicle.LowVoltageBattery.CurrentVoltage',
  'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current'
]
const HISTORY_POINTS = 2000
/** vehicles per page of the fleet list: the API's default page */
const LIST_LIMIT = 100

const int = (n: number): string => n.toLocaleString('en-US')

function fail (what: string): never {
  throw new Error(`unexpected answer: ${what}`)
}

/** The requests of this run, on the seeded fleet's history vehicle and up to its newest seeded time. */
export function apiEndpoints (fleet: SeededFleet, historyHours: number, windowDays: number): Endpoint[] {
  const seededAt = fleet.at
  const iso = (ms: number): string => new Date(ms).toISOString()
  const vin = fleet.historyVin
  return [
    {
      name: 'state',
      label: 'last known state of one vehicle',
      targetP99Ms: 100,
      path: `/api/v1/vehicles/${vin}/state`,
      describe: (body) => {
        const b = body as { vin?: string, signals?: unknown[], dtcs?: unknown[], faults?: unknown[] }
        if (b.vin !== vin || !Array.isArray(b.signals)) fail('no vin or signals')
        return `${b.signals.length} signals, ${b.dtcs?.length ?? 0} DTCs, ${b.faults?.length ?? 0} faults`
      }
    },
    {
      name: 'history',
      label: `${historyHours} h history of ${HISTORY_SIGNALS.length} signals, ≤ ${int(HISTORY_POINTS)} points`,
      targetP99Ms: 100,
      path: `/api/v1/vehicles/${vin}/signals?signals=${HISTORY_SIGNALS.join(',')}&from=${iso(seededAt - historyHours * 3_600_000)}&to=${iso(seededAt)}&points=${HISTORY_POINTS}`,
      describe: (body) => {
        const b = body as { series?: Array<{ t?: unknown[] }> }
        if (!Array.isArray(b.series) || b.series.length !== HISTORY_SIGNALS.length) fail(`${b.series?.length ?? 'no'} series`)
        const points = Math.max(...b.series.map((s) => s.t?.length ?? 0))
        if (points === 0 || points > HISTORY_POINTS) fail(`${points} points in a series`)
        return `${b.series.length} series, up to ${int(points)} buckets each`
      }
    },
    {
      name: 'list',
      label: `fleet list, first page of ${LIST_LIMIT}`,
      targetP99Ms: 100,
      path: `/api/v1/vehicles?limit=${LIST_LIMIT}`,
      describe: (body) => {
        const b = body as { vehicles?: unknown[], total?: number }
        if (!Array.isArray(b.vehicles) || b.vehicles.length === 0) fail('no vehicles')
        return `${b.vehicles.length} vehicles of ${int(b.total ?? NaN)}`
      }
    },
    {
      name: 'quality',
      label: `quality report over ${windowDays} days`,
      targetP99Ms: 1000,
      path: `/api/v1/quality?from=${iso(seededAt - windowDays * 86_400_000)}&to=${iso(seededAt)}`,
      describe: (body) => {
        const b = body as { rows?: unknown[] }
        if (!Array.isArray(b.rows) || b.rows.length === 0) fail('no rows')
        return `${b.rows.length} rows`
      }
    }
  ]
}

export interface Answer { status: number, ms: number, body: Buffer }

/** GET `path` and read the whole body; ms from sending to the last byte. */
export async function fetchTimed (baseUrl: string, token: string, path: string): Promise<Answer> {
  const t = performance.now()
  const res = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` } })
  const body = Buffer.from(await res.arrayBuffer())
  return { status: res.status, ms: performance.now() - t, body }
}

/** What went wrong with a non-200 answer, short. */
export function answerError (a: Answer): string {
  return `${a.status} ${a.body.toString('utf8').slice(0, 200)}`
}

export interface ReaderRun { latenciesMs: number[], errors: number, firstError?: string }

export interface ReaderWindow {
  /** performance.now() times */
  startAt: number
  endAt: number
  intervalMs: number
  maxRequests: number
}

/** Every endpoint's reader at once over the window; latencies of 200 answers, the rest counted as errors. */
export async function readDuring (baseUrl: string, token: string, endpoints: readonly Endpoint[], w: ReaderWindow): Promise<Map<EndpointName, ReaderRun>> {
  const sleep = async (ms: number): Promise<void> => { if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms)) }
  const out = new Map<EndpointName, ReaderRun>()
  await Promise.all(endpoints.map(async (e, i) => {
    const run: ReaderRun = { latenciesMs: [], errors: 0 }
    out.set(e.name, run)
    // the readers' schedules are spread over one interval, so their requests do not all leave together
    const first = w.startAt + (i * w.intervalMs) / endpoints.length
    for (let k = 0; k < w.maxRequests; k++) {
      const due = first + k * w.intervalMs
      if (due >= w.endAt) break
      await sleep(due - performance.now())
      if (performance.now() >= w.endAt) break
      try {
        const a = await fetchTimed(baseUrl, token, e.path)
        if (a.status === 200) run.latenciesMs.push(a.ms)
        else {
          run.errors++
          run.firstError ??= answerError(a)
        }
      } catch (err) {
        run.errors++
        run.firstError ??= (err as Error).message
      }
    }
  }))
  return out
}
