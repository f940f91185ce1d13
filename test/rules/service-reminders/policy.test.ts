/**
 * What is due, without a database: service intervals (km, engine hours,
 * time; whichever first; due-soon margins) and trends over daily
 * aggregates, on hand-worked numbers.
 */
import t from 'tap'
import type { ServiceIntervalDefinition, TrendDefinition } from '../../../rules/service-reminders/model.js'
import {
  addMonthsUtc, DAY_MS, dismissalHoldsSince, evaluateInterval, evaluateTrend, leastSquaresSlope, type DailyValue
} from '../../../rules/service-reminders/policy.js'

const at = (iso: string): number => Date.parse(iso)
const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY_MS

const base = { name: 'x', enabled: true, scope: { models: [], firmware: [] }, task: 'do it', parts: ['p1'] }

const oil: ServiceIntervalDefinition = {
  ...base,
  id: 'oil',
  kind: 'interval',
  every: { km: 15_000, hours: 500, months: 12 },
  dueSoon: { km: 1000, hours: 25, days: 30 }
}
const service = { time: at('2025-03-10T08:00:00Z'), odometerKm: 40_000, engineHours: 1200 }

t.test('a service interval is due by km, by engine hours or by time, whichever comes first', async (t) => {
  const check = (odometerKm: number, engineHours: number, now: string): ReturnType<typeof evaluateInterval> =>
    evaluateInterval(oil, { lastService: service, registeredAt: 0, odometerKm, engineHours }, at(now))
  // limits: 40,000 + 15,000 = 55,000 km; 1,200 + 500 = 1,700 h; 2025-03-10 + 12 months = 2026-03-10 08:00
  const limits = { dueKm: 55_000, dueHours: 1700, dueAt: at('2026-03-10T08:00:00Z') }
  t.equal(check(50_000, 1300, '2025-09-01T00:00:00Z'), undefined, 'nothing near a limit')
  t.match(check(53_999, 1300, '2025-09-01T00:00:00Z'), undefined, 'one km before the margin')
  t.match(check(54_000, 1300, '2025-09-01T00:00:00Z'), { kind: 'due_soon', ...limits, detail: { due: [], dueSoon: ['km'] } }, 'within 1,000 km')
  t.match(check(55_000, 1300, '2025-09-01T00:00:00Z'), { kind: 'due', detail: { due: ['km'], dueSoon: [] } }, 'at 55,000 km')
  t.match(check(50_000, 1675, '2025-09-01T00:00:00Z'), { kind: 'due_soon', detail: { dueSoon: ['hours'] } }, 'within 25 h')
  t.match(check(50_000, 1700, '2025-09-01T00:00:00Z'), { kind: 'due', detail: { due: ['hours'] } }, 'at 1,700 h')
  t.equal(check(50_000, 1300, '2026-02-08T07:59:59Z'), undefined, 'just over 30 days before the date')
  t.match(check(50_000, 1300, '2026-02-08T08:00:00Z'), { kind: 'due_soon', detail: { dueSoon: ['time'] } }, '30 days before the date')
  t.match(check(50_000, 1300, '2026-03-10T08:00:00Z'), { kind: 'due', detail: { due: ['time'] } }, 'twelve months on')
  t.match(check(55_500, 1300, '2026-02-15T00:00:00Z'), { kind: 'due', detail: { due: ['km'], dueSoon: ['time'] } }, 'due by km while the date is only near')
  t.match(check(55_500, 1300, '2026-02-15T00:00:00Z'), {
    detail: { task: 'do it', parts: ['p1'], since: { service: '2025-03-10T08:00:00.000Z', odometerKm: 40_000, engineHours: 1200 } }
  }, 'the detail says what the limits count from')
})

t.test('without a recorded service an interval counts from 0 km, 0 h and the registration', async (t) => {
  const f = evaluateInterval(oil, { registeredAt: at('2025-01-01T00:00:00Z'), odometerKm: 14_100, engineHours: 300 }, at('2025-06-01T00:00:00Z'))
  t.match(f, { kind: 'due_soon', dueKm: 15_000, dueHours: 500, dueAt: at('2026-01-01T00:00:00Z'), detail: { since: { registration: '2025-01-01T00:00:00.000Z' }, dueSoon: ['km'] } })
})

t.test('a limit whose reading is not known is skipped, the others still count', async (t) => {
  const now = at('2026-03-11T00:00:00Z')
  t.match(evaluateInterval(oil, { lastService: service, registeredAt: 0 }, now), { kind: 'due', dueKm: 55_000, detail: { due: ['time'] } }, 'no readings at all: time alone')
  const noKm = { ...service, odometerKm: null }
  t.match(evaluateInterval(oil, { lastService: noKm, registeredAt: 0, odometerKm: 99_999, engineHours: 1300 }, at('2025-09-01T00:00:00Z')), undefined,
    'the odometer at the service is unknown: km cannot be judged')
  t.equal(evaluateInterval(oil, { lastService: noKm, registeredAt: 0, odometerKm: 99_999 }, now)?.dueKm, null)
})

t.test('calendar months as a service booklet counts them', async (t) => {
  t.equal(new Date(addMonthsUtc(at('2024-01-31T10:00:00Z'), 1)).toISOString(), '2024-02-29T10:00:00.000Z', 'leap year')
  t.equal(new Date(addMonthsUtc(at('2023-01-31T10:00:00Z'), 1)).toISOString(), '2023-02-28T10:00:00.000Z')
  t.equal(new Date(addMonthsUtc(at('2024-02-29T00:00:00Z'), 12)).toISOString(), '2025-02-28T00:00:00.000Z')
  t.equal(new Date(addMonthsUtc(at('2024-11-15T00:00:00Z'), 24)).toISOString(), '2026-11-15T00:00:00.000Z')
  const fluid: ServiceIntervalDefinition = { ...base, id: 'fluid', kind: 'interval', every: { days: 730 }, dueSoon: { km: 0, hours: 0, days: 0 } }
  t.match(evaluateInterval(fluid, { registeredAt: at('2024-01-01T00:00:00Z') }, at('2025-12-31T00:00:00Z')), { kind: 'due', dueAt: at('2025-12-31T00:00:00Z'), dueKm: null, dueHours: null })
})

const battery: TrendDefinition = {
  ...base,
  id: 'battery',
  kind: 'trend',
  trend: {
    signal: 'Vehicle.LowVoltageBattery.CurrentVoltage',
    aggregate: 'avg',
    windowDays: 7,
    minDays: 4,
    slope: { op: '<', value: -0.02 },
    last: { op: '<', value: 12.2 }
  }
}
// now 2025-06-15 10:00: the window is the complete days 06-08 .. 06-14
const NOW = at('2025-06-15T10:00:00Z')
const falling: DailyValue[] = [
  { day: day('2025-06-07'), value: 9 }, // before the window
  { day: day('2025-06-08'), value: 12.60 },
  { day: day('2025-06-09'), value: 12.55 },
  { day: day('2025-06-11'), value: 12.50 },
  { day: day('2025-06-12'), value: 12.42 },
  { day: day('2025-06-14'), value: 12.40 },
  { day: day('2025-06-15'), value: 9 } // today, still partial
]

t.test('the least-squares slope, worked by hand', async (t) => {
  // x = 0, 1, 3, 4, 6 (days from 06-08), mean 2.8; y mean 62.47 / 5 = 12.494
  // Σ(x-x̄)(y-ȳ) = -0.2968 - 0.1008 + 0.0012 - 0.0888 - 0.3008 = -0.786
  // Σ(x-x̄)² = 7.84 + 3.24 + 0.04 + 1.44 + 10.24 = 22.8; slope = -0.786 / 22.8
  t.ok(Math.abs(leastSquaresSlope(falling.slice(1, 6)) - -0.786 / 22.8) < 1e-12)
  t.equal(leastSquaresSlope([{ day: 3, value: 1 }, { day: 3, value: 2 }]), 0, 'one distinct day has no slope')
})

t.test('a falling trend over the window raises a trend reminder', async (t) => {
  const f = evaluateTrend(battery, falling, NOW)
  t.match(f, {
    kind: 'trend',
    dueAt: null,
    detail: {
      from: '2025-06-08', to: '2025-06-14', days: 5, slopePerDay: -0.0344737, last: { day: '2025-06-14', value: 12.4 }, exceeded: ['slope'],
      task: 'do it', aggregate: 'avg', signal: 'Vehicle.LowVoltageBattery.CurrentVoltage'
    }
  }, 'days outside the window and today do not count')
  const flatLow = [8, 9, 10, 11].map((d) => ({ day: day(`2025-06-${String(d).padStart(2, '0')}`), value: 12.1 }))
  t.match(evaluateTrend(battery, flatLow, NOW), { detail: { slopePerDay: 0, last: { value: 12.1 }, exceeded: ['last'] } }, 'flat but low: the last day alone')
  const flatHigh = flatLow.map((d) => ({ ...d, value: 12.6 }))
  t.equal(evaluateTrend(battery, flatHigh, NOW), undefined, 'flat and healthy: nothing')
})

t.test('too few days of data in the window give no verdict', async (t) => {
  t.equal(evaluateTrend(battery, falling.slice(0, 4), NOW), undefined, 'three days in the window, four needed')
  t.equal(evaluateTrend(battery, [], NOW), undefined)
  t.equal(evaluateTrend(battery, falling, NOW, at('2025-06-11T15:00:00Z')), undefined,
    'days up to the service covering the item are left out: two remain')
})

t.test('a dismissal holds for good on an interval and for one window on a trend', async (t) => {
  t.equal(dismissalHoldsSince(oil, NOW), null, 'an interval\'s limits move only with a new service')
  t.equal(dismissalHoldsSince(battery, NOW), NOW - 7 * DAY_MS, 'after one window the trend reads only newer days')
})
