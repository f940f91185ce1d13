/**
 * What storage keeps of a decoded CAN signal, per the manifest's policy:
 * at most one sample per minimum interval, only moves past the deadband,
 * a heartbeat after the maximum interval; rules still see every sample.
 */
import t from 'tap'
import { SampleBuffer } from '../../decoders/sample-buffer.js'
import { SignalCatalog } from '../../decoders/signal-catalog.js'
import type { SampleColumns } from '../../decoders/telemetry-rows.js'
import { selectStoredSamples, StoredSignals } from '../../storage/sample-thinning.js'
import type { CompiledManifest } from '../../decoders/manifest/compile.js'
import { manifestOf, type TestManifestSignal } from '../helpers/manifests.js'

const DBC = `BO_ 1 A: 8 X
 SG_ Speed : 0|16@1+ (0.01,0) [0|655.35] "km/h" X
 SG_ Soc : 16|8@1+ (0.5,0) [0|100] "%" X
 SG_ Fuel : 24|8@1+ (0.4,0) [0|100] "%" X
 SG_ Unmapped : 32|8@1+ (1,0) [0|255] "" X
`

function manifest (signals: string): CompiledManifest {
  return manifestOf(DBC, JSON.parse(signals) as TestManifestSignal[])
}

const SPEED = 'Vehicle.Speed'
const SOC = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current'
const FUEL = 'Vehicle.Powertrain.FuelSystem.RelativeLevel'
const M = manifest(JSON.stringify([
  { from: 'A.Speed', signal: SPEED, policy: { minIntervalS: 1 } },
  { from: 'A.Soc', signal: SOC, policy: { minIntervalS: 0, deadband: 2, maxIntervalS: 60 } },
  { from: 'A.Fuel', signal: FUEL, policy: {} }
]))
const channel = (name: string): number => M.network.channels.find((c) => c.signal.name === name)?.channel as number

/** Runs samples [time s, signal name, value] through one vehicle's state; returns what was stored as [time s, value]. */
function store (state: StoredSignals, samples: Array<[number, string, number]>): Record<string, Array<[number, number]>> {
  const buffer = new SampleBuffer(samples.length)
  for (const [s, name, value] of samples) buffer.push(s * 1e6, channel(name), value)
  const into: SampleColumns = { timeUs: [], signalId: [], value: [] }
  selectStoredSamples(buffer, state, into)
  const catalog = new SignalCatalog()
  const out: Record<string, Array<[number, number]>> = {}
  into.signalId.forEach((id, i) => { (out[catalog.name(id)] ??= []).push([(into.timeUs[i] as number) / 1e6, into.value[i] as number]) })
  return out
}

t.test('a minimum interval keeps at most one sample per interval, across batches', async (t) => {
  const state = new StoredSignals(M)
  const first = store(state, [[0, 'Speed', 10], [0.4, 'Speed', 11], [0.99, 'Speed', 12], [1.0, 'Speed', 13], [1.5, 'Speed', 14]])
  t.same(first[SPEED], [[0, 10], [1, 13]])
  const next = store(state, [[1.9, 'Speed', 15], [2.05, 'Speed', 16]])
  t.same(next[SPEED], [[2.05, 16]], 'the next batch continues from what was stored, not from its own start')
  t.same(store(state, [[0.5, 'Speed', 99]]), {}, 'a sample older than the last stored one is not stored')
})

t.test('a deadband stores only moves of at least its size, and a heartbeat after the maximum interval', async (t) => {
  const state = new StoredSignals(M)
  const stored = store(state, [[0, 'Soc', 80], [1, 'Soc', 80.5], [2, 'Soc', 81.5], [3, 'Soc', 82], [4, 'Soc', 79.5], [70, 'Soc', 79.5], [71, 'Soc', 79.5]])
  t.same(stored[SOC], [[0, 80], [3, 82], [4, 79.5], [70, 79.5]], 'moves of 2 and more; then the same value again after 60 s')
})

t.test('the gateway default applies to a signal without a policy; unmapped and non-finite values are never stored', async (t) => {
  const state = new StoredSignals(M)
  const stored = store(state, [[0, 'Fuel', 50], [0.5, 'Fuel', 49], [1, 'Fuel', NaN], [1.2, 'Fuel', 48], [0, 'Unmapped', 7]])
  t.same(stored, { [FUEL]: [[0, 50], [1.2, 48]] })
})

t.test('each vehicle (connection) keeps its own state', async (t) => {
  const a = new StoredSignals(M)
  const b = new StoredSignals(M)
  store(a, [[0, 'Speed', 1]])
  t.same(store(b, [[0.5, 'Speed', 2]])[SPEED], [[0.5, 2]], 'b stores its first sample though a stored one half a second ago')
  t.same(store(a, [[0.5, 'Speed', 3]]), {})
})
