/**
 * Live signals in process: the ingest-side tap publishes only watched
 * vehicles, the newest value of each signal, one snapshot for a burst of
 * batches; the watching side announces a VIN when its first client
 * watches, merges chunks into one snapshot and stops when the last leaves.
 */
import t from 'tap'
import { SignalCatalog } from '../../../decoders/signal-catalog.js'
import { LiveSignalFeed } from '../../../gateway/events/live-feed.js'
import { liveChunks, LiveSignalTap } from '../../../gateway/events/live-tap.js'
import { parseLiveChunk, type LiveSignal } from '../../../gateway/events/model.js'
import { WatchedVehicles } from '../../../gateway/events/watched.js'
import { TelemetryDecoder } from '../../../gateway/telemetry-decoder.js'
import { pitwall } from '../../../proto/index.js'
import { until } from '../../helpers/until.js'

const VIN = 'WDB12345678901234'
const OTHER = 'WDB00000000000007'
// edge-decoded signal 9: the front left tyre's pressure (decoders/catalog.ts)
const TYRE = 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure'

function tyreBatch (vin: string, seq: number, baseTimeUs: number, kPa: number): Uint8Array {
  return pitwall.v1.TelemetryBatch.encode({ vin, seq, baseTimeUs, signals: { dtUs: [0], signalId: [9], value: [kPa] } }).finish()
}

t.test('the tap publishes watched vehicles only: the newest value of each signal, once per burst', async (t) => {
  const catalog = new SignalCatalog()
  const decoder = new TelemetryDecoder(catalog)
  const watched = new WatchedVehicles()
  const sent: string[] = []
  const tap = new LiveSignalTap({ watched, catalog, send: (chunks) => { sent.push(...chunks) } })
  t.teardown(() => { tap.stop() })
  watched.note(VIN)
  const now = Date.now() * 1000
  const offer = (vin: string, seq: number, timeUs: number, kPa: number): void => {
    tap.offer(vin, decoder.decode(vin, tyreBatch(vin, seq, timeUs, kPa), now, undefined))
  }
  offer(OTHER, 1, now, 150)
  offer(VIN, 1, now - 2_000_000, 210)
  offer(VIN, 2, now, 230)
  offer(VIN, 3, now - 1_000_000, 220)
  await until('a snapshot', async () => sent.length > 0 ? true : undefined)
  t.equal(sent.length, 1, 'three batches at once: one snapshot')
  const chunk = parseLiveChunk(sent[0] as string)
  t.equal(chunk?.vin, VIN, 'the vehicle nobody watches is not published')
  t.same(chunk?.signals, [{ name: TYRE, unit: 'kPa', value: 230, timeMs: Math.round(now / 1000) }], 'a late older sample does not replace the newest')
})

t.test('the watching side: announced once, chunks merged, each client its own snapshot, forgotten when the last leaves', async (t) => {
  const announced: string[] = []
  const feed = new LiveSignalFeed({ announce: (payloads) => { announced.push(...payloads) } })
  t.teardown(() => { feed.stop() })
  const first: LiveSignal[][] = []
  const second: LiveSignal[][] = []
  const stopFirst = feed.watch(VIN, 250, (s) => { first.push(s) })
  const stopSecond = feed.watch(VIN, 1000, (s) => { second.push(s) })
  t.same(announced, [VIN], 'the first watcher announces the VIN at once; the second does not again')
  const [a, b] = [liveChunks(VIN, [['Vehicle.Speed', 'km/h', 50, 2000]]), liveChunks(VIN, [['Vehicle.Powertrain.CombustionEngine.ECT', 'celsius', 90, 2000]])]
  feed.receive(a[0] as string)
  feed.receive(b[0] as string)
  feed.receive(liveChunks(OTHER, [['Vehicle.Speed', 'km/h', 1, 1]])[0] as string)
  feed.receive(liveChunks(VIN, [['Vehicle.Speed', 'km/h', 10, 1000]])[0] as string)
  await until('both clients', async () => first.length > 0 && second.length > 0 ? true : undefined)
  const expected = [{ name: 'Vehicle.Powertrain.CombustionEngine.ECT', unit: 'celsius', value: 90, timeMs: 2000 }, { name: 'Vehicle.Speed', unit: 'km/h', value: 50, timeMs: 2000 }]
  t.same(first[0], expected, 'both chunks in one snapshot; an older value does not replace a newer one')
  t.same(second[0], expected)
  stopFirst()
  feed.announceAll()
  t.same(announced, [VIN, VIN], 'still watched by the second client')
  stopSecond()
  feed.announceAll()
  t.equal(feed.size, 0)
  t.same(announced, [VIN, VIN], 'nobody watches: nothing announced')
})
