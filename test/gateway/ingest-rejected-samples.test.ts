/**
 * A batch carrying values that are not readings: the good values are stored
 * and the batch acknowledged; the others are counted by source and reason in
 * pitwall_samples_rejected_total, named in a warning (at most one a minute
 * per vehicle connection), and never shown to the rules.
 */
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { SignalCatalog } from '../../decoders/signal-catalog.js'
import { TelemetryIngest, type IngestVehicle } from '../../gateway/ingest.js'
import { createMetrics } from '../../gateway/metrics.js'
import { pitwall } from '../../proto/index.js'
import { RuleEngine } from '../../rules/engine.js'
import type { FaultEvent } from '../../rules/model.js'
import type { DeadLetterRecord, TelemetryRecord } from '../../storage/records.js'
import { overheatRule } from '../helpers/rules.js'

const VIN = 'WDB12345678901234'
const SOC = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current'

function harness (t: Test) {
  const catalog = new SignalCatalog()
  const metrics = createMetrics()
  const logs: Array<Record<string, unknown>> = []
  const log = pino({ level: 'debug' }, new Writable({
    write (chunk: Buffer, _enc, done) { logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done() }
  }))
  const batches: TelemetryRecord[] = []
  const deadLetters: DeadLetterRecord[] = []
  // the storage calls ingest makes, recorded instead of committed
  const store = async (r: TelemetryRecord): Promise<'stored'> => { batches.push(r); return 'stored' }
  const writer = { writeDeadLetter: async (r: DeadLetterRecord) => { deadLetters.push(r) } }
  const projector = { room: async () => {} }
  const engine = new RuleEngine({ catalog })
  engine.setRules([
    // +Infinity and 1e308 would open this one, -Infinity the next, a latitude of 95° the last
    overheatRule('soc-high', { when: { kind: 'compare', signal: SOC, op: '>', value: 90 }, forS: 0 }),
    overheatRule('soc-low', { when: { kind: 'compare', signal: SOC, op: '<', value: 5 }, forS: 0 }),
    overheatRule('off-the-globe', { when: { kind: 'compare', signal: 'Vehicle.CurrentLocation.Latitude', op: '>', value: 90 }, forS: 0 })
  ])
  const recorded: FaultEvent[] = []
  let nowUs = 1_750_000_000_000_000
  const ingest = new TelemetryIngest({
    store,
    writer,
    projector,
    metrics,
    log,
    catalog,
    nowUs: () => nowUs,
    rules: { engine, record: async (events) => { recorded.push(...events) } }
  })
  const vehicle: IngestVehicle = { vin: VIN, vehicleId: 1 }
  const batch = (seq: number, values: number[]): Buffer => Buffer.from(pitwall.v1.TelemetryBatch.encode({
    vin: VIN,
    seq,
    baseTimeUs: nowUs,
    signals: { dtUs: values.map((_, i) => i), signalId: values.map(() => catalog.id(SOC) as number), value: values },
    gnss: [
      { dtUs: 10, latE7: 481_372_000, lonE7: 115_755_000 },
      { dtUs: 20, latE7: 950_000_000, lonE7: 115_755_000 }
    ]
  }).finish())
  const rejected = async (source: string, reason: string): Promise<number> =>
    (await metrics.samplesRejected.get()).values.find((v) => v.labels.source === source && v.labels.reason === reason)?.value ?? 0
  const advance = (ms: number): void => { nowUs += ms * 1000 }
  t.teardown(() => metrics.registry.clear())
  return { ingest, vehicle, batch, batches, deadLetters, recorded, logs, rejected, advance }
}

t.test('NaN, ±Infinity and 1e308 on a signal with a declared range are counted and not stored; the good value is, and the batch is acknowledged', async (t) => {
  const h = harness(t)
  // accept() settling without a dead letter is what releases the PUBACK
  await h.ingest.accept(h.vehicle, `v1/${VIN}/telemetry`, h.batch(1, [50, Number.NaN, Infinity, -Infinity, 1e308]))
  t.same(h.deadLetters, [], 'no dead letter: the rest of the batch is good')
  t.equal(h.batches.length, 1, 'the batch is stored')
  t.same(h.batches[0]?.samples.value, [50], 'only the reading is a sample row')
  t.same(h.batches[0]?.gnss.map((g) => g.lat), [48.1372], 'the fix at latitude 95° is not stored')
  t.equal(await h.rejected('edge', 'non_finite'), 3)
  t.equal(await h.rejected('edge', 'out_of_range'), 1)
  t.equal(await h.rejected('gnss', 'out_of_range'), 1)
  t.same(h.recorded, [], 'no rule saw a rejected value')
  await h.ingest.accept(h.vehicle, `v1/${VIN}/telemetry`, h.batch(2, [95]))
  t.same(h.recorded.map((e) => e.ruleId), ['soc-high'], 'while a reading past the rule\'s threshold opens its fault at once')
  const warning = h.logs.find((l) => l.level === 40)
  t.match(warning, { vin: VIN, seq: 1, rejected: { 'edge.non_finite': 3, 'edge.out_of_range': 1, 'gnss.out_of_range': 1 } },
    'a warning names the vehicle, the batch and what was left out')
})

t.test('the warning comes at most once a minute per vehicle connection; the metric counts every batch', async (t) => {
  const h = harness(t)
  await h.ingest.accept(h.vehicle, `v1/${VIN}/telemetry`, h.batch(1, [Number.NaN]))
  h.advance(10_000)
  await h.ingest.accept(h.vehicle, `v1/${VIN}/telemetry`, h.batch(2, [Number.NaN]))
  h.advance(10_000)
  await h.ingest.accept(h.vehicle, `v1/${VIN}/telemetry`, h.batch(3, [Number.NaN]))
  h.advance(41_000)
  await h.ingest.accept(h.vehicle, `v1/${VIN}/telemetry`, h.batch(4, [Number.NaN]))
  const warnings = h.logs.filter((l) => l.level === 40)
  t.same(warnings.map((w) => [w.seq, w.batchesSinceLastWarning]), [[1, 0], [4, 2]], 'batches 2 and 3 are summed into the next warning')
  t.same(h.logs.filter((l) => l.level === 20).map((l) => l.seq), [1, 2, 3, 4], 'each batch at debug')
  t.equal(await h.rejected('edge', 'non_finite'), 4)
  t.equal(h.batches.length, 4, 'all stored')
})
